"""The equations: one module per layer, each with its initialiser.

- :mod:`~rnn_course.layers.activations`: the sigmoid and the softmax;
- :mod:`~rnn_course.layers.rnn`: the vanilla RNN, ``h_t = tanh(W_h h_{t-1} + W_x x_t + b_h)``
  (its sequence functions' loops in :mod:`~rnn_course.layers.rnn_loops`);
- :mod:`~rnn_course.layers.lstm`: the LSTM (gates, cell state, hidden state)
  (its sequence functions' loops in :mod:`~rnn_course.layers.lstm_loops`);
- :mod:`~rnn_course.layers.gru`: the GRU, in the sources' and in PyTorch's variant
  (its sequence functions' loops in :mod:`~rnn_course.layers.gru_loops`);
- :mod:`~rnn_course.layers.stacked`: deep (stacked) and bidirectional RNNs, built from the
  sequence functions of the RNN and the GRU;
- :mod:`~rnn_course.layers.output`: the output layer ``o_t = softmax(W_y h_t + b_y)``;
- :mod:`~rnn_course.layers.attention`: additive (and multiplicative) attention over the
  states of an encoder, with padding masked;
- :mod:`~rnn_course.layers.embedding`: a learned vector for every token, looked up by index;
- :mod:`~rnn_course.layers.pooling`: one vector per sequence from its hidden states, padding
  masked out (the last real state, or the mean over the real steps);
- :mod:`~rnn_course.layers.pytorch`: LSTM and GRU parameters to and from PyTorch's layout;
- :mod:`~rnn_course.layers.unroll`: any cell function over a sequence, keeping each step's cache;
- :mod:`~rnn_course.layers.by_steps`: the readable sequence functions of each layer, one cell
  call per step, with the exercises' list of cell caches (the references a learner reads).

Every cell function reads like its equation; every sequence function exported from
``rnn_course`` is the fast path, and names its readable twin in ``by_steps``.
These modules import only the bottom floor (``rnn_course._validate``, ``rnn_course._arrays``)
and each other. Import the functions from ``rnn_course``.
"""
