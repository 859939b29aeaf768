"""The book's figures and widgets, one module per chapter.

- :mod:`~rnn_course.book.recurrence`: chapter 1, sequential data and recurrence;
- :mod:`~rnn_course.book.bptt`: chapter 2, backpropagation through time;
- :mod:`~rnn_course.book.gradients`: chapter 3, vanishing and exploding gradients;
- :mod:`~rnn_course.book.lstm`: chapter 4, LSTM;
- :mod:`~rnn_course.book.cells`: chapters 4 and 5, the diagrams of the LSTM and GRU cells;
- :mod:`~rnn_course.book.deep`: chapter 5, deep and bidirectional RNNs;
- :mod:`~rnn_course.book.language`: chapter 6, language (the temperature widget and the
  figures of the language model, sentiment and translation pages);
- :mod:`~rnn_course.book.attention`: chapter 6, attention (heatmaps of the weights, where
  they fall, accuracy against the input's length);
- :mod:`~rnn_course.book.signals`: chapter 6, forecasting, speech and music (and an
  offline audio player);
- :mod:`~rnn_course.book.prose`: chapter 6, sentences built from the results of several
  runs, so that they read well whatever the numbers;
- :mod:`~rnn_course.book.plotting`: what the chapters share (colours, line styles,
  curves, training-curve panels, the frame of every widget, the pieces of the diagrams).

A page imports its chapter's module (``from rnn_course.book.lstm import plot_lstm_run``).
Every widget has a static counterpart here, because the HTML book cannot recompute.
These modules import matplotlib and ipywidgets, which the rest of the package does not,
and may use :mod:`rnn_course.tasks`, :mod:`rnn_course.training` and
:mod:`rnn_course.layers`.
"""
