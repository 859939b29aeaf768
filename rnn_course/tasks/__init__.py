"""Tasks and data sets, one module each, in four subpackages: the batches, the loss, and a
``train_*`` wrapper over :func:`~rnn_course.fit`.

- :mod:`~rnn_course.tasks.synthetic`: tasks whose answer is known by construction (the
  adding problem, the delayed copy), for long-range memory and truncated BPTT;
- :mod:`~rnn_course.tasks.language`: text: first names, Shakespeare's plays, rated
  film-review sentences, film dialogue, dates in eight locales; character-level language
  models, n-gram baselines, a many-to-one classifier, encoder–decoders with and without
  attention;
- :mod:`~rnn_course.tasks.signals`: series and sound: windows without leakage, real series
  and their baselines, a many-to-one forecaster, speech features, spoken digits;
- :mod:`~rnn_course.tasks.music`: folk tunes in ABC notation (music21's corpus), a stated
  validity test, a character LSTM, notes to sound.

Each subpackage's docstring lists its modules. Every data set ships with an installable
package, so nothing is downloaded at run time. These modules import
:mod:`rnn_course.training`, :mod:`rnn_course.layers` and the bottom floor, nothing above.
"""
