"""Small array helpers shared by the reference layers."""

from __future__ import annotations

import numpy as np


def flat(a: np.ndarray) -> np.ndarray:
    """Collapse every leading (time and batch) axis: ``(..., n) -> (N, n)``.

    Weight gradients are sums over every example and time step, ``flat(da).T @ flat(x)``,
    whatever the leading axes are.
    """
    return a.reshape(-1, a.shape[-1])
