"""Tasks and data sets, one module each: the batches, the loss, and a ``train_*`` wrapper
over :func:`~rnn_course.fit`.

- :mod:`~rnn_course.tasks.adding`: the adding problem (synthetic, long-range memory);
- :mod:`~rnn_course.tasks.delayed_copy`: copy the symbol read a fixed number of steps ago
  (synthetic, a known dependency length, for truncated BPTT);
- :mod:`~rnn_course.tasks.charlm`: a character-level language model of first names (the
  offline ``names`` package).

The applications chapter adds one module per data set here (text, reviews, translation
pairs, series, audio, tunes), each reading data that ships with an installable package,
so nothing is downloaded at run time. These modules import :mod:`rnn_course.training`,
:mod:`rnn_course.layers` and the bottom floor, nothing above.
"""
