"""The vanilla (Elman) recurrent network, forward and backward.

    h_t = tanh(W_h h_{t-1} + W_x x_t + b_h)

Shapes (one fixed set of letters): T time steps, B batch, D input size, H hidden size.
A single example is ``(D,)``; a batch is ``(B, D)``; a sequence is ``(T, D)`` or
``(T, B, D)``, time-major. The maths counts steps from 1 (``h_0`` is the initial state,
inputs ``x_1 … x_T``); code counts from 0, so ``X[k]`` holds ``x_{k+1}`` and ``hs[k]`` holds
``h_{k+1}``. Weights are stored as in the equation (rows are outputs): ``W_x`` is ``(H, D)``, ``W_h`` is ``(H, H)``, ``b_h`` is ``(H,)``.
Code multiplies on the right by the transpose (``x @ W_x.T``) so batches need no reshaping.

The cell functions are written to read like the equations; the sequence functions are
the fast path (all input projections in one matrix product, a loop over time in place in
arrays allocated once, weight gradients one product per chunk of steps, in
:mod:`~rnn_course.layers.rnn_loops`), in float32 or float64.
:func:`~rnn_course.init_rnn_params` draws the parameters.

Book: chapter 1 (the recurrence, the sequence forward) and chapter 2 (the backward pass).
"""

from __future__ import annotations

import numpy as np

from . import rnn_loops
from .._arrays import flat as _flat
from .._arrays import uniform_params
from .._validate import (
    as_float_array,
    as_rng,
    float_dtype,
    positive_int,
    require_cache,
    require_matrix,
    require_params,
    require_sequence,
    require_shape,
    require_vector_batch,
)

PARAM_NAMES = ("W_x", "W_h", "b_h")


def param_shapes(input_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of the RNN's parameters, in the order they are drawn."""
    D, H = input_size, hidden_size
    return {"W_x": (H, D), "W_h": (H, H), "b_h": (H,)}


def init_rnn_params(input_size, hidden_size, output_size=None, *, rng=None,
                    dtype=np.float64) -> dict[str, np.ndarray]:
    """Parameters of a vanilla RNN, drawn as PyTorch does: ``U(-1/sqrt(H), 1/sqrt(H))``.

    Returns ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,), and with ``output_size`` O also
    ``W_y`` (O, H) and ``b_y`` (O,), all of ``dtype`` (``float64`` or ``float32``).
    """
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    dtype = float_dtype("dtype", dtype)
    gen = as_rng(rng)
    params = uniform_params(gen, param_shapes(D, H), H, dtype)
    if output_size is not None:
        O = positive_int("output_size", output_size)
        params["W_y"] = uniform_params(gen, {"W_y": (O, H)}, H, dtype)["W_y"]
        params["b_y"] = np.zeros(O, dtype=dtype)
    return params


def _rnn_params(params, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = require_params(params, PARAM_NAMES, where=where)
    W_x, W_h, b_h = p["W_x"], p["W_h"], p["b_h"]
    require_matrix('params["W_x"]', W_x)
    H = W_x.shape[0]
    require_shape('params["W_h"]', W_h, (H, H))
    require_shape('params["b_h"]', b_h, (H,))
    return W_x, W_h, b_h


def rnn_cell_forward(x_t, h_prev, params):
    """One step of the recurrence.

    Parameters
    ----------
    x_t : (D,) or (B, D) input at step t.
    h_prev : (H,) or (B, H) hidden state h_{t-1}; same batch shape as ``x_t``.
    params : dict with ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,). Other keys are ignored.

    Returns
    -------
    h_t : (H,) or (B, H) the new hidden state.
    cache : dict of what :func:`rnn_cell_backward` needs: ``x_t``, ``h_prev``, ``h_t``, ``W_x``,
        ``W_h`` (the cell cache of the exercises; :func:`~rnn_course.unroll` keeps one per step).
    """
    W_x, W_h, b_h = _rnn_params(params, "rnn_cell_forward")
    H, D = W_x.shape
    x_t = as_float_array("x_t", x_t)
    h_prev = as_float_array("h_prev", h_prev)
    require_vector_batch("x_t", x_t, D, against=f"W_x is {W_x.shape}")
    require_vector_batch("h_prev", h_prev, H, against=f"W_h is {W_h.shape}", batch=x_t.shape[:-1])

    h_t = np.tanh(h_prev @ W_h.T + x_t @ W_x.T + b_h)
    cache = {"x_t": x_t, "h_prev": h_prev, "h_t": h_t, "W_x": W_x, "W_h": W_h}
    return h_t, cache


def rnn_cell_backward(dh_t, cache):
    """Backward pass of one step.

    Parameters
    ----------
    dh_t : (H,) or (B, H) gradient of the loss with respect to ``h_t``.
    cache : the cache returned by :func:`rnn_cell_forward`.

    Returns
    -------
    dx_t : like ``x_t``; dh_prev : like ``h_prev``;
    grads : dict with ``W_x``, ``W_h``, ``b_h`` (gradients, shaped like the parameters).
    """
    require_cache(cache, ("x_t", "h_prev", "h_t", "W_x", "W_h"), made_by="rnn_cell_forward")
    x_t, h_prev, h_t = cache["x_t"], cache["h_prev"], cache["h_t"]
    W_x, W_h = cache["W_x"], cache["W_h"]
    dh_t = as_float_array("dh_t", dh_t)
    require_shape("dh_t", dh_t, h_t.shape, like="h_t")

    da = dh_t * (1.0 - h_t**2)  # through tanh: d tanh(a) / da = 1 - tanh(a)^2
    dx_t = da @ W_x
    dh_prev = da @ W_h
    grads = {
        "W_x": _flat(da).T @ _flat(x_t),
        "W_h": _flat(da).T @ _flat(h_prev),
        "b_h": _flat(da).sum(axis=0),
    }
    return dx_t, dh_prev, grads


def rnn_forward(X, h0, params):
    """Run the recurrence over a whole sequence (the fast path, for training).

    The readable reference, one cell call per step with the exercises' list of cell caches,
    is :func:`~rnn_course.rnn_forward_by_steps`: the same numbers.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs, time-major: ``X[k]`` holds x_{k+1}.
    h0 : (H,) or (B, H) initial hidden state.
    params : dict with ``W_x``, ``W_h``, ``b_h``.

    Returns
    -------
    hs : (T, H) or (T, B, H); ``hs[k]`` is the state after reading ``X[k]``.
    cache : what :func:`rnn_backward` needs, in the fast path's own layout: pass it to
        :func:`rnn_backward` only. (For one cell cache per step, use :func:`~rnn_course.unroll`.)
    """
    W_x, W_h, b_h = _rnn_params(params, "rnn_forward")
    H, D = W_x.shape
    X = as_float_array("X", X)
    h0 = as_float_array("h0", h0)
    require_sequence("X", X, D, against=f"W_x is {W_x.shape}")
    require_vector_batch("h0", h0, H, against=f"W_h is {W_h.shape}", batch=X.shape[1:-1])

    dtype = np.result_type(X, h0, W_x, W_h, b_h)  # float32 stays float32; a float64 anywhere wins
    hs = rnn_loops.forward_steps(X, h0, W_x, W_h, b_h, dtype)
    cache = {"X": X, "h0": h0, "hs": hs, "W_x": W_x, "W_h": W_h}
    return hs, cache


def rnn_backward(dhs, cache):
    """Backpropagation through time over the whole sequence (the fast path, for training).

    The readable reference, over the list of cell caches, is
    :func:`~rnn_course.rnn_backward_by_steps`.

    Parameters
    ----------
    dhs : (T, H) or (T, B, H); ``dhs[k]`` is dLoss/dhs[k] from the layers above
        (only the direct contribution; the path through later steps is added here).
    cache : the cache returned by :func:`rnn_forward`.

    Returns
    -------
    dX : like ``X``; dh0 : like ``h0``;
    grads : dict with ``W_x``, ``W_h``, ``b_h``, each summed over all time steps.
    """
    require_cache(cache, ("X", "h0", "hs", "W_x", "W_h"), made_by="rnn_forward")
    X, h0, hs, W_x, W_h = (cache[k] for k in ("X", "h0", "hs", "W_x", "W_h"))
    dhs = as_float_array("dhs", dhs)
    require_shape("dhs", dhs, hs.shape, like="hs")

    dtype = np.result_type(hs, dhs, W_x, W_h)
    return rnn_loops.backward_steps(dhs, X, h0, hs, W_x, W_h, dtype)
