"""Check of ``train_step(params, hs, mask, labels, lr, max_norm)`` (exercise ex06-language, Part 3).

One step of gradient descent on the classifier head: the mean cross-entropy of the
labels, the gradients of ``W_y`` and ``b_y`` (with the learner's own forward and
backward), the two clipped **together** to a global norm of at most ``max_norm``, and
``params[k] -= lr * clipped[k]``. It returns ``(loss, total_norm)``: the loss before the
update and the gradients' norm before clipping.
"""

from __future__ import annotations

import copy

import numpy as np

from ...layers.output import output_backward, output_forward
from ...layers.pooling import mean_pool_forward
from ...training.losses import softmax_cross_entropy
from .._core import FeedbackError, call_learner, close, passed, rng_for, unpack
from .classifier import classifier_case

NAME = "train_step"


def _reference(hs, mask, labels, params):
    """Loss and raw gradients of the head."""
    __tracebackhide__ = True
    pooled, _ = mean_pool_forward(hs, mask)
    logits, cache = output_forward(pooled, params)
    loss, dlogits = softmax_cross_entropy(logits, labels, reduction="mean")
    return loss, output_backward(dlogits, cache)[1]


def _run(fn, params, hs, mask, labels, lr, max_norm):
    __tracebackhide__ = True
    before = copy.deepcopy(params)
    result = call_learner(fn, NAME, {"params": params, "hs": hs, "mask": mask, "labels": labels,
                                     "lr": lr, "max_norm": max_norm}, may_modify=("params",))
    loss, total_norm = unpack(result, NAME, ("loss", "total_norm"), count="two")
    try:
        loss, total_norm = float(loss), float(total_norm)
    except (TypeError, ValueError):
        raise FeedbackError(f"{NAME} must return two numbers (loss, total_norm)") from None
    if set(params) != set(before):
        raise FeedbackError(f"{NAME} added or removed keys of params: update the values of W_y and b_y only")
    return loss, total_norm, before


def _check_update(params, before, grads, lr, max_norm, total, context) -> None:
    __tracebackhide__ = True
    scale = min(1.0, max_norm / total)
    want = {k: before[k] - lr * scale * grads[k] for k in grads}
    got = {k: np.asarray(params[k], dtype=float) for k in grads}
    if all(close(got[k], want[k]) for k in grads):
        return
    if all(close(got[k], before[k]) for k in grads):
        raise FeedbackError(f"{NAME} left params unchanged ({context}): update them, params[k] -= lr * clipped[k]")
    if all(close(got[k], before[k] + lr * scale * grads[k]) for k in grads):
        raise FeedbackError(f"{NAME} moved the parameters uphill ({context}): subtract lr times the gradient")
    if scale < 1 and all(close(got[k], before[k] - lr * grads[k]) for k in grads):
        raise FeedbackError(
            f"{NAME} did not clip ({context}): the gradients' global norm is {total:.3g} > max_norm = "
            f"{max_norm:.3g}, so every gradient must be multiplied by max_norm / total_norm. (Here each "
            f"gradient on its own is below max_norm: clipping them one by one is not enough.)")
    per_array = {k: before[k] - lr * min(1.0, max_norm / np.linalg.norm(grads[k])) * grads[k] for k in grads}
    if scale < 1 and all(close(got[k], per_array[k]) for k in grads):
        raise FeedbackError(
            f"{NAME} clipped each gradient on its own ({context}): clip them together, with one factor "
            f"max_norm / total_norm where total_norm is the norm of all the gradients as one vector")
    if scale == 1 and all(close(got[k], before[k] - lr * grads[k] * max_norm / total) for k in grads):
        raise FeedbackError(f"{NAME} rescaled gradients whose norm {total:.3g} is already below max_norm = "
                            f"{max_norm:.3g}: clip only when total_norm > max_norm")
    raise FeedbackError(f"{NAME} updated params wrongly ({context}): expected params[k] - lr * clipped[k], "
                        f"the gradients clipped together to a global norm of at most max_norm")


def check_train_step(fn, hidden: bool = False) -> None:
    """The loss before the update, the norm before clipping, and the clipped update of W_y and b_y."""
    __tracebackhide__ = True
    hs, mask, params = classifier_case(hidden, 81)
    rng = rng_for(hidden, 82)
    C = params["W_y"].shape[0]
    labels = rng.integers(0, C, hs.shape[1])
    loss_want, grads = _reference(hs, mask, labels, params)
    norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
    total = float(np.sqrt(sum(n**2 for n in norms.values())))
    # clipping active, yet every single gradient below max_norm: catches clipping array by array
    max_norm = 0.5 * (max(norms.values()) + total)
    lr = 0.1
    loss, total_norm, before = _run(fn, params, hs, mask, labels, lr, max_norm)
    if not np.isclose(loss, loss_want, rtol=1e-6):
        hint = ""
        if np.isclose(loss, loss_want * hs.shape[1], rtol=1e-6):
            hint = " It is the sum over the batch: take the mean."
        elif loss < loss_want:
            hint = " Is it computed after the update? Return the loss of the parameters you started from."
        raise FeedbackError(f"{NAME} returned loss {loss:.6g}; the mean cross-entropy of the labels is "
                            f"{loss_want:.6g}.{hint} (Part 2's tests check classifier_forward.)")
    if not np.isclose(total_norm, total, rtol=1e-6):
        raise FeedbackError(f"{NAME} returned total_norm {total_norm:.6g}; the norm of all the gradients "
                            f"before clipping is {total:.6g}: sqrt of the sum of every squared entry of "
                            f"every gradient")
    _check_update(params, before, grads, lr, max_norm, total, f"max_norm = {max_norm:.3g}")
    # clipping inactive: a plain gradient step
    params = copy.deepcopy(before)
    _, grads = _reference(hs, mask, labels, params)
    _, _, before = _run(fn, params, hs, mask, labels, lr, 10 * total)
    _check_update(params, before, grads, lr, 10 * total, total, f"max_norm = {10 * total:.3g}")
    passed(f"{NAME}: loss, gradient norm, and the update with the gradients clipped together", hidden)
