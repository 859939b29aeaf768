"""A many-to-one recurrent forecaster: read a window, predict the next ``h`` values.

    h_t = layer(h_{t-1}, x_t)        h_0 = 0, t = 1 .. L (an RNN, LSTM or GRU)
    ŷ   = W_y h_L + b_y              (h,) forecasts, read once, after the last step

Only the last state feeds the output, so in the backward pass the gradient enters the
sequence at the last step alone: ``dhs`` is zero at every other step, and backpropagation
through time carries it back from there.

    params = init_model("gru", 1, 32, horizon, rng=0)
    run = train_forecaster("gru", X_train, Y_train, hidden_size=32, steps=800, rng=0)
    forecast("gru", run["params"], X_test)                   # (N, h)

Windows ``X`` come as rows (N, L) of one series (see :mod:`rnn_course.tasks.signals.series`);
the layers want time-major inputs, so ``X.T[:, :, None]`` is the (L, N, 1) sequence.

Book: chapter 6, time-series forecasting; exercise ex07-signals.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_float_array, as_rng, positive_int
from ...training.loop import fit
from ...training.losses import mse_loss
from ...training.models import init_model, model_backward, model_forward
from ...training.optim import Adam


def as_sequence(X) -> np.ndarray:
    """Windows (N, L) or (N, L, D) as a time-major batch (L, N, D)."""
    X = as_float_array("X", X)
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(f"X has shape {X.shape}: expected windows (N, L) or (N, L, D)")
    return X.transpose(1, 0, 2)


def forecaster_forward(X, params, kind="rnn"):
    """Forecasts ``ŷ = W_y h_L + b_y`` (B, O) of a sequence batch ``X`` (T, B, D).

    Returns ``(y_hat, cache)``; ``cache`` is what :func:`forecaster_backward` needs.
    """
    X = as_float_array("X", X)
    if X.ndim != 3:
        raise ValueError(f"X has shape {X.shape}: expected a time-major batch (T, B, D)")
    outputs, cache = model_forward(kind, X, params)
    return outputs[-1], {"model": cache, "kind": kind, "shape": outputs.shape}


def forecaster_backward(dy_hat, cache) -> dict[str, np.ndarray]:
    """Gradients of every parameter given ``dLoss/dŷ`` (B, O): the gradient enters at the last step."""
    if not isinstance(cache, dict) or "model" not in cache:
        raise TypeError("cache must be the cache returned by forecaster_forward")
    doutputs = np.zeros(cache["shape"])
    doutputs[-1] = as_float_array("dy_hat", dy_hat)
    return model_backward(cache["kind"], doutputs, cache["model"])


def forecaster_loss_and_grads(kind, params, X, Y):
    """Mean squared error of the forecasts of ``X`` (T, B, D) against ``Y`` (B, h), and its gradients."""
    y_hat, cache = forecaster_forward(X, params, kind)
    loss, dy = mse_loss(y_hat, Y, reduction="mean")
    return loss, forecaster_backward(dy, cache)


def forecast(kind, params, X) -> np.ndarray:
    """Forecasts (N, h) for windows ``X`` (N, L) or (N, L, D)."""
    return forecaster_forward(as_sequence(X), params, kind)[0]


def train_forecaster(kind, X, Y, *, hidden_size=32, steps=800, batch_size=64, lr=3e-3,
                     max_norm=1.0, rng=0):
    """Train a ``kind`` forecaster on windows ``X`` (N, L) and targets ``Y`` (N, h).

    Adam, a random minibatch of windows every step, gradients clipped by global norm
    (:func:`~rnn_course.fit`). Returns a dict with ``params``, ``losses`` and ``seconds``.
    """
    seqs = as_sequence(X)
    Y = as_float_array("Y", Y)
    if Y.ndim != 2 or len(Y) != seqs.shape[1]:
        raise ValueError(f"Y has shape {Y.shape} but X has {seqs.shape[1]} windows: expected ({seqs.shape[1]}, h)")
    batch_size = positive_int("batch_size", batch_size)
    gen = as_rng(rng)
    params = init_model(kind, seqs.shape[2], hidden_size, Y.shape[1], rng=gen)

    def draw(step, g):
        pick = g.integers(0, len(Y), batch_size)
        return seqs[:, pick], Y[pick]

    run = fit(params, lambda p, batch: forecaster_loss_and_grads(kind, p, *batch), draw,
              Adam(lr=lr), steps, max_norm=max_norm, rng=gen)
    return {"params": params, "losses": run.losses, "seconds": run.seconds}
