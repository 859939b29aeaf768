"""Elementwise activations and the softmax, written to be numerically stable.

Book: the notation page (σ and softmax), used by every chapter from chapter 1 on.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-z))``, computed as ``(1 + tanh(z / 2)) / 2``.

    The two are equal; the tanh form never overflows for large ``|z|`` and is as fast as
    ``np.tanh``, which matters inside the loops over time.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis; subtracting the maximum keeps ``exp`` finite.

    Keeps a float32 or float64 input's type (integers give float64). Entries so far below
    the maximum that the difference overflows (only near the type's limits) get 0.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    with np.errstate(over="ignore"):  # z - max = -inf only where exp would give 0 anyway
        shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)
