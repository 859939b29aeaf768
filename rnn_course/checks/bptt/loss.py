"""Feedback checks for the sequence cross-entropy loss (exercise ex02-bptt)."""

from __future__ import annotations

import numpy as np

from ...layers.activations import softmax
from ...training.losses import softmax_cross_entropy
from .._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from .._core import require_result_shape, rng_for, unpack_pair

NAME = "sequence_cross_entropy"


def _run(fn, logits, targets, context):
    __tracebackhide__ = True
    result = call_learner(fn, NAME, {"logits": logits, "targets": targets})
    loss, dlogits = unpack_pair(result, NAME, "loss", "dlogits")
    loss = as_result_array(loss, NAME, "loss")
    if loss.size != 1:
        raise FeedbackError(
            f"{NAME} returned a loss that is not one number.\nIt has shape {loss.shape} for {context}; "
            f"the loss is one number, the sum of the per-step losses."
        )
    dlogits = as_result_array(dlogits, NAME, "dlogits")
    require_result_shape(dlogits, logits.shape, NAME, "dlogits", context)
    want_loss, want_d = softmax_cross_entropy(logits, targets, reduction="sum")
    return (float(loss.reshape(())), dlogits), (want_loss, want_d)


def _diagnose(got, want, logits, targets) -> None:
    __tracebackhide__ = True
    loss, d = got
    want_loss, want_d = want
    n = targets.size
    if not close(loss, want_loss):
        if close(loss * n, want_loss):
            raise FeedbackError(f"{NAME}: the loss is averaged; sum it instead.\nThe total loss is the sum over time steps.")
        if close(-loss, want_loss):
            raise FeedbackError(f"{NAME}: the loss has the wrong sign.\nL_t = -log o_t[y_t]")
        raise FeedbackError(
            f"{NAME}: the loss is {loss:.6g}, expected {want_loss:.6g}.\nL = sum_t -log softmax(logits_t)[y_t]"
        )
    if not close(d, want_d):
        probs = softmax(logits)
        onehot = np.eye(logits.shape[-1])[targets]
        if close(d * n, want_d):
            raise FeedbackError(f"{NAME}: dlogits is averaged; sum it instead.\nFor the summed loss it is softmax(logits) - onehot(y).")
        if close(d, probs):
            raise FeedbackError(f"{NAME}: dlogits misses the -1 at the target class.\nIt is softmax(logits) - onehot(y).")
        if close(d, -onehot) or close(d, onehot - probs):
            raise FeedbackError(f"{NAME}: dlogits has the wrong form or sign.\nIt is softmax(logits) - onehot(y).")
        raise FeedbackError(
            f"{NAME}: dlogits is wrong.\nIt is off by up to {max_diff(d, want_d):.3g}: softmax(logits) - onehot(y)."
        )


def check_sequence_cross_entropy(fn, *, hidden: bool = False) -> None:
    """Loss and gradient for (T, C) and (T, B, C) logits, then with very large logits."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 7)
    T = int(rng.integers(3, 8)) if hidden else 4
    B = int(rng.integers(2, 5)) if hidden else 2
    C = int(rng.integers(3, 9)) if hidden else 5
    for shape, context in (((T,), f"logits of shape ({T}, {C})"), ((T, B), f"logits of shape ({T}, {B}, {C})")):
        logits = rng.normal(size=(*shape, C))
        targets = rng.integers(0, C, size=shape)
        got, want = _run(fn, logits, targets, context)
        _diagnose(got, want, logits, targets)
    big = rng.normal(size=(T, C)) * 1000.0
    big[np.arange(T), rng.integers(0, C, size=T)] = rng.uniform(800.0, 1500.0, size=T)  # exp overflows in every row
    targets = rng.integers(0, C, size=T)
    try:
        got, want = _run(fn, big, targets, "large logits (around 1000)")
    except FeedbackError as exc:
        if "NaN or infinite" in str(exc):
            raise FeedbackError(
                f"{NAME} overflows for large logits (around 1000).\nSubtract each row's maximum before "
                f"exp, or use log-sum-exp."
            ) from None
        raise
    _diagnose(got, want, big, targets)
    passed(f"{NAME} returns the summed loss and its gradient softmax(logits) - onehot(y), stably", hidden)
