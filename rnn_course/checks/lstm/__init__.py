"""Feedback checks for the LSTM forward and backward passes (exercise ex04-lstm).

Each check compares the learner's function with the reference, and when they differ it
compares the learner's result with "mutants": the LSTM computed with one typical mistake
(forget and input gates swapped, tanh missing on the cell state, C_{t-1} where C_t
belongs, ...). A match names the mistake. When nothing matches, gates are forced open or
shut with large biases (σ(±40) is 1 or 0 to machine precision) so that the message can
say which gate or which path is wrong.

The backward checks hand the learner caches made by the reference forward functions:
the cell cache of ``rnn_course.lstm_cell_forward`` (keys ``x_t, h_prev, c_prev, f_t,
i_t, c_tilde, o_t, c_t, h_t, params``), and for the sequence a list of those caches,
one per step, so each part is graded on its own.

- :mod:`~rnn_course.checks.lstm.forward`: the cell and the sequence forward (Parts 1, 2);
- :mod:`~rnn_course.checks.lstm.backward`: the cell and the sequence backward (Parts 3, 4);
- ``_common``: what both share (names, hints, the gradient dict, the mutants).
"""

from .backward import check_lstm_backward_shapes, check_lstm_backward_values
from .backward import check_lstm_cell_backward_shapes, check_lstm_cell_backward_values
from .forward import check_lstm_cell_forward_shapes, check_lstm_cell_forward_values
from .forward import check_lstm_forward_shapes, check_lstm_forward_values

__all__ = ["check_lstm_backward_shapes", "check_lstm_backward_values", "check_lstm_cell_backward_shapes",
           "check_lstm_cell_backward_values", "check_lstm_cell_forward_shapes", "check_lstm_cell_forward_values",
           "check_lstm_forward_shapes", "check_lstm_forward_values"]
