"""Deep (stacked) and bidirectional RNNs, built from the sequence functions of the cells.

A **bidirectional** layer runs two RNNs over the same sequence, one forwards in time and
one backwards, each with its own parameters, and puts their states side by side::

    h→_t = tanh(W_h h→_{t-1} + W_x x_t + b_h)                 t = 1 .. T
    h←_t = tanh(W_h' h←_{t+1} + W_x' x_t + b_h')              t = T .. 1
    y_t  = [h→_t ; h←_t]                                      (2H,)

so ``y_t`` depends on the whole sequence. The backwards RNN is the forwards one run on
the reversed sequence: :func:`~rnn_course.bidirectional_forward` is two calls of ``rnn_forward`` (or
``gru_forward``, or ``lstm_forward``) and :func:`~rnn_course.bidirectional_backward` two calls of
the matching backward.

A **stack** of L layers feeds the states of each layer to the next as its inputs,
``x^(1)_t = x_t`` and ``x^(l+1)_t = y^(l)_t``; :func:`~rnn_course.stack_forward` and
:func:`~rnn_course.stack_backward` loop over the layers (one direction or two).

Conventions (those of ``torch.nn.RNN``, so the two compare directly):

- a layer's parameters are one dict with the cell's names (``W_x, W_h, b_h`` for
  ``cell="rnn"``; the nine GRU names for ``cell="gru"``; the twelve LSTM names for
  ``cell="lstm"``) for the forwards direction and, in a bidirectional layer, the same names
  ending in ``_reverse`` for the backwards one; a stack's parameters are a list of such
  dicts, the first layer first;
- initial states ``h0`` are ``(L * directions, ..., H)``: ``h0[l * directions + d]`` for
  layer ``l`` and direction ``d`` (0 forwards, 1 backwards); ``stack_final_states`` gives
  the last states in the same layout (``torch.nn.RNN``'s ``h_n``);
- an LSTM has two states, so with ``cell="lstm"`` the initial state is the pair
  ``(h0, c0)`` of such arrays (what ``torch.nn.LSTM`` takes), and its gradient and the
  final states are pairs too: ``(dh0, dc0)`` and ``(h_n, c_n)``;
- sequences are time-major: ``X`` is ``(T, D)`` or ``(T, B, D)``; outputs ``Y`` are
  ``(T, ..., directions * H)``.

:func:`~rnn_course.rnn_stack_to_torch` and :func:`~rnn_course.rnn_stack_from_torch`
(in :mod:`rnn_course.layers.pytorch`) convert a stack of vanilla RNN layers to and from
the state dict of ``torch.nn.RNN``, and :func:`~rnn_course.lstm_stack_to_torch` and
:func:`~rnn_course.lstm_stack_from_torch` a stack of LSTM layers to and from ``torch.nn.LSTM``.

Book: chapter 5, deep and bidirectional RNNs.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_rng, integer, one_of, positive_int, require_cache
from .gru import gru_backward, gru_forward, init_gru_params
from .lstm import PARAM_NAMES as LSTM_PARAM_NAMES
from .lstm import init_lstm_params, lstm_backward, lstm_forward
from .rnn import init_rnn_params, rnn_backward, rnn_forward

#: The cells a layer can be built from, each with ``(forward, backward, parameter names)``:
#: the cell's sequence functions (``lstm_forward`` also takes and returns the cell state).
CELLS = {
    "rnn": (rnn_forward, rnn_backward, ("W_x", "W_h", "b_h")),
    "gru": (gru_forward, gru_backward, ("W_z", "W_r", "W_h", "U_z", "U_r", "U_h", "b_z", "b_r", "b_h")),
    "lstm": (lstm_forward, lstm_backward, LSTM_PARAM_NAMES),
}
REVERSE = "_reverse"
#: The weight on the input and a weight on the previous state, which give D and H.
_SIZES = {"rnn": ("W_x", "W_h"), "gru": ("U_z", "W_z"), "lstm": ("U_f", "W_f")}
_INIT = {"rnn": init_rnn_params, "gru": init_gru_params, "lstm": init_lstm_params}


def _cell(cell):
    return CELLS[one_of("cell", cell, tuple(CELLS))]


def _states(cell: str) -> int:
    """How many state arrays the cell carries: 2 for the LSTM (h and C), else 1."""
    return 2 if cell == "lstm" else 1


def _run(cell, X, state, params):
    """One direction over ``X`` from ``state`` (a tuple of one or two arrays): (hs, cache)."""
    forward = CELLS[cell][0]
    if cell == "lstm":
        hs, _, cache = forward(X, state[0], state[1], params)
        return hs, cache
    return forward(X, state[0], params)


def _run_backward(cell, dhs, cache):
    """Backward pass of :func:`_run`: (dX, the state's gradients as a tuple, grads)."""
    backward = CELLS[cell][1]
    if cell == "lstm":
        dX, dh0, dc0, grads = backward(dhs, cache)
        return dX, (dh0, dc0), grads
    dX, dh0, grads = backward(dhs, cache)
    return dX, (dh0,), grads


def _last(cell, cache) -> tuple:
    """The state after the last step of one direction, as a tuple like the initial state."""
    return (cache["hs"][-1], cache["cs"][-1]) if cell == "lstm" else (cache["hs"][-1],)


def _initial(h0, cell: str, count: int, what: str) -> tuple:
    """The initial state(s) as a tuple of arrays, each ``(count, ..., H)``."""
    if cell == "lstm":
        if not isinstance(h0, (tuple, list)) or len(h0) != 2:
            raise TypeError(f"h0 must be the pair (h0, c0) for cell='lstm', as torch.nn.LSTM "
                            f"takes it, each ({count}, ..., H); got {type(h0).__name__}")
        states = (as_float_array("h0", h0[0]), as_float_array("c0", h0[1]))
        if states[0].shape != states[1].shape:
            raise ValueError(f"h0 has shape {states[0].shape} and c0 {states[1].shape}: "
                             f"expected the same shape")
    else:
        states = (as_float_array("h0", h0),)
    for name, s in zip(("h0", "c0"), states):
        if s.ndim < 1 or s.shape[0] != count:
            raise ValueError(f"{name} has shape {s.shape}: expected ({count}, ..., H), {what}")
    return states


def _public(states: tuple, cell: str):
    """A tuple of state arrays as the caller gave them: the pair for the LSTM, else the array."""
    return tuple(states) if cell == "lstm" else states[0]


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


def _input_size(p: dict, cell: str) -> int:
    return np.shape(p[_SIZES[cell][0]])[1]


def _hidden_size(p: dict, cell: str) -> int:
    return np.shape(p[_SIZES[cell][1]])[0]


def bidirectional_forward(X, h0, params, *, cell="rnn"):
    """A bidirectional layer: the cell run forwards and backwards in time, states side by side.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs.
    h0 : (2, H) or (2, B, H); ``h0[0]`` starts the forwards RNN (before ``x_1``),
        ``h0[1]`` the backwards one (before ``x_T``). For ``cell="lstm"``, the pair
        ``(h0, c0)`` of such arrays.
    params : dict with the cell's names (forwards) and the same names ending in
        ``_reverse`` (backwards).
    cell : ``"rnn"`` (default), ``"gru"`` or ``"lstm"``.

    Returns
    -------
    Y : (T, 2H) or (T, B, 2H); ``Y[t] = [h→_t ; h←_t]``.
    cache : dict of what :func:`~rnn_course.bidirectional_backward` needs.
    """
    _, _, names = _cell(cell)
    p_fwd, p_rev = _directions(params, names, "params")
    if p_rev is None:
        raise KeyError(f"params has no backwards parameters: expected {[n + REVERSE for n in names]}")
    X = as_float_array("X", X)
    start = _initial(h0, cell, 2, "[0] for the forwards and [1] for the backwards direction")
    hs_fwd, cache_fwd = _run(cell, X, tuple(s[0] for s in start), p_fwd)
    hs_rev, cache_rev = _run(cell, X[::-1], tuple(s[1] for s in start), p_rev)  # x_T back to x_1
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
    dX : like ``X``; dh0 : (2, ..., H), like ``h0`` (for ``cell="lstm"``, the pair
    ``(dh0, dc0)``); grads : dict with the cell's names and the same names ending in
    ``_reverse``.
    """
    require_cache(cache, ("cell", "H", "forwards", "backwards"), made_by="bidirectional_forward")
    cell = cache["cell"]
    _cell(cell)
    H = cache["H"]
    dY = as_float_array("dY", dY)
    if dY.shape[-1] != 2 * H:
        raise ValueError(f"dY has shape {dY.shape}: expected (T, ..., {2 * H}), like Y")
    dX_fwd, d_fwd, g_fwd = _run_backward(cell, dY[..., :H], cache["forwards"])
    dX_rev, d_rev, g_rev = _run_backward(cell, dY[..., H:][::-1], cache["backwards"])
    grads = {**g_fwd, **{name + REVERSE: g for name, g in g_rev.items()}}
    dstart = tuple(np.stack([a, b]) for a, b in zip(d_fwd, d_rev))
    return dX_fwd + dX_rev[::-1], _public(dstart, cell), grads


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
        want = n_dir * _hidden_size(shapes[i - 1][0], cell)
        if _input_size(shapes[i][0], cell) != want:
            raise ValueError(f"layers[{i}] reads inputs of size {_input_size(shapes[i][0], cell)}, "
                             f"but layers[{i - 1}] gives {want} (directions x H)")
    return len(layers), n_dir


def stack_forward(X, h0, layers, *, cell="rnn"):
    """A stack of RNN layers (one-way or bidirectional), each reading the states of the one below.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs of the first layer.
    h0 : (L * directions, H) or (L * directions, B, H); ``h0[l * directions + d]``
        starts layer ``l`` in direction ``d``, as ``torch.nn.RNN``'s ``h_0``.
        For ``cell="lstm"``, the pair ``(h0, c0)`` of such arrays, as ``torch.nn.LSTM``
        takes it.
    layers : list of L parameter dicts (see the module docstring); all bidirectional
        (with ``_reverse`` names) or none.
    cell : ``"rnn"`` (default), ``"gru"`` or ``"lstm"``.

    Returns
    -------
    Y : (T, ..., directions * H), the states of the top layer.
    cache : dict of what :func:`~rnn_course.stack_backward` and :func:`~rnn_course.stack_final_states` need.
    """
    _cell(cell)
    L, n_dir = _check_stack(layers, cell)
    states = _initial(h0, cell, L * n_dir,
                      f"one initial state per layer and direction ({L} x {n_dir})")
    Y, caches = as_float_array("X", X), []
    for i, params in enumerate(layers):
        start = tuple(s[i * n_dir:(i + 1) * n_dir] for s in states)
        if n_dir == 2:
            Y, cache = bidirectional_forward(Y, _public(start, cell), params, cell=cell)
        else:
            Y, cache = _run(cell, Y, tuple(s[0] for s in start), params)
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
    dX : like ``X``; dh0 : like ``h0`` (for ``cell="lstm"``, the pair ``(dh0, dc0)``);
    grads : a list of L gradient dicts, like ``layers``.
    """
    require_cache(cache, ("cell", "directions", "layers"), made_by="stack_forward")
    cell = cache["cell"]
    _cell(cell)
    dX = as_float_array("dY", dY)
    dstart, grads = [], []
    for layer_cache in reversed(cache["layers"]):
        if cache["directions"] == 2:
            dX, d_layer, g = bidirectional_backward(dX, layer_cache)
            d_layer = d_layer if cell == "lstm" else (d_layer,)
        else:
            dX, d_layer, g = _run_backward(cell, dX, layer_cache)
            d_layer = tuple(d[None] for d in d_layer)
        dstart.insert(0, d_layer)
        grads.insert(0, g)
    return dX, _public(tuple(np.concatenate(d) for d in zip(*dstart)), cell), grads


def stack_final_states(cache):
    """The last state of every layer and direction, ``(L * directions, ..., H)``, laid out
    like ``h0`` (``torch.nn.RNN``'s ``h_n``): the forwards state after ``x_T``, the
    backwards state after ``x_1``. For ``cell="lstm"``, the pair ``(h_n, c_n)``, as
    ``torch.nn.LSTM`` returns it."""
    require_cache(cache, ("cell", "directions", "layers"), made_by="stack_forward")
    cell = cache["cell"]
    last = []
    for layer_cache in cache["layers"]:
        parts = ([layer_cache] if cache["directions"] == 1
                 else [layer_cache["forwards"], layer_cache["backwards"]])
        last += [_last(cell, part) for part in parts]
    return _public(tuple(np.stack(s) for s in zip(*last)), cell)


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
    init = _INIT[cell]
    n_dir = 2 if bidirectional else 1
    layers = []
    for i in range(L):
        size = D if i == 0 else n_dir * H
        params = init(size, H, rng=gen)
        if bidirectional:
            params.update({k + REVERSE: v for k, v in init(size, H, rng=gen).items()})
        layers.append(params)
    return layers
