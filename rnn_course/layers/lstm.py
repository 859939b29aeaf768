"""The long short-term memory (LSTM) network, forward and backward.

    f_t = σ(W_f h_{t-1} + U_f x_t + b_f)        forget gate
    i_t = σ(W_i h_{t-1} + U_i x_t + b_i)        input gate
    C̃_t = tanh(W_c h_{t-1} + U_c x_t + b_c)     candidate memory
    o_t = σ(W_o h_{t-1} + U_o x_t + b_o)        output gate
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t             cell state (long-term memory)
    h_t = o_t ⊙ tanh(C_t)                       hidden state (short-term memory)

Shapes (one fixed set of letters): T time steps, B batch, D input size, H hidden size.
A single example is ``(D,)``; a batch is ``(B, D)``; a sequence is ``(T, D)`` or
``(T, B, D)``, time-major. The maths counts steps from 1 (``h_0`` is the initial state,
inputs ``x_1 … x_T``); code counts from 0, so ``X[k]`` holds ``x_{k+1}`` and ``hs[k]`` holds
``h_{k+1}``. Weights are stored as in the equations (rows are outputs): every ``W_*``
(on ``h_{t-1}``) is ``(H, H)``, every ``U_*`` (on ``x_t``) is ``(H, D)``, every ``b_*`` is
``(H,)``, for the gates ``f``, ``i``, ``c``, ``o``.

The cell functions are written to read like the equations; the sequence functions are
the fast path: the four gates' weights and biases are stacked into one
``4H × (H + D + 1)`` matrix ``[W U b]``, so each step does one matrix product (recurrent,
input and bias together) and one ``tanh`` for all gates, one example per column, in place
in arrays allocated once, and the backward pass does the weight-gradient products once per
chunk of steps (the loops are in :mod:`rnn_course.layers.lstm_loops`; the Performance page
shows them).
Every sequence function keeps float32 inputs and parameters in float32.

:func:`~rnn_course.init_lstm_params` draws the parameters; :mod:`rnn_course.layers.pytorch` converts
them to and from the stacked layout of ``torch.nn.LSTM``.

Book: chapter 4 (the gates, the cell and hidden states, the backward pass).
"""

from __future__ import annotations

import numpy as np

from .._arrays import flat as _flat
from .._arrays import uniform_params
from .._validate import (
    as_float_array,
    as_rng,
    float_dtype,
    positive_int,
    real,
    require_cache,
    require_matrix,
    require_params,
    require_sequence,
    require_shape,
    require_vector_batch,
)
from .activations import sigmoid
from .lstm_loops import backward_steps, columns, forward_steps, rows, state_columns

GATES = ("f", "i", "c", "o")
PARAM_NAMES = tuple(f"{kind}_{g}" for kind in ("W", "U", "b") for g in GATES)

#: Order of the gates in the stacked matrices of the fast path: the three sigmoid gates
#: first, so one ``sigmoid`` call covers them, then the candidate memory.
_STACK = ("f", "i", "o", "c")


def param_shapes(input_size: int, hidden_size: int) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of the LSTM's parameters, in the order they are drawn (gate by gate)."""
    D, H = input_size, hidden_size
    shapes = {}
    for g in GATES:
        shapes.update({f"W_{g}": (H, H), f"U_{g}": (H, D), f"b_{g}": (H,)})
    return shapes


def init_lstm_params(input_size, hidden_size, *, rng=None, forget_bias=0.0,
                     dtype=np.float64) -> dict[str, np.ndarray]:
    """Parameters of an LSTM, drawn as PyTorch does: ``U(-1/sqrt(H), 1/sqrt(H))``.

    Returns ``W_f, W_i, W_c, W_o`` (H, H), ``U_f, U_i, U_c, U_o`` (H, D) and
    ``b_f, b_i, b_c, b_o`` (H,).

    ``forget_bias`` is added to the drawn ``b_f``. The default 0.0 keeps PyTorch's
    initialisation; 1.0 (Gers et al. 2000, Jozefowicz et al. 2015) starts the forget gate
    near σ(1) ≈ 0.73, so the cell state, and its gradient, survive many steps early in
    training. The random draws are the same whatever ``forget_bias`` is. Every array is
    of ``dtype`` (``float64`` or ``float32``).
    """
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    forget_bias = real("forget_bias", forget_bias)
    dtype = float_dtype("dtype", dtype)
    params = uniform_params(as_rng(rng), param_shapes(D, H), H)
    params["b_f"] = params["b_f"] + forget_bias
    params = {k: v.astype(dtype, copy=False) for k, v in params.items()}
    return {k: params[k] for k in PARAM_NAMES}


def _lstm_params(params, where: str) -> dict[str, np.ndarray]:
    p = require_params(params, PARAM_NAMES, where=where)
    require_matrix('params["U_f"]', p["U_f"])
    H, D = p["U_f"].shape
    for g in GATES:
        require_shape(f'params["W_{g}"]', p[f"W_{g}"], (H, H))
        require_shape(f'params["U_{g}"]', p[f"U_{g}"], (H, D))
        require_shape(f'params["b_{g}"]', p[f"b_{g}"], (H,))
    return p


def lstm_cell_forward(x_t, h_prev, c_prev, params):
    """One step of the LSTM.

    Parameters
    ----------
    x_t : (D,) or (B, D) input at step t.
    h_prev : (H,) or (B, H) hidden state h_{t-1}; same batch shape as ``x_t``.
    c_prev : (H,) or (B, H) cell state C_{t-1}; same batch shape as ``x_t``.
    params : dict with ``W_f, W_i, W_c, W_o`` (H, H), ``U_f, U_i, U_c, U_o`` (H, D) and
        ``b_f, b_i, b_c, b_o`` (H,). Other keys are ignored.

    Returns
    -------
    h_t : (H,) or (B, H) the new hidden state.
    c_t : (H,) or (B, H) the new cell state.
    cache : dict of what :func:`lstm_cell_backward` needs: ``x_t``, ``h_prev``, ``c_prev``, the
        activated gates ``f_t``, ``i_t``, ``c_tilde``, ``o_t``, the outputs ``c_t``, ``h_t``, and
        ``params`` (the cell cache of the exercises; :func:`~rnn_course.unroll` keeps one per step).
    """
    p = _lstm_params(params, "lstm_cell_forward")
    W_f, W_i, W_c, W_o = p["W_f"], p["W_i"], p["W_c"], p["W_o"]
    U_f, U_i, U_c, U_o = p["U_f"], p["U_i"], p["U_c"], p["U_o"]
    b_f, b_i, b_c, b_o = p["b_f"], p["b_i"], p["b_c"], p["b_o"]
    H, D = U_f.shape
    x_t = as_float_array("x_t", x_t)
    h_prev = as_float_array("h_prev", h_prev)
    c_prev = as_float_array("c_prev", c_prev)
    require_vector_batch("x_t", x_t, D, against=f"U_f is {U_f.shape}")
    require_vector_batch("h_prev", h_prev, H, against=f"W_f is {W_f.shape}", batch=x_t.shape[:-1])
    require_vector_batch("c_prev", c_prev, H, against=f"W_f is {W_f.shape}", batch=x_t.shape[:-1])

    f_t = sigmoid(h_prev @ W_f.T + x_t @ U_f.T + b_f)  # forget gate
    i_t = sigmoid(h_prev @ W_i.T + x_t @ U_i.T + b_i)  # input gate
    c_tilde = np.tanh(h_prev @ W_c.T + x_t @ U_c.T + b_c)  # candidate memory C̃_t
    o_t = sigmoid(h_prev @ W_o.T + x_t @ U_o.T + b_o)  # output gate
    c_t = f_t * c_prev + i_t * c_tilde  # cell state: keep some old memory, add some new
    h_t = o_t * np.tanh(c_t)  # hidden state: the part of the memory the gate lets out

    cache = {
        "x_t": x_t, "h_prev": h_prev, "c_prev": c_prev,
        "f_t": f_t, "i_t": i_t, "c_tilde": c_tilde, "o_t": o_t, "c_t": c_t, "h_t": h_t,
        "params": p,
    }
    return h_t, c_t, cache


def lstm_cell_backward(dh_t, dc_t, cache):
    """Backward pass of one step.

    Parameters
    ----------
    dh_t : (H,) or (B, H) gradient of the loss with respect to ``h_t``.
    dc_t : (H,) or (B, H) gradient of the loss with respect to ``c_t`` (in a sequence,
        the gradient flowing back from step t+1; pass zeros at the last step).
    cache : the cache returned by :func:`lstm_cell_forward`.

    Returns
    -------
    dx_t : like ``x_t``; dh_prev : like ``h_prev``; dc_prev : like ``c_prev``;
    grads : dict with the twelve keys ``W_*``, ``U_*``, ``b_*`` (shaped like the parameters).
    """
    require_cache(
        cache,
        ("x_t", "h_prev", "c_prev", "f_t", "i_t", "c_tilde", "o_t", "c_t", "h_t", "params"),
        made_by="lstm_cell_forward",
    )
    x_t, h_prev, c_prev = cache["x_t"], cache["h_prev"], cache["c_prev"]
    f_t, i_t, c_tilde, o_t, c_t = (cache[k] for k in ("f_t", "i_t", "c_tilde", "o_t", "c_t"))
    p = cache["params"]
    dh_t = as_float_array("dh_t", dh_t)
    dc_t = as_float_array("dc_t", dc_t)
    require_shape("dh_t", dh_t, cache["h_t"].shape, like="h_t")
    require_shape("dc_t", dc_t, c_t.shape, like="c_t")

    # h_t = o_t ⊙ tanh(C_t)
    tanh_c = np.tanh(c_t)
    do = dh_t * tanh_c
    dc = dc_t + dh_t * o_t * (1.0 - tanh_c**2)  # C_t reaches the loss directly and through h_t
    # C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t
    df = dc * c_prev
    di = dc * c_tilde
    dc_tilde = dc * i_t
    dc_prev = dc * f_t  # the additive path: only the forget gate scales it
    # through the nonlinearities to the pre-activations a_*: σ' = σ(1 − σ), tanh' = 1 − tanh²
    da = {
        "f": df * f_t * (1.0 - f_t),
        "i": di * i_t * (1.0 - i_t),
        "c": dc_tilde * (1.0 - c_tilde**2),
        "o": do * o_t * (1.0 - o_t),
    }
    # a_* = W_* h_{t-1} + U_* x_t + b_*: every gate sends gradient back to h_{t-1} and x_t
    dh_prev = sum(da[g] @ p[f"W_{g}"] for g in GATES)
    dx_t = sum(da[g] @ p[f"U_{g}"] for g in GATES)
    grads = {}
    for g in GATES:
        grads[f"W_{g}"] = _flat(da[g]).T @ _flat(h_prev)
        grads[f"U_{g}"] = _flat(da[g]).T @ _flat(x_t)
        grads[f"b_{g}"] = _flat(da[g]).sum(axis=0)
    return dx_t, dh_prev, dc_prev, {k: grads[k] for k in PARAM_NAMES}


def lstm_forward(X, h0, c0, params):
    """Run the LSTM over a whole sequence (the fast path, for training).

    The readable reference, one cell call per step with the exercises' list of cell caches,
    is :func:`~rnn_course.lstm_forward_by_steps`: the same numbers.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs, time-major: ``X[k]`` holds x_{k+1}.
    h0 : (H,) or (B, H) initial hidden state.
    c0 : (H,) or (B, H) initial cell state.
    params : dict with the twelve LSTM parameters (see :func:`lstm_cell_forward`).

    Returns
    -------
    hs : (T, H) or (T, B, H); ``hs[k]`` is the hidden state after reading ``X[k]``.
    cs : (T, H) or (T, B, H); ``cs[k]`` is the cell state after reading ``X[k]``.
    cache : what :func:`lstm_backward` needs, in the fast path's own layout (stacked gates, one
        example per column): pass it to :func:`lstm_backward` only. (For one cell cache per
        step, use :func:`~rnn_course.unroll`.) ``hs`` and ``cs`` are views of arrays it holds.
    """
    p = _lstm_params(params, "lstm_forward")
    H, D = p["U_f"].shape
    X = as_float_array("X", X)
    h0 = as_float_array("h0", h0)
    c0 = as_float_array("c0", c0)
    require_sequence("X", X, D, against=f"U_f is {p['U_f'].shape}")
    require_vector_batch("h0", h0, H, against=f"W_f is {p['W_f'].shape}", batch=X.shape[1:-1])
    require_vector_batch("c0", c0, H, against=f"W_f is {p['W_f'].shape}", batch=X.shape[1:-1])

    # Stack the gates once: rows [f; i; o; c] of (4H, H), (4H, D) and (4H,).
    W = np.concatenate([p[f"W_{g}"] for g in _STACK])
    U = np.concatenate([p[f"U_{g}"] for g in _STACK])
    b = np.concatenate([p[f"b_{g}"] for g in _STACK])
    dtype = np.result_type(X, h0, c0, W, U, b)  # float32 stays float32; a float64 anywhere wins
    batch = X.shape[1:-1]
    Z, CS, G = forward_steps(columns(X), state_columns(h0), state_columns(c0), W, U, b, dtype)
    hs, cs, gates = (rows(A, batch) for A in (Z[1:, :H], CS, G))
    cache = {"X": X, "h0": h0, "c0": c0, "hs": hs, "cs": cs, "gates": gates, "W": W, "U": U,
             "Z": Z, "CS": CS, "G": G}
    return hs, cs, cache


def lstm_backward(dhs, cache):
    """Backpropagation through time over the whole sequence (the fast path, for training).

    The readable reference, over the list of cell caches, is
    :func:`~rnn_course.lstm_backward_by_steps`.

    Parameters
    ----------
    dhs : (T, H) or (T, B, H); ``dhs[k]`` is dLoss/dhs[k] from the layers above
        (only the direct contribution; the path through later steps is added here).
        The cell states ``cs`` are taken to reach the loss only through later steps
        (through the hidden states), so there is no ``dcs`` argument; to backpropagate
        a loss that reads ``cs`` directly, chain :func:`lstm_cell_backward` by hand.
    cache : the cache returned by :func:`lstm_forward`.

    Returns
    -------
    dX : like ``X``; dh0 : like ``h0``; dc0 : like ``c0``;
    grads : dict with the twelve LSTM parameters' gradients, each summed over all time steps.
    """
    require_cache(cache, ("X", "h0", "c0", "hs", "Z", "CS", "G", "W", "U"), made_by="lstm_forward")
    X, h0, c0, hs, W, U = (cache[k] for k in ("X", "h0", "c0", "hs", "W", "U"))
    dhs = as_float_array("dhs", dhs)
    require_shape("dhs", dhs, hs.shape, like="hs")

    dtype = np.result_type(hs, dhs, W, U)
    dM, dX, dh0, dc0 = backward_steps(columns(dhs), cache["Z"], cache["CS"], cache["G"],
                                      state_columns(c0), W, U, dtype)
    H, D = W.shape[1], U.shape[1]
    grads = {}
    for k, g in enumerate(_STACK):  # dM's rows are the gates f, i, o, C̃; its columns [h, x, 1]
        block = slice(k * H, (k + 1) * H)
        grads[f"W_{g}"] = np.ascontiguousarray(dM[block, :H])
        grads[f"U_{g}"] = np.ascontiguousarray(dM[block, H : H + D])
        grads[f"b_{g}"] = dM[block, H + D].copy()
    dh0, dc0 = (np.ascontiguousarray(d.T).reshape(like.shape) for d, like in ((dh0, h0), (dc0, c0)))
    return dX.reshape(X.shape), dh0, dc0, {k: grads[k] for k in PARAM_NAMES}
