"""Deep (stacked) and bidirectional RNNs, built from the sequence functions of the cells.

A **bidirectional** layer runs two RNNs over the same sequence, one forwards in time and
one backwards, each with its own parameters, and puts their states side by side::

    h→_t = tanh(W_h h→_{t-1} + W_x x_t + b_h)                 t = 1 .. T
    h←_t = tanh(W_h' h←_{t+1} + W_x' x_t + b_h')              t = T .. 1
    y_t  = [h→_t ; h←_t]                                      (2H,)

so ``y_t`` depends on the whole sequence. The backwards RNN is the forwards one run on
the reversed sequence: :func:`~rnn_course.bidirectional_forward` is two calls of ``rnn_forward`` (or
``gru_forward``) and :func:`~rnn_course.bidirectional_backward` two calls of the matching backward.

A **stack** of L layers feeds the states of each layer to the next as its inputs,
``x^(1)_t = x_t`` and ``x^(l+1)_t = y^(l)_t``; :func:`~rnn_course.stack_forward` and
:func:`~rnn_course.stack_backward` loop over the layers (one direction or two).

Conventions (those of ``torch.nn.RNN``, so the two compare directly):

- a layer's parameters are one dict with the cell's names (``W_x, W_h, b_h`` for
  ``cell="rnn"``; the nine GRU names for ``cell="gru"``) for the forwards direction and,
  in a bidirectional layer, the same names ending in ``_reverse`` for the backwards one;
  a stack's parameters are a list of such dicts, the first layer first;
- initial states ``h0`` are ``(L * directions, ..., H)``: ``h0[l * directions + d]`` for
  layer ``l`` and direction ``d`` (0 forwards, 1 backwards); ``stack_final_states`` gives
  the last states in the same layout (``torch.nn.RNN``'s ``h_n``);
- sequences are time-major: ``X`` is ``(T, D)`` or ``(T, B, D)``; outputs ``Y`` are
  ``(T, ..., directions * H)``.

:func:`~rnn_course.rnn_stack_to_torch` and :func:`~rnn_course.rnn_stack_from_torch`
(in :mod:`rnn_course.layers.pytorch`) convert a stack of vanilla RNN layers to and from
the state dict of ``torch.nn.RNN``.

Book: chapter 5, deep and bidirectional RNNs.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_rng, integer, one_of, positive_int, require_cache
from .gru import gru_backward, gru_forward, init_gru_params
from .rnn import init_rnn_params, rnn_backward, rnn_forward

#: The cells a layer can be built from, each with ``(forward, backward, parameter names)``.
CELLS = {
    "rnn": (rnn_forward, rnn_backward, ("W_x", "W_h", "b_h")),
    "gru": (gru_forward, gru_backward, ("W_z", "W_r", "W_h", "U_z", "U_r", "U_h", "b_z", "b_r", "b_h")),
}
REVERSE = "_reverse"


def _cell(cell):
    return CELLS[one_of("cell", cell, tuple(CELLS))]


def _directions(params, names, where: str) -> tuple[dict, dict | None]:
    """The forwards and (if any) backwards parameters of one layer."""
    if not isinstance(params, dict):
        raise TypeError(f"{where} must be a dict of parameters, got {type(params).__name__}")
    missing = [n for n in names if n not in params]
    if missing:
        raise KeyError(f"{where} is missing {missing}; it has {sorted(params)}")
    forwards = {n: params[n] for n in names}
    reverse = [n + REVERSE for n in names]
    if not any(r in params for r in reverse):
        return forwards, None
    missing = [r for r in reverse if r not in params]
    if missing:
        raise KeyError(f"{where} has some backwards parameters but is missing {missing}")
    return forwards, {n: params[n + REVERSE] for n in names}


def _input_size(p: dict) -> int:
    return np.shape(p["W_x"] if "W_x" in p else p["U_z"])[1]


def _hidden_size(p: dict) -> int:
    return np.shape(p["W_h"])[0]


def bidirectional_forward(X, h0, params, *, cell="rnn"):
    """A bidirectional layer: the cell run forwards and backwards in time, states side by side.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs.
    h0 : (2, H) or (2, B, H); ``h0[0]`` starts the forwards RNN (before ``x_1``),
        ``h0[1]`` the backwards one (before ``x_T``).
    params : dict with the cell's names (forwards) and the same names ending in
        ``_reverse`` (backwards).
    cell : ``"rnn"`` (default) or ``"gru"``.

    Returns
    -------
    Y : (T, 2H) or (T, B, 2H); ``Y[t] = [h→_t ; h←_t]``.
    cache : dict of what :func:`~rnn_course.bidirectional_backward` needs.
    """
    forward, _, names = _cell(cell)
    p_fwd, p_rev = _directions(params, names, "params")
    if p_rev is None:
        raise KeyError(f"params has no backwards parameters: expected {[n + REVERSE for n in names]}")
    X = as_float_array("X", X)
    h0 = as_float_array("h0", h0)
    if h0.ndim < 1 or h0.shape[0] != 2:
        raise ValueError(f"h0 has shape {h0.shape}: expected (2, ..., H), "
                         f"h0[0] for the forwards and h0[1] for the backwards direction")
    hs_fwd, cache_fwd = forward(X, h0[0], p_fwd)
    hs_rev, cache_rev = forward(X[::-1], h0[1], p_rev)  # read from x_T back to x_1
    Y = np.concatenate([hs_fwd, hs_rev[::-1]], axis=-1)
    return Y, {"cell": cell, "H": hs_fwd.shape[-1], "forwards": cache_fwd, "backwards": cache_rev}


def bidirectional_backward(dY, cache):
    """Backward pass of :func:`~rnn_course.bidirectional_forward`.

    Parameters
    ----------
    dY : like ``Y`` (T, ..., 2H); ``dY[t]`` is dLoss/dY[t].
    cache : the cache returned by :func:`~rnn_course.bidirectional_forward`.

    Returns
    -------
    dX : like ``X``; dh0 : (2, ..., H), like ``h0``;
    grads : dict with the cell's names and the same names ending in ``_reverse``.
    """
    require_cache(cache, ("cell", "H", "forwards", "backwards"), made_by="bidirectional_forward")
    _, backward, _ = _cell(cache["cell"])
    H = cache["H"]
    dY = as_float_array("dY", dY)
    if dY.shape[-1] != 2 * H:
        raise ValueError(f"dY has shape {dY.shape}: expected (T, ..., {2 * H}), like Y")
    dX_fwd, dh0_fwd, g_fwd = backward(dY[..., :H], cache["forwards"])
    dX_rev, dh0_rev, g_rev = backward(dY[..., H:][::-1], cache["backwards"])
    grads = {**g_fwd, **{name + REVERSE: g for name, g in g_rev.items()}}
    return dX_fwd + dX_rev[::-1], np.stack([dh0_fwd, dh0_rev]), grads


def _check_stack(layers, cell) -> tuple[int, int]:
    """(number of layers, directions) of a stack, each layer's input size checked."""
    _, _, names = _cell(cell)
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError("layers must be a non-empty list of parameter dicts, the first layer first")
    shapes = [_directions(p, names, f"layers[{i}]") for i, p in enumerate(layers)]
    directions = {1 if rev is None else 2 for _, rev in shapes}
    if len(directions) > 1:
        raise ValueError("layers mixes one-way and bidirectional layers: expected all of one kind")
    (n_dir,) = directions
    for i in range(1, len(layers)):
        want = n_dir * _hidden_size(shapes[i - 1][0])
        if _input_size(shapes[i][0]) != want:
            raise ValueError(f"layers[{i}] reads inputs of size {_input_size(shapes[i][0])}, "
                             f"but layers[{i - 1}] gives {want} (directions x H)")
    return len(layers), n_dir


def stack_forward(X, h0, layers, *, cell="rnn"):
    """A stack of RNN layers (one-way or bidirectional), each reading the states of the one below.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs of the first layer.
    h0 : (L * directions, H) or (L * directions, B, H); ``h0[l * directions + d]``
        starts layer ``l`` in direction ``d``, as ``torch.nn.RNN``'s ``h_0``.
    layers : list of L parameter dicts (see the module docstring); all bidirectional
        (with ``_reverse`` names) or none.
    cell : ``"rnn"`` (default) or ``"gru"``.

    Returns
    -------
    Y : (T, ..., directions * H), the states of the top layer.
    cache : dict of what :func:`~rnn_course.stack_backward` and :func:`~rnn_course.stack_final_states` need.
    """
    forward, _, _ = _cell(cell)
    L, n_dir = _check_stack(layers, cell)
    h0 = as_float_array("h0", h0)
    if h0.ndim < 1 or h0.shape[0] != L * n_dir:
        raise ValueError(f"h0 has shape {h0.shape}: expected ({L * n_dir}, ..., H), "
                         f"one initial state per layer and direction ({L} x {n_dir})")
    Y, caches = as_float_array("X", X), []
    for i, params in enumerate(layers):
        start = h0[i * n_dir:(i + 1) * n_dir]
        if n_dir == 2:
            Y, cache = bidirectional_forward(Y, start, params, cell=cell)
        else:
            Y, cache = forward(Y, start[0], params)
        caches.append(cache)
    return Y, {"cell": cell, "directions": n_dir, "layers": caches}


def stack_backward(dY, cache):
    """Backward pass of :func:`~rnn_course.stack_forward`.

    Parameters
    ----------
    dY : like ``Y``; dLoss/dY from above the top layer.
    cache : the cache returned by :func:`~rnn_course.stack_forward`.

    Returns
    -------
    dX : like ``X``; dh0 : like ``h0``; grads : a list of L gradient dicts, like ``layers``.
    """
    require_cache(cache, ("cell", "directions", "layers"), made_by="stack_forward")
    _, backward, _ = _cell(cache["cell"])
    dX = as_float_array("dY", dY)
    dh0, grads = [], []
    for layer_cache in reversed(cache["layers"]):
        if cache["directions"] == 2:
            dX, dh0_layer, g = bidirectional_backward(dX, layer_cache)
        else:
            dX, dh0_layer, g = backward(dX, layer_cache)
            dh0_layer = dh0_layer[None]
        dh0.insert(0, dh0_layer)
        grads.insert(0, g)
    return dX, np.concatenate(dh0), grads


def stack_final_states(cache) -> np.ndarray:
    """The last state of every layer and direction, ``(L * directions, ..., H)``, laid out
    like ``h0`` (``torch.nn.RNN``'s ``h_n``): the forwards state after ``x_T``, the
    backwards state after ``x_1``."""
    require_cache(cache, ("directions", "layers"), made_by="stack_forward")
    last = []
    for layer_cache in cache["layers"]:
        parts = ([layer_cache] if cache["directions"] == 1
                 else [layer_cache["forwards"], layer_cache["backwards"]])
        last += [part["hs"][-1] for part in parts]
    return np.stack(last)


def init_stack_params(input_size, hidden_size, num_layers=1, *, bidirectional=False,
                      cell="rnn", rng=None) -> list[dict[str, np.ndarray]]:
    """Parameters of a stack of ``num_layers`` layers, drawn as PyTorch does
    (``U(-1/sqrt(H), 1/sqrt(H))``), the first layer reading ``input_size`` inputs and each
    later one ``directions * hidden_size``; with ``bidirectional`` each layer also has the
    ``_reverse`` parameters."""
    _cell(cell)
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    L = integer("num_layers", num_layers, low=1)
    gen = as_rng(rng)
    init = {"rnn": init_rnn_params, "gru": init_gru_params}[cell]
    n_dir = 2 if bidirectional else 1
    layers = []
    for i in range(L):
        size = D if i == 0 else n_dir * H
        params = init(size, H, rng=gen)
        if bidirectional:
            params.update({k + REVERSE: v for k, v in init(size, H, rng=gen).items()})
        layers.append(params)
    return layers
