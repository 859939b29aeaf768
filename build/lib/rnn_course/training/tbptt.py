"""Truncated backpropagation through time (TBPTT) for the vanilla RNN.

Full BPTT carries the gradient of every step's loss ``L_t`` back to the first step,
which costs time and memory proportional to the whole sequence and lets exploding
gradients compound. Truncation cuts the path after ``k`` steps. Two forms are common:

- **Per-step truncation**, :func:`~rnn_course.rnn_backward_truncated`: the gradient of each ``L_t``
  goes back through the ``k`` steps ``t, t-1, ..., t-k+1`` and stops; the dependency of
  ``h_{t-k+1}`` on ``h_{t-k}`` is treated as a constant. With ``k = 1`` each ``L_t`` sees
  only its own step (``h_{t-1}`` a constant); with ``k >= T`` nothing is cut and the
  result is full BPTT.
- **Chunked truncation**, :func:`~rnn_course.tbptt_chunks`: split the sequence into windows of ``k``
  steps, run forward and backward on one window at a time, and carry the last hidden state
  into the next window as a constant (its value goes forward, no gradient comes back).
  A step ``j`` places into its window gets ``j + 1`` steps of backpropagation, not ``k``.
  This is what training code (and PyTorch's ``h = h.detach()``) usually does.

Both are built on :func:`~rnn_course.rnn_forward` and :func:`~rnn_course.rnn_backward`.

Book: chapter 2, truncated BPTT.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, positive_int, require_cache, require_shape
from ..layers.rnn import rnn_backward

_CACHE_KEYS = ("X", "h0", "hs", "W_x", "W_h")


def rnn_backward_truncated(dhs, cache, k):
    """BPTT in which each step's gradient travels at most ``k`` steps back.

    Parameters
    ----------
    dhs : (T, H) or (T, B, H); ``dhs[s]`` is the direct gradient at ``hs[s]``, from the loss
        of the step that read ``X[s]``.
    cache : the cache returned by ``rnn_forward``.
    k : positive int, the number of steps each gradient is carried back through.

    Returns
    -------
    dX : like ``X``; dh0 : like ``h0`` (only steps ``t < k`` reach it);
    grads : dict with ``W_x``, ``W_h``, ``b_h``, summed over time steps.
    """
    require_cache(cache, _CACHE_KEYS, made_by="rnn_forward")
    k = positive_int("k", k)
    X, h0, hs = cache["X"], cache["h0"], cache["hs"]
    dhs = as_float_array("dhs", dhs)
    require_shape("dhs", dhs, hs.shape, like="hs")
    T = X.shape[0]
    if k >= T:
        return rnn_backward(dhs, cache)  # nothing to cut

    dX = np.zeros(X.shape, dtype=np.result_type(X, dhs))
    dh0 = np.zeros(h0.shape, dtype=dX.dtype)
    grads = None
    for t in range(T):
        # The gradient of L_t flows through the window of steps start..t, which begins at
        # the state h_prev, a constant unless it is the real initial state h0.
        start = max(0, t - k + 1)
        h_prev = h0 if start == 0 else hs[start - 1]
        window = {**cache, "X": X[start : t + 1], "h0": h_prev, "hs": hs[start : t + 1]}
        dhs_window = np.zeros_like(window["hs"], dtype=dX.dtype)
        dhs_window[-1] = dhs[t]
        dX_window, dh_prev, g = rnn_backward(dhs_window, window)
        dX[start : t + 1] += dX_window
        if start == 0:
            dh0 += dh_prev  # otherwise h_prev is cut off: its gradient is dropped
        grads = g if grads is None else {name: grads[name] + g[name] for name in grads}
    return dX, dh0, grads


def tbptt_chunks(T, k):
    """The ``(start, stop)`` windows of chunked TBPTT: ``[0, k), [k, 2k), ...``, the last one shorter.

    Use them like this (``h`` carries the state forward; each window's backward pass stops
    at its first step, because ``h`` enters the window as a plain array)::

        h = h0
        for start, stop in tbptt_chunks(len(X), k):
            hs, cache = rnn_forward(X[start:stop], h, params)
            ...  # loss on hs, then dhs
            dX, dh, grads = rnn_backward(dhs, cache)
            ...  # optimiser step with grads (or sum them over windows)
            h = hs[-1]

    Parameters
    ----------
    T : positive int, the sequence length.
    k : positive int, the window length.

    Returns
    -------
    list of ``(start, stop)`` pairs covering ``0 .. T`` in order, each ``stop - start <= k``.
    """
    T = positive_int("T", T)
    k = positive_int("k", k)
    return [(start, min(start + k, T)) for start in range(0, T, k)]
