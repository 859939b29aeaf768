"""Our LSTM and GRU parameters in PyTorch's layout, and back (NumPy only: torch is not needed).

``torch.nn.LSTM`` and ``torch.nn.GRU`` stack their gates into one matrix per input,
``weight_ih`` (on ``x_t``: our ``U_*``) and ``weight_hh`` (on ``h_{t-1}``: our ``W_*``),
and keep two bias vectors, ``bias_ih`` and ``bias_hh``. Both converters have one shape::

    state = lstm_params_to_torch(params)        # {"weight_ih_l0": ..., "bias_hh_l0": ...}
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    params = lstm_params_from_torch(lstm)       # the module, its state_dict(), or any mapping

- ``*_params_to_torch(params, *, layer=0, gradients=False)`` returns a dict keyed like the
  module's state dict (``weight_ih_l<layer>``, ``weight_hh_l<layer>``, ``bias_ih_l<layer>``,
  ``bias_hh_l<layer>``) holding new NumPy arrays.
- ``*_params_from_torch(state, *, layer=0, gradients=False)`` takes the module, its state
  dict, or any mapping with those keys (tensors or arrays; the biases may be absent, as
  with ``bias=False``) and returns our parameter dict.
- ``gradients=True`` converts gradients instead of parameters. PyTorch adds its two
  biases, so each of them gets the gradient of our single bias: ``to_torch`` puts it in
  both (what ``bias_hh_l0.grad`` holds), and ``from_torch`` takes it from ``bias_ih``
  rather than summing the two. Give ``from_torch`` the gradients as a mapping, e.g.
  ``{n: p.grad for n, p in gru.named_parameters()}``.

Gate order in PyTorch: LSTM ``i, f, g, o`` (its ``g`` is our candidate ``C̃``, gate ``c``);
GRU ``r, z, n``. The LSTM's two biases are summed into our ``b_*``. The GRU's are summed
for ``z`` and ``r``; for the candidate, ``bias_hh``'s part is ``b_hn``, which only the
``variant="pytorch"`` GRU has (it sits inside the reset gate, so it is not a sum).

A stack of vanilla RNN layers (:func:`~rnn_course.stack_forward`, one-way or
bidirectional) goes to and from ``torch.nn.RNN(num_layers=L, bidirectional=...)`` with
:func:`~rnn_course.rnn_stack_to_torch` and :func:`~rnn_course.rnn_stack_from_torch` (``W_x`` is ``weight_ih``,
``W_h`` is ``weight_hh``; the backwards direction's arrays end in ``_reverse``), and a stack
of LSTM layers (``cell="lstm"``) to and from ``torch.nn.LSTM(num_layers=L, bidirectional=...)``
with :func:`~rnn_course.lstm_stack_to_torch` and :func:`~rnn_course.lstm_stack_from_torch`.

Book: chapter 4, the LSTM against PyTorch; chapter 5, PyTorch's GRU conventions, and deep
and bidirectional RNNs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._validate import as_float_array, integer, require_matrix, require_shape
from .gru import PARAM_NAMES as GRU_PARAM_NAMES
from .gru import _gru_params
from .lstm import PARAM_NAMES as LSTM_PARAM_NAMES
from .lstm import _lstm_params
from .rnn import _rnn_params

#: Our gate names in the order of PyTorch's stacked rows (LSTM: i, f, g, o; GRU: r, z, n).
LSTM_TORCH_ORDER = ("i", "f", "c", "o")
GRU_TORCH_ORDER = ("r", "z", "h")

_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _suffix(layer, reverse: bool = False) -> str:
    return f"_l{integer('layer', layer, low=0)}" + ("_reverse" if reverse else "")


def _stack(p: Mapping[str, np.ndarray], kind: str, order: tuple[str, ...]) -> np.ndarray:
    return np.concatenate([p[f"{kind}_{g}"] for g in order])


def _to_numpy(name: str, value) -> np.ndarray:
    """A float array from a NumPy array or a (detached, CPU) torch tensor; torch is not imported."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return as_float_array(name, value)


def _read_state(state, layer, gates: int, module: str,
                reverse: bool = False) -> tuple[dict[str, np.ndarray], int]:
    """The four stacked arrays of one layer, checked, and the hidden size H.

    ``state`` is a torch module (its ``state_dict()`` is read) or a mapping. The weights
    must be there; a missing bias reads as zeros.
    """
    if hasattr(state, "state_dict") and not isinstance(state, Mapping):
        state = state.state_dict()
    if not isinstance(state, Mapping):
        raise TypeError(
            f"state must be a {module} or its state dict, got a {type(state).__name__}"
        )
    s = _suffix(layer, reverse)
    missing = [k + s for k in ("weight_ih", "weight_hh") if k + s not in state]
    if missing:
        raise KeyError(f"state is missing {', '.join(map(repr, missing))}; it has {sorted(state)}")
    w_hh = _to_numpy("weight_hh" + s, state["weight_hh" + s])
    w_ih = _to_numpy("weight_ih" + s, state["weight_ih" + s])
    require_matrix("weight_hh" + s, w_hh)
    H = w_hh.shape[1]
    require_shape("weight_hh" + s, w_hh, (gates * H, H))
    require_matrix("weight_ih" + s, w_ih)
    require_shape("weight_ih" + s, w_ih, (gates * H, w_ih.shape[1]))
    arrays = {"weight_ih": w_ih, "weight_hh": w_hh}
    for kind in ("bias_ih", "bias_hh"):
        if state.get(kind + s) is None:
            arrays[kind] = np.zeros(gates * H, dtype=w_ih.dtype)
        else:
            arrays[kind] = _to_numpy(kind + s, state[kind + s])
            require_shape(kind + s, arrays[kind], (gates * H,))
    return arrays, H


def _rows(order: tuple[str, ...], H: int) -> dict[str, slice]:
    return {g: slice(k * H, (k + 1) * H) for k, g in enumerate(order)}


# ---------------------------------------------------------------------------- LSTM


def lstm_params_to_torch(params, *, layer=0, gradients=False) -> dict[str, np.ndarray]:
    """Our LSTM parameters in the layout of ``torch.nn.LSTM``'s state dict (NumPy arrays).

    ``weight_ih_l0 = [U_i; U_f; U_c; U_o]`` (4H, D), ``weight_hh_l0 = [W_i; W_f; W_c; W_o]``
    (4H, H), ``bias_ih_l0 = [b_i; b_f; b_c; b_o]`` and ``bias_hh_l0`` zeros (4H,): only the
    sum of the two biases enters the function. With ``gradients=True`` (``params`` holds
    the grads of :func:`~rnn_course.lstm_backward`) ``bias_hh_l0`` repeats ``bias_ih_l0``,
    as PyTorch's ``.grad`` does. ``layer`` sets the suffix ``_l<layer>``.
    """
    p = _lstm_params(params, "lstm_params_to_torch")
    s = _suffix(layer)
    bias = _stack(p, "b", LSTM_TORCH_ORDER)
    return {
        "weight_ih" + s: _stack(p, "U", LSTM_TORCH_ORDER),
        "weight_hh" + s: _stack(p, "W", LSTM_TORCH_ORDER),
        "bias_ih" + s: bias,
        "bias_hh" + s: bias.copy() if gradients else np.zeros_like(bias),
    }


def lstm_params_from_torch(state, *, layer=0, gradients=False) -> dict[str, np.ndarray]:
    """Our LSTM parameters from a ``torch.nn.LSTM`` (or its state dict, or any mapping).

    Reads ``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H) and, when present,
    ``bias_ih_l0`` and ``bias_hh_l0`` (4H,), rows in PyTorch's order i, f, g, o. Returns
    ``W_*`` (H, H), ``U_*`` (H, D) and ``b_* = b_ih + b_hh`` (H,), new arrays. With
    ``gradients=True`` ``state`` holds PyTorch's gradients and ``b_*`` is the gradient of
    either bias (read from ``bias_ih``), comparable with :func:`~rnn_course.lstm_backward`.
    """
    a, H = _read_state(state, layer, 4, "torch.nn.LSTM")
    bias = a["bias_ih"] if gradients else a["bias_ih"] + a["bias_hh"]
    params = {}
    for g, rows in _rows(LSTM_TORCH_ORDER, H).items():
        params[f"W_{g}"] = a["weight_hh"][rows].copy()
        params[f"U_{g}"] = a["weight_ih"][rows].copy()
        params[f"b_{g}"] = bias[rows].copy()
    return {k: params[k] for k in LSTM_PARAM_NAMES}


# ----------------------------------------------------------------------------- GRU


def gru_params_to_torch(params, *, layer=0, gradients=False) -> dict[str, np.ndarray]:
    """Our GRU parameters in the layout of ``torch.nn.GRU``'s state dict (NumPy arrays).

    Gate order in PyTorch is r, z, n: ``weight_ih_l0 = [U_r; U_z; U_h]`` (3H, D),
    ``weight_hh_l0 = [W_r; W_z; W_h]`` (3H, H), ``bias_ih_l0 = [b_r; b_z; b_h]`` and
    ``bias_hh_l0 = [0; 0; b_hn]`` (``b_hn`` zeros if absent).

    The weights map one to one, so ``torch.nn.GRU`` then computes exactly
    ``gru_forward(..., variant="pytorch")``; loading sources-variant parameters gives a
    different function (the reset gate and the role of ``z`` differ).

    With ``gradients=True``, ``params`` holds gradients (from
    :func:`~rnn_course.gru_backward`) and the result is what PyTorch's ``.grad`` would
    hold: ``bias_hh_l0 = [db_r; db_z; db_hn]``. ``layer`` sets the suffix ``_l<layer>``.
    """
    p = _gru_params(params, "gru_params_to_torch", "pytorch")  # checks shapes; b_hn zeros if absent
    s = _suffix(layer)
    zeros = np.zeros_like(p["b_z"])
    recurrent_bias = {"r": p["b_r"], "z": p["b_z"]} if gradients else {"r": zeros, "z": zeros}
    return {
        "weight_ih" + s: _stack(p, "U", GRU_TORCH_ORDER),
        "weight_hh" + s: _stack(p, "W", GRU_TORCH_ORDER),
        "bias_ih" + s: _stack(p, "b", GRU_TORCH_ORDER),
        "bias_hh" + s: np.concatenate([recurrent_bias["r"], recurrent_bias["z"], p["b_hn"]]),
    }


def gru_params_from_torch(state, *, layer=0, gradients=False) -> dict[str, np.ndarray]:
    """Parameters for ``variant="pytorch"`` from a ``torch.nn.GRU`` (or its state dict).

    Reads ``weight_ih_l0`` (3H, D), ``weight_hh_l0`` (3H, H) and, when present,
    ``bias_ih_l0``, ``bias_hh_l0`` (3H,). Returns the nine parameters plus ``b_hn``, with
    ``b_r = b_ir + b_hr`` and ``b_z = b_iz + b_hz`` (only the sums matter),
    ``b_h = b_in``, ``b_hn = b_hn``. With ``gradients=True`` ``db_r`` and ``db_z`` are
    the gradient of either summand, taken from ``bias_ih``, not their sum.
    """
    a, H = _read_state(state, layer, 3, "torch.nn.GRU")
    rows = _rows(GRU_TORCH_ORDER, H)
    params = {}
    for g in ("z", "r", "h"):
        params[f"W_{g}"] = a["weight_hh"][rows[g]].copy()
        params[f"U_{g}"] = a["weight_ih"][rows[g]].copy()
    for g in ("z", "r"):
        b_ih, b_hh = a["bias_ih"][rows[g]], a["bias_hh"][rows[g]]
        params[f"b_{g}"] = b_ih.copy() if gradients else b_ih + b_hh
    params["b_h"] = a["bias_ih"][rows["h"]].copy()
    params["b_hn"] = a["bias_hh"][rows["h"]].copy()
    return {k: params[k] for k in (*GRU_PARAM_NAMES, "b_hn")}


# ------------------------------------------------------------------ RNN stacks


def rnn_stack_to_torch(layers, *, gradients=False) -> dict[str, np.ndarray]:
    """A stack of vanilla RNN layers in the layout of ``torch.nn.RNN``'s state dict.

    ``layers`` is the list that :func:`~rnn_course.stack_forward` takes (``cell="rnn"``):
    layer ``l`` gives ``weight_ih_l<l> = W_x``, ``weight_hh_l<l> = W_h``,
    ``bias_ih_l<l> = b_h`` and ``bias_hh_l<l>`` zeros (with ``gradients=True``, the
    gradient of ``b_h`` again, as PyTorch's ``.grad`` holds it); a bidirectional layer's
    ``W_x_reverse``, ... give the same names ending in ``_reverse``.
    """
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError("layers must be a non-empty list of parameter dicts, the first layer first")
    state = {}
    for layer, params in enumerate(layers):
        reverse = isinstance(params, Mapping) and "W_x_reverse" in params
        for backwards in (False, True) if reverse else (False,):
            end = "_reverse" if backwards else ""
            one = params if not backwards else {k: params[k + end] for k in ("W_x", "W_h", "b_h")}
            W_x, W_h, b_h = _rnn_params(one, f"layers[{layer}]")
            s = _suffix(layer, backwards)
            state.update({"weight_ih" + s: W_x.copy(), "weight_hh" + s: W_h.copy(),
                          "bias_ih" + s: b_h.copy(),
                          "bias_hh" + s: b_h.copy() if gradients else np.zeros_like(b_h)})
    return state


def _stack_directions(state, module: str):
    """Walk the layers of a stacked torch module's state dict (the module itself, or any
    mapping): yields ``(state dict, layer, backwards)`` for each layer and direction in order."""
    if hasattr(state, "state_dict") and not isinstance(state, Mapping):
        state = state.state_dict()
    if not isinstance(state, Mapping) or "weight_ih_l0" not in state:
        raise TypeError(f"state must be a {module} or a mapping with 'weight_ih_l0', ...")
    layer = 0
    while "weight_ih" + _suffix(layer) in state:
        reverse = "weight_ih" + _suffix(layer, True) in state
        for backwards in (False, True) if reverse else (False,):
            yield state, layer, backwards
        layer += 1


def rnn_stack_from_torch(state, *, gradients=False) -> list[dict[str, np.ndarray]]:
    """The layers of a ``torch.nn.RNN`` (the module, its state dict, or any mapping) as the
    list :func:`~rnn_course.stack_forward` takes: ``W_x``, ``W_h`` and ``b_h = b_ih + b_hh``
    per layer (``_reverse`` too when bidirectional). With ``gradients=True`` ``b_h`` is the
    gradient of either bias, read from ``bias_ih``."""
    layers = []
    for state_dict, layer, backwards in _stack_directions(state, "torch.nn.RNN"):
        if layer == len(layers):
            layers.append({})
        a, _ = _read_state(state_dict, layer, 1, "torch.nn.RNN", backwards)
        end = "_reverse" if backwards else ""
        bias = a["bias_ih"] if gradients else a["bias_ih"] + a["bias_hh"]
        layers[layer].update({"W_x" + end: a["weight_ih"].copy(), "W_h" + end: a["weight_hh"].copy(),
                              "b_h" + end: bias.copy()})
    return layers


# ------------------------------------------------------------------ LSTM stacks


def lstm_stack_to_torch(layers, *, gradients=False) -> dict[str, np.ndarray]:
    """A stack of LSTM layers (the list :func:`~rnn_course.stack_forward` takes with
    ``cell="lstm"``) in the layout of ``torch.nn.LSTM(num_layers=L, bidirectional=...)``'s
    state dict: layer ``l`` as :func:`lstm_params_to_torch` writes it with the suffix
    ``_l<l>``, and a bidirectional layer's ``W_f_reverse``, ... with ``_l<l>_reverse``.
    ``gradients=True`` converts gradients, as :func:`lstm_params_to_torch` does."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError("layers must be a non-empty list of parameter dicts, the first layer first")
    state = {}
    for layer, params in enumerate(layers):
        if not isinstance(params, Mapping):
            raise TypeError(f"layers[{layer}] must be a dict of LSTM parameters, got {type(params).__name__}")
        reverse = "W_f_reverse" in params
        for backwards in (False, True) if reverse else (False,):
            end = "_reverse" if backwards else ""
            one = {k: params[k + end] for k in LSTM_PARAM_NAMES if k + end in params}
            for name, array in lstm_params_to_torch(one, gradients=gradients).items():
                state[name[: -len("_l0")] + _suffix(layer, backwards)] = array
    return state


def lstm_stack_from_torch(state, *, gradients=False) -> list[dict[str, np.ndarray]]:
    """The layers of a ``torch.nn.LSTM`` (the module, its state dict, or any mapping) as the
    list :func:`~rnn_course.stack_forward` takes with ``cell="lstm"``: each layer's twelve
    parameters, as :func:`lstm_params_from_torch` reads them, and their ``_reverse`` copies
    when the module is bidirectional."""
    layers = []
    for state_dict, layer, backwards in _stack_directions(state, "torch.nn.LSTM"):
        if layer == len(layers):
            layers.append({})
        s = _suffix(layer, backwards)
        one = {kind + "_l0": state_dict[kind + s] for kind in _KINDS if kind + s in state_dict}
        end = "_reverse" if backwards else ""
        layers[layer].update({k + end: v for k, v in lstm_params_from_torch(one, gradients=gradients).items()})
    return layers
