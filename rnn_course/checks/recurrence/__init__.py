"""Feedback checks for exercise ex01-recurrence.

- :mod:`~rnn_course.checks.recurrence.rnn`: the RNN cell and the sequence forward (Parts 1, 2);
- :mod:`~rnn_course.checks.recurrence.output`: the softmax output layer and a learned
  initial state (Parts 3, 4).
"""

from .output import check_rnn_forward_learned_h0, check_rnn_output
from .rnn import check_rnn_cell_forward_shapes, check_rnn_cell_forward_values
from .rnn import check_rnn_forward_shapes, check_rnn_forward_values

__all__ = ["check_rnn_cell_forward_shapes", "check_rnn_cell_forward_values", "check_rnn_forward_learned_h0",
           "check_rnn_forward_shapes", "check_rnn_forward_values", "check_rnn_output"]
