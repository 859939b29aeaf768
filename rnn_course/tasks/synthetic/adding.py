"""The adding problem (Hochreiter and Schmidhuber, 1997): a test of long-range memory.

Each input step is a pair ``(value, marker)``: the values are uniform in [0, 1] and exactly
two steps carry the marker 1, one in the first half of the sequence and one in the second.
The target, read after the last step, is the sum of the two marked values. Always answering
1 (the mean of the sum) gives a mean squared error of 1/6, about 0.167: a model beats it only
by remembering the first marked value for about T/2 steps or more.

Book: chapter 3, long-range dependencies (and gradient clipping); chapter 4, the cell
and hidden states; chapter 5, LSTM versus GRU.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_rng, positive_int
from ...training.losses import mse_loss
from ...training.loop import fit
from ...training.models import init_model, model_backward, model_forward
from ...training.optim import Adam

#: MSE of always predicting 1: the variance of the sum of two U(0, 1) values, 2/12.
BASELINE_MSE = 1.0 / 6.0


def adding_problem_batch(T, B, *, rng=None):
    """A batch of the adding problem.

    Returns ``X`` (T, B, 2) with ``X[..., 0]`` the values and ``X[..., 1]`` the markers,
    and ``y`` (B, 1), the sum of the two marked values.
    """
    T = positive_int("T", T)
    B = positive_int("B", B)
    if T < 2:
        raise ValueError(f"T must be at least 2 (one marker in each half), got {T}")
    gen = as_rng(rng)
    values = gen.uniform(0.0, 1.0, (T, B))
    half = T // 2
    first = gen.integers(0, half, B)
    second = gen.integers(half, T, B)
    markers = np.zeros((T, B))
    cols = np.arange(B)
    markers[first, cols] = 1.0
    markers[second, cols] = 1.0
    X = np.stack([values, markers], axis=-1)
    y = (values[first, cols] + values[second, cols])[:, None]
    return X, y


def adding_loss_and_grads(kind, params, X, y):
    """Mean squared error of the prediction read at the last step, and its gradients."""
    outputs, cache = model_forward(kind, X, params)
    loss, dpred = mse_loss(outputs[-1], y, reduction="mean")
    doutputs = np.zeros_like(outputs)
    doutputs[-1] = dpred
    return loss, model_backward(kind, doutputs, cache)


def train_adding(kind, T, *, hidden_size=32, steps=1000, batch_size=32, lr=1e-2,
                 max_norm=1.0, eval_size=512, rng=0):
    """Train a ``kind`` model on the adding problem with sequences of length ``T``.

    Adam with gradient clipping by global norm, a fresh batch every step
    (:func:`~rnn_course.fit`). Returns a dict with ``losses`` (the training loss of every
    step), ``test_mse`` (on ``eval_size`` fresh sequences), ``seconds`` and ``params``.
    """
    gen = as_rng(rng)
    params = init_model(kind, 2, hidden_size, 1, rng=gen)
    run = fit(params, lambda p, batch: adding_loss_and_grads(kind, p, *batch),
              lambda step, g: adding_problem_batch(T, batch_size, rng=g),
              Adam(lr=lr), steps, max_norm=max_norm, rng=gen)
    X, y = adding_problem_batch(T, eval_size, rng=gen)
    outputs, _ = model_forward(kind, X, params)
    test_mse = float(np.mean((outputs[-1] - y) ** 2))
    return {"losses": run.losses, "test_mse": test_mse, "seconds": run.seconds, "params": params}
