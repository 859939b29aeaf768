"""Folk tunes in ABC notation: the corpus, a validity test, a character LSTM, notes to
sound.

- :mod:`~rnn_course.tasks.music.tunes`: Irish jigs in ABC notation: the data, and a stated
  test of whether a tune is valid ABC;
- :mod:`~rnn_course.tasks.music.tune_lm`: A character-level LSTM over ABC tunes, and an
  n-gram model to compare it with;
- :mod:`~rnn_course.tasks.music.tune_audio`: From an ABC tune to notes (via music21) and
  from notes to sound (NumPy only).
"""
