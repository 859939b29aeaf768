"""Feedback checks for gradient norms through time and gradient clipping (exercise ex03-gradients).

The learner writes three functions:

- ``gradient_norms_through_time(dh_last, cache)``: the norms ``||dL/dh_t||`` for every step
  when the loss depends on the last state only, from a cache of ``rnn_course.rnn_forward``;
- ``clip_grad_value(grads, clip_value)``: a new dict, every entry clipped into ``[-c, c]``;
- ``clip_grad_norm(grads, max_norm)``: ``(clipped, total_norm)``, every array scaled by
  ``max_norm / total_norm`` when the global norm exceeds ``max_norm``, unchanged otherwise.

Neither clipping function may touch the dict or the arrays it is given, and both return a
new dict of new arrays. The clipping functions share their names with the reference
implementations in ``rnn_course.training.clipping``, so ``call_learner`` catches delegating;
on top of that every check here flags a call into *any* module of the ``rnn_course``
package (for example a plotting helper that computes gradient norms), since the point of
the exercise is to write the computation.

- :mod:`~rnn_course.checks.gradients.norms`: the gradient norms through time (Part 1);
- :mod:`~rnn_course.checks.gradients.clipping`: clipping by value and by norm (Parts 2, 3);
- ``_common``: what both share (calling the learner, a tolerance).
"""

from .clipping import check_clip_grad_norm, check_clip_grad_norm_edge_cases, check_clip_grad_value
from .norms import check_gradient_norms_shapes, check_gradient_norms_values

__all__ = ["check_clip_grad_norm", "check_clip_grad_norm_edge_cases", "check_clip_grad_value",
           "check_gradient_norms_shapes", "check_gradient_norms_values"]
