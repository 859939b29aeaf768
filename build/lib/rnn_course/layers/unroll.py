"""Run a cell function over a sequence, step by step, keeping every step's cache.

This is the cache contract of the exercises: a sequence's cache is the list of its cell
caches, one per step. ``unroll`` makes such a list from any cell forward function (the
reference ones or a learner's), for example to hand a sequence backward pass its input::

    hs, caches = unroll(rnn_cell_forward, X, h0, params=params)          # RNN, GRU
    hs, cs, caches = unroll(lstm_cell_forward, X, h0, c0, params=params)  # LSTM

Time indices: the maths counts steps from 1 (``h_0`` is the initial state, inputs
``x_1 … x_T``); code counts from 0, so ``X[k]`` holds ``x_{k+1}``, ``hs[k]`` holds
``h_{k+1}``, and ``caches[k]`` is the cache of the step that read ``X[k]``.

The reference sequence functions (:func:`~rnn_course.rnn_forward` and the others) are
the fast path used for training: their caches have a layout of their own, read only by
their own backward functions.

Book: the notation page (the caches), chapters 2, 4 and 5 (the backward passes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .._validate import as_float_array


def unroll(cell_forward: Callable, X, *states, params: Mapping) -> tuple:
    """Run ``cell_forward`` over the sequence ``X`` from the initial ``states``.

    Parameters
    ----------
    cell_forward : a cell function, ``cell_forward(x_t, *states, params)`` returning the
        new states followed by the step's cache (``rnn_cell_forward``,
        ``gru_cell_forward``, ``lstm_cell_forward``, or one of your own).
    X : (T, D) or (T, B, D) inputs, time-major: ``X[k]`` holds x_{k+1}.
    *states : the initial states, ``h0`` (and ``c0`` for the LSTM), (H,) or (B, H).
    params : the parameter dict, passed to every step.

    Returns
    -------
    One stacked array per state, (T, H) or (T, B, H) (``hs[k]`` holds h_{k+1}, the state
    after reading ``X[k]``), then ``caches``: the list of the T cell caches, ``caches[k]``
    from the step that read ``X[k]``.
    """
    if not callable(cell_forward):
        raise TypeError(f"cell_forward must be a cell function, got {type(cell_forward).__name__}")
    if not states:
        raise TypeError("unroll needs the initial state(s) after X: unroll(cell_forward, X, h0, params=params)")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of parameters, got {type(params).__name__}")
    X = as_float_array("X", X)
    if X.ndim < 2 or X.shape[0] == 0:
        raise ValueError(f"X has shape {X.shape}: expected (T, D) or (T, B, D) with T >= 1")
    outputs: list[list[np.ndarray]] = [[] for _ in states]
    caches = []
    for k in range(X.shape[0]):
        try:
            result = cell_forward(X[k], *states, params)
        except TypeError as exc:
            if k:
                raise
            raise TypeError(
                f"cell_forward refused the call cell_forward(x_t, {len(states)} state(s), params) ({exc}): "
                f"pass the initial states it takes, h0 for the RNN and the GRU, h0 and c0 for the LSTM"
            ) from exc
        if not isinstance(result, tuple) or len(result) != len(states) + 1:
            raise ValueError(
                f"cell_forward must return {len(states)} state(s) and a cache for {len(states)} "
                f"initial state(s); it returned {type(result).__name__}"
            )
        states = result[:-1]
        caches.append(result[-1])
        for out, state in zip(outputs, states):
            out.append(state)
    return (*(np.stack(out) for out in outputs), caches)
