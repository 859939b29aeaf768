"""Tasks and data sets, one module each: the batches, the loss, and a ``train_*`` wrapper
over :func:`~rnn_course.fit`.

- :mod:`~rnn_course.tasks.adding`: the adding problem (synthetic, long-range memory);
- :mod:`~rnn_course.tasks.delayed_copy`: copy the symbol read a fixed number of steps ago
  (synthetic, a known dependency length, for truncated BPTT);
- :mod:`~rnn_course.tasks.charlm`: a character-level language model of first names (the
  offline ``names`` package).

- :mod:`~rnn_course.tasks.dates`, :mod:`~rnn_course.tasks.date_lists`,
  :mod:`~rnn_course.tasks.seq2seq` and :mod:`~rnn_course.tasks.attention_seq2seq`: dates
  written in eight locales (Babel) and lists of them, to ISO 8601, by an encoder–decoder
  without and with attention;

- :mod:`~rnn_course.tasks.series`, :mod:`~rnn_course.tasks.series_data` and
  :mod:`~rnn_course.tasks.forecast`: windows of a series without leakage, baselines, real
  series (vega_datasets, statsmodels), a many-to-one forecaster;
- :mod:`~rnn_course.tasks.audio`, :mod:`~rnn_course.tasks.speech` and
  :mod:`~rnn_course.tasks.digits`: speech features, spoken digits (espeak-ng and a real
  voice from Debian packages), a digit recogniser;
- :mod:`~rnn_course.tasks.tunes`, :mod:`~rnn_course.tasks.tune_lm`,
  :mod:`~rnn_course.tasks.tune_audio` and :mod:`~rnn_course.tasks.ngram`: folk tunes in ABC
  (music21's corpus), a stated validity test, a character LSTM, an n-gram baseline, notes
  to sound.

The applications chapter adds one module per data set here (text, reviews, translation
pairs, series, audio, tunes), each reading data that ships with an installable package,
so nothing is downloaded at run time. These modules import :mod:`rnn_course.training`,
:mod:`rnn_course.layers` and the bottom floor, nothing above.
"""
