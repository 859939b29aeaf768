"""Series and sound: windows without leakage, real series, a forecaster, speech features,
spoken digits.

- :mod:`~rnn_course.tasks.signals.series`: Time series as supervised pairs, split in time
  without leakage, and the baselines a forecaster must beat;
- :mod:`~rnn_course.tasks.signals.series_data`: Real time series that ship inside installed
  packages (nothing is downloaded);
- :mod:`~rnn_course.tasks.signals.forecast`: A many-to-one recurrent forecaster: read a
  window, predict the next ``h`` values;
- :mod:`~rnn_course.tasks.signals.audio`: Speech features with NumPy alone: frames, power
  spectra, mel bands, log energies;
- :mod:`~rnn_course.tasks.signals.speech`: Spoken digits: synthetic voices to train on, a
  real voice to test on;
- :mod:`~rnn_course.tasks.signals.digits`: Recognising a spoken digit: a GRU reads the
  feature frames and classifies at the end.
"""
