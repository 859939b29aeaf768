"""Recognising a spoken digit: a GRU reads the feature frames and classifies at the end.

    h_t = GRU(h_{t-1}, x_t)        x_t: the mel energies of frame t, h_0 = 0
    p   = softmax(W_y h_T + b_y)   ten classes, read after the last frame

Utterances have different lengths, so a batch is **left-padded** with zero frames
(:func:`pad_left`): every utterance ends at the last step, where the output is read, and
the zeros before it (the features' mean, after mean removal) are silence.

    scale = band_scale(train_features)                 # one number per mel band
    run = train_digit_classifier(train_features, labels, scale=scale, rng=0)
    predict_digits(run["params"], test_features, scale=scale)

A baseline without recurrence reads the same features as a fixed-length vector: the mean
of each band over each quarter of the word, and the word's length
(:func:`segment_means`), classified by a softmax (multinomial logistic) regression
(:func:`train_softmax_regression`, :func:`softmax_regression_predict`).

    model = train_softmax_regression(segment_means(train_features), labels)
    softmax_regression_predict(model, segment_means(test_features))

Book: chapter 6, speech recognition.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_rng, positive_int
from ...training.loop import fit
from ...training.losses import softmax_cross_entropy
from ...training.models import init_model, model_backward, model_forward
from ...training.optim import Adam


def pad_left(features, length=None, dtype=np.float64) -> np.ndarray:
    """Stack utterances (each (F_i, M)) into a time-major batch (T, B, M) of ``dtype``,
    zero-padded at the start; ``length`` defaults to the longest, and longer utterances
    keep their last ``length`` frames."""
    features = list(features)
    if not features:
        raise ValueError("features is empty: expected at least one utterance")
    M = np.shape(features[0])[1]
    T = max(len(f) for f in features) if length is None else positive_int("length", length)
    out = np.zeros((T, len(features), M), dtype=dtype)
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
                           batch_size=64, length=64, lr=3e-3, max_norm=1.0, rng=0,
                           dtype=np.float64):
    """Train a GRU classifier on utterances ``features`` (list of (F_i, M)) with ``labels``.

    Returns a dict with ``params``, ``losses`` and ``seconds``. ``dtype=np.float32``
    trains in float32, about twice as fast.
    """
    labels = np.asarray(labels, dtype=int)
    if len(labels) != len(features):
        raise ValueError(f"labels has {len(labels)} entries for {len(features)} utterances")
    scaled = [np.asarray(f) / scale for f in features]
    gen = as_rng(rng)
    params = init_model("gru", len(scale), hidden_size, int(labels.max()) + 1, rng=gen, dtype=dtype)
    batch_size = positive_int("batch_size", batch_size)

    def draw(step, g):
        pick = g.integers(0, len(labels), batch_size)
        return pad_left([scaled[i] for i in pick], length, dtype), labels[pick]

    run = fit(params, lambda p, batch: digit_loss_and_grads(p, *batch), draw, Adam(lr=lr),
              steps, max_norm=max_norm, rng=gen)
    return {"params": params, "losses": run.losses, "seconds": run.seconds}


def predict_digits(params, features, *, scale, length=64) -> np.ndarray:
    """The most likely class of each utterance (B,)."""
    X = pad_left([np.asarray(f) / scale for f in features], length, params["W_z"].dtype)
    outputs, _ = model_forward("gru", X, params)
    return outputs[-1].argmax(axis=-1)


def confusion_matrix(true, predicted, num_classes=10) -> np.ndarray:
    """Counts (C, C): row = the true class, column = the predicted one."""
    true, predicted = np.asarray(true, dtype=int), np.asarray(predicted, dtype=int)
    out = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(out, (true, predicted), 1)
    return out


def segment_means(features, segments=4) -> np.ndarray:
    """A fixed-length description of each utterance (N, segments * M + 1): the mean of each
    band over each of ``segments`` equal stretches of its frames, in order, and the log of
    its number of frames. (The mean over the whole word would be zero: the features have
    each band's mean removed.)"""
    segments = positive_int("segments", segments)
    rows = []
    for i, f in enumerate(features):
        f = np.asarray(f, dtype=float)
        if f.ndim != 2 or len(f) < segments:
            raise ValueError(f"features[{i}] has shape {f.shape}: expected (frames, bands) "
                             f"with at least {segments} frames")
        parts = np.array_split(f, segments)
        rows.append(np.concatenate([part.mean(axis=0) for part in parts] + [[np.log(len(f))]]))
    return np.array(rows)


def train_softmax_regression(X, labels, *, steps=500, lr=0.05, l2=1e-3) -> dict:
    """Multinomial logistic regression ``p = softmax(W x + b)`` on standardised features
    (each column's mean and standard deviation from ``X``), trained by full-batch Adam for
    ``steps`` steps on the mean cross-entropy plus ``l2 / 2 * |W|^2``, with
    :func:`~rnn_course.fit`. Returns ``{"W", "b", "mean", "scale"}``."""
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if X.ndim != 2 or len(X) != len(labels):
        raise ValueError(f"X has shape {X.shape} for {len(labels)} labels: expected (N, features)")
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    Z = (X - mean) / scale

    def loss_and_grads(p, _):
        loss, dlogits = softmax_cross_entropy(Z @ p["W"].T + p["b"], labels, reduction="mean")
        return (loss + 0.5 * l2 * np.sum(p["W"] ** 2),
                {"W": dlogits.T @ Z + l2 * p["W"], "b": dlogits.sum(axis=0)})

    params = {"W": np.zeros((int(labels.max()) + 1, X.shape[1])), "b": np.zeros(int(labels.max()) + 1)}
    fit(params, loss_and_grads, [None], Adam(lr=lr), positive_int("steps", steps))
    return {**params, "mean": mean, "scale": scale}


def softmax_regression_predict(model, X) -> np.ndarray:
    """The most likely class (N,) of each row of ``X`` under :func:`train_softmax_regression`'s model."""
    Z = (np.asarray(X, dtype=float) - model["mean"]) / model["scale"]
    return (Z @ model["W"].T + model["b"]).argmax(axis=-1)
