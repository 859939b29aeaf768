"""Recognising a spoken digit: a GRU reads the feature frames and classifies at the end.

    h_t = GRU(h_{t-1}, x_t)        x_t: the mel energies of frame t, h_0 = 0
    p   = softmax(W_y h_T + b_y)   ten classes, read after the last frame

Utterances have different lengths, so a batch is **left-padded** with zero frames
(:func:`pad_left`): every utterance ends at the last step, where the output is read, and
the zeros before it (the features' mean, after mean removal) are silence.

    scale = band_scale(train_features)                 # one number per mel band
    run = train_digit_classifier(train_features, labels, scale=scale, rng=0)
    predict_digits(run["params"], test_features, scale=scale)

Book: chapter 6, speech recognition.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, positive_int
from ..training.loop import fit
from ..training.losses import softmax_cross_entropy
from ..training.models import init_model, model_backward, model_forward
from ..training.optim import Adam


def pad_left(features, length=None) -> np.ndarray:
    """Stack utterances (each (F_i, M)) into a time-major batch (T, B, M), zero-padded at
    the start; ``length`` defaults to the longest, and longer utterances keep their last
    ``length`` frames."""
    features = list(features)
    if not features:
        raise ValueError("features is empty: expected at least one utterance")
    M = np.shape(features[0])[1]
    T = max(len(f) for f in features) if length is None else positive_int("length", length)
    out = np.zeros((T, len(features), M))
    for b, f in enumerate(features):
        f = np.asarray(f, dtype=float)[-T:]
        if f.ndim != 2 or f.shape[1] != M:
            raise ValueError(f"features[{b}] has shape {f.shape}: expected (frames, {M})")
        out[T - len(f):, b] = f
    return out


def band_scale(features) -> np.ndarray:
    """The standard deviation (M,) of each band over every frame of the training utterances."""
    return np.concatenate([np.asarray(f, dtype=float) for f in features]).std(axis=0)


def digit_loss_and_grads(params, X, labels):
    """Mean cross-entropy of the class read after the last frame, and its gradients."""
    outputs, cache = model_forward("gru", X, params)
    loss, dlast = softmax_cross_entropy(outputs[-1], labels, reduction="mean")
    doutputs = np.zeros_like(outputs)
    doutputs[-1] = dlast
    return loss, model_backward("gru", doutputs, cache)


def train_digit_classifier(features, labels, *, scale, hidden_size=64, steps=600,
                           batch_size=64, length=64, lr=3e-3, max_norm=1.0, rng=0):
    """Train a GRU classifier on utterances ``features`` (list of (F_i, M)) with ``labels``.

    Returns a dict with ``params``, ``losses`` and ``seconds``.
    """
    labels = np.asarray(labels, dtype=int)
    if len(labels) != len(features):
        raise ValueError(f"labels has {len(labels)} entries for {len(features)} utterances")
    scaled = [np.asarray(f) / scale for f in features]
    gen = as_rng(rng)
    params = init_model("gru", len(scale), hidden_size, int(labels.max()) + 1, rng=gen)
    batch_size = positive_int("batch_size", batch_size)

    def draw(step, g):
        pick = g.integers(0, len(labels), batch_size)
        return pad_left([scaled[i] for i in pick], length), labels[pick]

    run = fit(params, lambda p, batch: digit_loss_and_grads(p, *batch), draw, Adam(lr=lr),
              steps, max_norm=max_norm, rng=gen)
    return {"params": params, "losses": run.losses, "seconds": run.seconds}


def predict_digits(params, features, *, scale, length=64) -> np.ndarray:
    """The most likely class of each utterance (B,)."""
    X = pad_left([np.asarray(f) / scale for f in features], length)
    outputs, _ = model_forward("gru", X, params)
    return outputs[-1].argmax(axis=-1)


def confusion_matrix(true, predicted, num_classes=10) -> np.ndarray:
    """Counts (C, C): row = the true class, column = the predicted one."""
    true, predicted = np.asarray(true, dtype=int), np.asarray(predicted, dtype=int)
    out = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(out, (true, predicted), 1)
    return out
