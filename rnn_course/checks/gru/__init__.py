"""Feedback checks for the GRU (exercise ex05-gru).

The forward checks force the gates with saturating biases (``b_z = ±30`` with
``W_z = U_z = 0`` makes ``z_t`` 1 or 0 to machine precision) so that each part of the
cell can be tested on its own, then compare a wrong answer with the typical mistakes
(update gate the wrong way round, reset gate on the wrong term, ``W_*`` and ``U_*``
swapped, a missing bias, ...). Those run with ``D == H`` so that a swapped ``W``/``U``
gives numbers instead of a shape error. The backward checks receive the caches of the
reference forward functions, so each part is graded on its own.

- :mod:`~rnn_course.checks.gru.forward`: the cell and the sequence forward (Parts 1, 2);
- :mod:`~rnn_course.checks.gru.backward`: the cell and the sequence backward (Parts 3, 4);
- :mod:`~rnn_course.checks.gru.count`: the number of parameters (Part 5).
"""

from .backward import check_gru_backward, check_gru_cell_backward
from .count import check_gru_param_count
from .forward import check_gru_cell_forward_shapes, check_gru_cell_forward_values
from .forward import check_gru_forward_shapes, check_gru_forward_values

__all__ = ["check_gru_backward", "check_gru_cell_backward", "check_gru_cell_forward_shapes",
           "check_gru_cell_forward_values", "check_gru_forward_shapes", "check_gru_forward_values",
           "check_gru_param_count"]
