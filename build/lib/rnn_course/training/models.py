"""One interface over the three recurrent layers, so an experiment can take any of them.

A *model* here is a recurrent layer (``"rnn"``, ``"lstm"`` or ``"gru"``) started from a zero
state, followed by the affine output layer ``W_y h_t + b_y``. Its parameters are one dict:
the layer's keys plus ``W_y`` (O, H) and ``b_y`` (O,).

    params = init_model("lstm", input_size=2, hidden_size=32, output_size=1, rng=0)
    outputs, cache = model_forward("lstm", X, params)      # (T, B, O): W_y h_t + b_y
    grads = model_backward("lstm", doutputs, cache)         # same keys as params

Only the layer's sequence functions (the fused fast path) are used. A task turns this
into a ``loss_and_grads(params, batch)`` for :func:`~rnn_course.fit`.

Book: chapter 3, long-range dependencies; chapter 4, gradient flow; chapter 5, LSTM versus GRU.
"""

from __future__ import annotations

import numpy as np

from .._arrays import uniform_params
from .._validate import FLOAT_DTYPES, as_rng, float_dtype, one_of, positive_int
from ..layers.gru import gru_backward, gru_forward, init_gru_params
from ..layers.lstm import init_lstm_params, lstm_backward, lstm_forward
from ..layers.output import output_backward, output_forward
from ..layers.rnn import init_rnn_params, rnn_backward, rnn_forward

KINDS = ("rnn", "lstm", "gru")


def _kind(kind) -> str:
    return one_of("kind", kind, KINDS)


def init_model(kind, input_size, hidden_size, output_size, *, rng=None,
               dtype=np.float64) -> dict[str, np.ndarray]:
    """Parameters of a recurrent layer of ``kind`` plus an output layer, in one dict.

    Every array is of ``dtype``: ``float64`` (the default) or ``float32``, which the model
    then keeps end to end (:func:`model_forward` computes in the parameters' type).
    """
    kind = _kind(kind)
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    O = positive_int("output_size", output_size)
    dtype = float_dtype("dtype", dtype)
    gen = as_rng(rng)
    if kind == "rnn":
        params = init_rnn_params(D, H, rng=gen, dtype=dtype)
    elif kind == "lstm":
        params = init_lstm_params(D, H, rng=gen, forget_bias=1.0, dtype=dtype)
    else:
        params = init_gru_params(D, H, rng=gen, dtype=dtype)
    params.update(uniform_params(gen, {"W_y": (O, H)}, H, dtype))
    params["b_y"] = np.zeros(O, dtype=dtype)
    return params


def _hidden_size_and_dtype(kind: str, params) -> tuple[int, np.dtype]:
    key = {"rnn": "W_h", "lstm": "W_f", "gru": "W_z"}[kind]
    if key not in params:
        raise KeyError(f"params has no {key!r}: are these the parameters of a {kind!r} model?")
    W = params[key]
    dtype = W.dtype if isinstance(W, np.ndarray) and W.dtype.name in FLOAT_DTYPES else np.dtype(np.float64)
    return np.shape(W)[0], dtype


def model_forward(kind, X, params):
    """Run the model over ``X`` (T, D) or (T, B, D) from a zero state.

    Returns ``outputs`` (T, ..., O), the output layer at every step, and a cache.
    For a many-to-one task use ``outputs[-1]`` and pass a gradient that is zero before it.
    The model computes in the type of its parameters (float32 parameters: float32 inputs,
    states, outputs and gradients; anything else: float64).
    """
    kind = _kind(kind)
    H, dtype = _hidden_size_and_dtype(kind, params)
    X = np.asarray(X, dtype=dtype)
    h0 = np.zeros((*X.shape[1:-1], H), dtype=dtype)
    if kind == "rnn":
        hs, layer_cache = rnn_forward(X, h0, params)
    elif kind == "lstm":
        hs, _, layer_cache = lstm_forward(X, h0, np.zeros_like(h0), params)
    else:
        hs, layer_cache = gru_forward(X, h0, params)
    outputs, out_cache = output_forward(hs, params)
    return outputs, {"kind": kind, "layer": layer_cache, "output": out_cache}


def model_backward(kind, doutputs, cache) -> dict[str, np.ndarray]:
    """Gradients of every parameter, given dLoss/doutputs (T, ..., O)."""
    kind = _kind(kind)
    if not isinstance(cache, dict) or cache.get("kind") != kind:
        raise TypeError(f"cache must be the cache returned by model_forward({kind!r}, ...)")
    dhs, grads = output_backward(doutputs, cache["output"])
    if kind == "rnn":
        _, _, layer_grads = rnn_backward(dhs, cache["layer"])
    elif kind == "lstm":
        _, _, _, layer_grads = lstm_backward(dhs, cache["layer"])
    else:
        _, _, layer_grads = gru_backward(dhs, cache["layer"])
    return {**layer_grads, **grads}
