"""The output layer of the vanilla RNN, split so that the loss can be computed stably.

    o_t = softmax(W_y h_t + b_y)

:func:`~rnn_course.output_forward` returns the logits ``W_y h_t + b_y``; the softmax is left to the
loss (:func:`~rnn_course.softmax_cross_entropy` works on logits with log-sum-exp,
which never overflows). :func:`~rnn_course.output_probs` gives ``o_t`` itself, for sampling and plots.

Shapes: H hidden size, O output size (classes). ``W_y`` is ``(O, H)`` and ``b_y`` is ``(O,)``,
stored as in the equation. The layer works on any leading axes: one state ``(H,)``, a batch
``(B, H)`` or a whole sequence ``(T, B, H)`` at once, since ``h @ W_y.T`` acts on the last axis.

Book: chapter 1, outputs at every step; chapter 2, the loss over time.
"""

from __future__ import annotations

import numpy as np

from .._arrays import flat as _flat
from .._validate import (
    as_float_array,
    require_cache,
    require_last_axis,
    require_matrix,
    require_params,
    require_shape,
)
from .activations import softmax

PARAM_NAMES = ("W_y", "b_y")


def _output_params(params, where: str) -> tuple[np.ndarray, np.ndarray]:
    p = require_params(params, PARAM_NAMES, where=where)
    W_y, b_y = p["W_y"], p["b_y"]
    require_matrix('params["W_y"]', W_y)
    require_shape('params["b_y"]', b_y, (W_y.shape[0],))
    return W_y, b_y


def output_forward(hs, params):
    """Logits of the output layer, ``W_y h + b_y``, for every hidden state at once.

    Parameters
    ----------
    hs : (..., H) hidden states: ``(H,)``, ``(B, H)``, ``(T, H)`` or ``(T, B, H)``.
    params : dict with ``W_y`` (O, H) and ``b_y`` (O,). Other keys are ignored.

    Returns
    -------
    logits : (..., O) unnormalised scores; ``softmax(logits)`` is o_t.
    cache : dict of what :func:`output_backward` needs.
    """
    W_y, b_y = _output_params(params, "output_forward")
    hs = as_float_array("hs", hs)
    require_last_axis("hs", hs, W_y.shape[1], against=f"W_y is {W_y.shape}")

    logits = hs @ W_y.T + b_y
    cache = {"hs": hs, "W_y": W_y}
    return logits, cache


def output_backward(dlogits, cache):
    """Backward pass of the output layer.

    Parameters
    ----------
    dlogits : (..., O) gradient of the loss with respect to the logits.
    cache : the cache returned by :func:`output_forward`.

    Returns
    -------
    dhs : (..., H) gradient with respect to ``hs`` (feed it to ``rnn_backward``).
    grads : dict with ``W_y`` (O, H) and ``b_y`` (O,), summed over every leading
        (time and batch) axis, as the total loss is a sum over steps.
    """
    require_cache(cache, ("hs", "W_y"), made_by="output_forward")
    hs, W_y = cache["hs"], cache["W_y"]
    dlogits = as_float_array("dlogits", dlogits)
    require_shape("dlogits", dlogits, (*hs.shape[:-1], W_y.shape[0]), like="logits")

    dhs = dlogits @ W_y
    # summed over every leading axis: (O, N) @ (N, H), N the number of states
    grads = {"W_y": _flat(dlogits).T @ _flat(hs), "b_y": _flat(dlogits).sum(axis=0)}
    return dhs, grads


def output_probs(hs, params):
    """The outputs ``o_t = softmax(W_y h_t + b_y)``: (..., O) probabilities summing to 1."""
    logits, _ = output_forward(hs, params)
    return softmax(logits)
