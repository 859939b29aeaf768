"""Feedback checks for exercise ex02-bptt.

- :mod:`~rnn_course.checks.bptt.backward`: the cell backward and backpropagation through
  time (Parts 1, 2);
- :mod:`~rnn_course.checks.bptt.loss`: the sequence cross-entropy and its gradient (Part 3);
- :mod:`~rnn_course.checks.bptt.numgrad`: a numerical gradient checker (Part 4).
"""

from .backward import check_rnn_backward, check_rnn_cell_backward
from .loss import check_sequence_cross_entropy
from .numgrad import check_numerical_gradient

__all__ = ["check_numerical_gradient", "check_rnn_backward", "check_rnn_cell_backward",
           "check_sequence_cross_entropy"]
