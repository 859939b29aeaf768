"""Feedback checks for exercise ex08-attention: the masked softmax over the source positions
(Part 1), the additive attention forward step (Part 2) and its backward step (Part 3).

The inputs have five different sizes (S, B, Q, H, A), so that a sum over the wrong axis shows
as a wrong shape, and junk at padded positions, so that padding that is not masked changes the
numbers. The backward checks receive the cache of the reference forward step, so each part is
graded on its own; every expected value is computed from copies of the inputs taken before the
learner's code runs.

- :mod:`~rnn_course.checks.attention.softmax`: Part 1;
- :mod:`~rnn_course.checks.attention.forward`: Part 2;
- :mod:`~rnn_course.checks.attention.backward`: Part 3;
- ``_common``: what the three share (the inputs, the reference values, the cache contract,
  the attention step computed with each typical mistake).
"""

from .backward import check_attention_backward_inputs, check_attention_backward_params
from .forward import check_attention_forward_shapes, check_attention_forward_values
from .softmax import check_masked_softmax_shapes, check_masked_softmax_values

__all__ = [
    "check_attention_backward_inputs",
    "check_attention_backward_params",
    "check_attention_forward_shapes",
    "check_attention_forward_values",
    "check_masked_softmax_shapes",
    "check_masked_softmax_values",
]
