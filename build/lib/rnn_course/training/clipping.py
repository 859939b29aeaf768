"""Gradient clipping over gradient dicts: by value and by global norm.

Both functions return new arrays and never modify their input, so the raw gradients stay
available for plotting their size. They follow PyTorch's
``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``, and the tests check that
they agree to 1e-10 in float64. :func:`~rnn_course.fit` applies either one at every step.

Book: chapter 3, gradient clipping.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_float_array, real, require_dict


def _grad_arrays(grads) -> dict[str, np.ndarray]:
    require_dict("grads", grads)
    return {k: as_float_array(f'grads["{k}"]', g) for k, g in grads.items()}


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together so that their joint L2 norm is at most ``max_norm``.

    The norm is taken over every array in ``grads`` as if they were one long vector. As in
    ``torch.nn.utils.clip_grad_norm_``, the scale is ``min(1, max_norm / (norm + 1e-6))``:
    the 1e-6 avoids dividing by zero (all-zero gradients are returned unchanged) and leaves
    a clipped norm just under ``max_norm``. Gradients already within the limit are unchanged.

    Parameters
    ----------
    grads : dict of arrays keyed by name. Not modified.
    max_norm : positive number.

    Returns
    -------
    clipped : a new dict of new arrays, same keys and shapes.
    total_norm : float, the norm of the gradients before clipping.

    Raises ``ValueError`` if a gradient holds NaN or infinity, which no rescaling can repair.
    """
    max_norm = real("max_norm", max_norm, low=0.0, low_open=True)
    arrays = _grad_arrays(grads)
    # Fast path: a finite sum of squares means every entry is finite and nothing overflowed.
    squares = sum(float(np.vdot(g, g)) for g in arrays.values())
    if math.isfinite(squares):
        total_norm = math.sqrt(squares)
    else:
        for k, g in arrays.items():
            if not np.all(np.isfinite(g)):
                raise ValueError(f'grads["{k}"] holds NaN or infinite values: its norm cannot be clipped')
        # Divide by the largest entry before squaring, so huge (exploding) gradients do not overflow.
        largest = max(float(np.max(np.abs(g))) for g in arrays.values() if g.size)
        total_norm = largest * math.sqrt(sum(float(np.sum((g / largest) ** 2)) for g in arrays.values()))
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    return {k: g * scale for k, g in arrays.items()}, total_norm


def clip_grad_value(grads, clip_value):
    """Clip every gradient entry into ``[-clip_value, clip_value]``.

    Parameters
    ----------
    grads : dict of arrays keyed by name. Not modified.
    clip_value : positive number.

    Returns
    -------
    clipped : a new dict of new arrays, same keys and shapes.
    """
    clip_value = real("clip_value", clip_value, low=0.0, low_open=True)
    return {k: np.clip(g, -clip_value, clip_value) for k, g in _grad_arrays(grads).items()}
