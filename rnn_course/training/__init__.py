"""Everything that trains a layer, and everything that measures its gradients.

- :mod:`~rnn_course.training.losses`: cross-entropy and squared error, each with its gradient;
- :mod:`~rnn_course.training.optim`: SGD and Adam, updating parameter dicts in place;
- :mod:`~rnn_course.training.schedule`: a learning rate that falls linearly, around any optimiser;
- :mod:`~rnn_course.training.sampling`: the next token from a model's scores, sampled with a
  temperature or taken greedily;
- :mod:`~rnn_course.training.clipping`: gradient clipping by value and by global norm;
- :mod:`~rnn_course.training.tbptt`: truncated backpropagation through time;
- :mod:`~rnn_course.training.gradcheck`: numerical gradients and their comparison;
- :mod:`~rnn_course.training.gradient_norms`: how gradients vanish or explode through time;
- :mod:`~rnn_course.training.models`: one interface over the RNN, LSTM and GRU plus an output layer;
- :mod:`~rnn_course.training.loop`: :func:`~rnn_course.fit`, the one training loop.

These modules import the layers (:mod:`rnn_course.layers`) and the bottom floor, nothing
above. Import the functions from ``rnn_course``.
"""
