"""From a sequence of hidden states to one vector per sequence, with padding masked out.

A many-to-one model (a sentence in, a label out) reads sequences of different lengths,
padded to a common length ``T`` in one batch. Two ways to summarise each one:

- **the final state**: ``h`` at the last real step of each sequence (not at step ``T``,
  which for a short sequence has read padding);
- **the mean state**: the average of ``h_t`` over the real steps only,
  ``h̄ = sum_t m_t h_t / sum_t m_t`` with the mask ``m_t`` = 1 at real steps, 0 at padding.

Each forward returns ``(pooled, cache)`` and each backward spreads the gradient of the
pooled vector back over ``dhs``, with zeros at padding.

Shapes: ``hs`` (T, B, H) time-major, ``mask`` (T, B) booleans or 0/1, True at real steps,
every sequence at least one step long; ``pooled`` (B, H).

Book: chapter 6, sentiment analysis (many-to-one); exercise ex06-language.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, require_cache, require_shape


def _mask(mask, hs: np.ndarray) -> np.ndarray:
    if hs.ndim != 3:
        raise ValueError(f"hs has shape {hs.shape}: expected (T, B, H)")
    mask = as_float_array("mask", mask)
    require_shape("mask", mask, hs.shape[:2], like="hs without its last axis (T, B)")
    if np.any((mask != 0) & (mask != 1)):
        raise ValueError("mask must hold booleans or 0/1")
    lengths = mask.sum(axis=0)
    if np.any(lengths == 0):
        b = int(np.argmax(lengths == 0))
        raise ValueError(f"mask[:, {b}] is all False: every sequence needs at least one real step")
    return mask


def mean_pool_forward(hs, mask):
    """The mean of ``hs`` over the real steps of each sequence: (B, H)."""
    hs = as_float_array("hs", hs)
    mask = _mask(mask, hs)
    lengths = mask.sum(axis=0)  # (B,)
    pooled = (hs * mask[..., None]).sum(axis=0) / lengths[:, None]
    return pooled, {"mask": mask, "lengths": lengths, "H": hs.shape[2]}


def mean_pool_backward(dpooled, cache) -> np.ndarray:
    """``dhs`` (T, B, H): ``m_t / length`` times ``dpooled`` at every step, 0 at padding."""
    require_cache(cache, ("mask", "lengths", "H"), made_by="mean_pool_forward")
    mask, lengths = cache["mask"], cache["lengths"]
    dpooled = as_float_array("dpooled", dpooled)
    require_shape("dpooled", dpooled, (mask.shape[1], cache["H"]), like="the pooled states (B, H)")
    return mask[..., None] * (dpooled / lengths[:, None])[None]


def last_state_forward(hs, mask):
    """The state at the last real step of each sequence: ``hs[length_b - 1, b]``, (B, H).

    The mask must be True on a prefix of each column (padding at the end).
    """
    hs = as_float_array("hs", hs)
    mask = _mask(mask, hs)
    lengths = mask.sum(axis=0).astype(int)
    if not np.all(mask == (np.arange(hs.shape[0])[:, None] < lengths)):
        raise ValueError("mask must be True on the first steps of each sequence and False after (padding at the end)")
    last = lengths - 1
    return hs[last, np.arange(hs.shape[1])], {"last": last, "shape": hs.shape}


def last_state_backward(dpooled, cache) -> np.ndarray:
    """``dhs`` (T, B, H): ``dpooled`` at each sequence's last real step, 0 elsewhere."""
    require_cache(cache, ("last", "shape"), made_by="last_state_forward")
    last, shape = cache["last"], cache["shape"]
    dpooled = as_float_array("dpooled", dpooled)
    require_shape("dpooled", dpooled, (shape[1], shape[2]), like="the pooled states (B, H)")
    dhs = np.zeros(shape, dtype=dpooled.dtype)
    dhs[last, np.arange(shape[1])] = dpooled
    return dhs
