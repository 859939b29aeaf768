"""Small array helpers shared by the reference layers (the bottom floor, with _validate)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def flat(a: np.ndarray) -> np.ndarray:
    """Collapse every leading (time and batch) axis: ``(..., n) -> (N, n)``.

    Weight gradients are sums over every example and time step, ``flat(da).T @ flat(x)``,
    whatever the leading axes are.
    """
    return a.reshape(-1, a.shape[-1])


def uniform_params(gen: np.random.Generator, shapes: Mapping[str, tuple[int, ...]],
                   hidden_size: int) -> dict[str, np.ndarray]:
    """PyTorch's initialisation: every entry from ``U(-1/sqrt(H), 1/sqrt(H))``.

    The arrays are drawn in the order of ``shapes`` (``{name: shape}``), so a seed gives
    the same parameters whatever else the caller does with the result.
    """
    k = 1.0 / np.sqrt(hidden_size)
    return {name: gen.uniform(-k, k, shape) for name, shape in shapes.items()}
