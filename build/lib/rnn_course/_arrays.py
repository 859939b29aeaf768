"""Small array helpers shared by the reference layers (the bottom floor, with _validate)."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np


def flat(a: np.ndarray) -> np.ndarray:
    """Collapse every leading (time and batch) axis: ``(..., n) -> (N, n)``.

    Weight gradients are sums over every example and time step, ``flat(da).T @ flat(x)``,
    whatever the leading axes are.
    """
    return a.reshape(-1, a.shape[-1])


def uniform_params(gen: np.random.Generator, shapes: Mapping[str, tuple[int, ...]],
                   hidden_size: int, dtype=np.float64) -> dict[str, np.ndarray]:
    """PyTorch's initialisation: every entry from ``U(-1/sqrt(H), 1/sqrt(H))``.

    The arrays are drawn in the order of ``shapes`` (``{name: shape}``), so a seed gives
    the same parameters whatever else the caller does with the result; they are drawn in
    float64 and then rounded to ``dtype``, so a seed gives the same values in both types.
    """
    k = 1.0 / np.sqrt(hidden_size)
    return {name: gen.uniform(-k, k, shape).astype(dtype, copy=False) for name, shape in shapes.items()}


#: Rows (steps × batch) of one chunk of a fused backward pass; see :func:`chunk_steps`.
CHUNK_ROWS = 1024


def chunk_steps(steps: int, rows: int) -> int:
    """Time steps per chunk of a fused backward pass.

    The backward passes keep the gradients of the pre-activations for one chunk of steps
    at a time, then do the weight-gradient products for the whole chunk at once. A chunk
    of about ``CHUNK_ROWS`` rows (steps × batch) keeps those products large enough to
    run at the matrix-product rate of the machine while the workspace stays a small
    fraction of the activations the backward pass reads.
    """
    return max(1, min(steps, -(-CHUNK_ROWS // max(rows, 1))))


def add_products_with_previous(out: np.ndarray, das: np.ndarray, first: np.ndarray,
                               states: np.ndarray, start: int) -> None:
    """``out += Σ_t flat(das[t - start]).T @ flat(s_{t-1})`` for the chunk of steps from ``start``.

    ``s_{t-1}`` is ``states[t - 1]``, and ``first`` (the initial state) for ``t = 0``: the
    weight gradient of a recurrent product, without concatenating ``first`` and ``states``.
    """
    n = das.shape[0]
    if start == 0:
        out += flat(das[0]).T @ flat(first)
        if n > 1:
            out += flat(das[1:]).T @ flat(states[: n - 1])
    else:
        out += flat(das).T @ flat(states[start - 1 : start - 1 + n])


def sigmoid_prescale(n_sigmoid: int, n_total: int, size: int, dtype) -> np.ndarray:
    """``(n_total·size, 1)``: 0.5 on the rows of the first ``n_sigmoid`` stacked gates, 1 elsewhere.

    ``σ(a) = (1 + tanh(a / 2)) / 2``: scaling those rows of the weights and biases by 0.5
    (exact in floating point) lets one ``np.tanh`` call activate every gate of a step.
    """
    scale = np.ones((n_total * size, 1), dtype=dtype)
    scale[: n_sigmoid * size] = 0.5
    return scale


# Scratch arrays that the fused sequence functions reuse from one call to the next.
#
# A fused backward pass needs temporaries the size of a chunk of steps (the factors, the
# gate gradients laid side by side, the columns they multiply). Allocated afresh at every
# call, each is handed back to the operating system when the call ends, and the next call
# pays a page fault per 4 KiB page it touches again: on a virtual machine, a quarter of
# the LSTM's backward pass at (T, B, D, H) = (50, 32, 64, 128). So each thread keeps one
# array per purpose, and a call reuses it when the shape and type match. Only a call's own
# temporaries live there, never anything it returns or caches: the next call overwrites them.

_scratch_local = threading.local()


def _scratch_pool() -> dict:
    pool = getattr(_scratch_local, "pool", None)
    if pool is None:
        pool = _scratch_local.pool = {}
    return pool


def scratch(name: str, shape, dtype) -> np.ndarray:
    """An uninitialised array of ``shape`` and ``dtype``: this thread's array for ``name``,
    kept from one call to the next (see the comment above).

    Its contents are whatever its last user left. One array is kept per name, so two
    arrays in use at the same time need two names.
    """
    pool, shape, dtype = _scratch_pool(), tuple(int(n) for n in shape), np.dtype(dtype)
    buf = pool.get(name)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        pool.pop(name, None)  # free the old one before making the new one
        buf = pool[name] = np.empty(shape, dtype=dtype)
    return buf


def scratch_bytes() -> int:
    """Bytes this thread's scratch arrays keep between calls."""
    return sum(a.nbytes for a in _scratch_pool().values())


def release_scratch() -> None:
    """Free this thread's scratch arrays (the next call makes them again)."""
    _scratch_pool().clear()
