"""Check of ``train_step(params, hs, mask, labels, lr, max_norm)`` (exercise ex06-language, Part 3).

One step of gradient descent on the classifier head: the mean cross-entropy of the
labels, the gradients of ``W_y`` and ``b_y`` (with the learner's own forward and
backward), the two clipped **together** to a global norm of at most ``max_norm``, and
``params[k] -= lr * clipped[k]``. It returns ``(loss, total_norm)``: the loss before the
update and the gradients' norm before clipping.

The inputs are diagnostic in every draw: the two gradients have norms within a factor
of two of each other (every label is the class the head finds least likely, so the
gradient of ``b_y`` is at least 1/2 long, and ``hs`` and ``W_y`` are rescaled, which
leaves the logits as they are, to bring the gradient of ``W_y`` near it), and
``max_norm`` lies between the larger one and their global norm: clipping is needed, it
changes the update clearly, and no gradient on its own exceeds ``max_norm``.
"""

from __future__ import annotations

import copy

import numpy as np

from ...layers.output import output_backward, output_forward
from ...layers.pooling import mean_pool_forward
from ...training.losses import softmax_cross_entropy
from .._core import FeedbackError, builds_on, call_learner, close, passed, rng_for, unpack
from .._watch import uses
from .classifier import BACKWARD, FORWARD, check_classifier_backward, check_classifier_forward, classifier_case

NAME = "train_step"


def _reference(hs, mask, labels, params):
    """Loss and raw gradients of the head."""
    __tracebackhide__ = True
    pooled, _ = mean_pool_forward(hs, mask)
    logits, cache = output_forward(pooled, params)
    loss, dlogits = softmax_cross_entropy(logits, labels, reduction="mean")
    return loss, output_backward(dlogits, cache)[1]


def _step_case(hidden: bool):
    """``hs, mask, params, labels``, with gradients of comparable norms (see the module's doc)."""
    __tracebackhide__ = True
    hs, mask, params = classifier_case(hidden, 81)
    rng = rng_for(hidden, 82)
    pooled, _ = mean_pool_forward(hs, mask)
    probs = np.exp(output_forward(pooled, params)[0])
    probs /= probs.sum(axis=1, keepdims=True)
    labels = np.full(hs.shape[1], int(np.argmin(probs.mean(axis=0))))
    _, grads = _reference(hs, mask, labels, params)
    ratio = rng.uniform(0.6, 0.9) if hidden else 0.75
    scale = ratio * np.linalg.norm(grads["b_y"]) / np.linalg.norm(grads["W_y"])
    params = {"W_y": params["W_y"] / scale, "b_y": params["b_y"]}
    return hs * scale, mask, params, labels


def _run(fn, params, hs, mask, labels, lr, max_norm, used):
    __tracebackhide__ = True
    before = copy.deepcopy(params)
    result = call_learner(fn, NAME, {"params": params, "hs": hs, "mask": mask, "labels": labels,
                                     "lr": lr, "max_norm": max_norm}, may_modify=("params",), used=used)
    loss, total_norm = unpack(result, NAME, ("loss", "total_norm"), count="two")
    try:
        loss, total_norm = float(loss), float(total_norm)
    except (TypeError, ValueError):
        raise FeedbackError(f"{NAME} must return two numbers, loss and total_norm.\n"
                            f"It returned a {type(loss).__name__} and a {type(total_norm).__name__}.") from None
    if set(params) != set(before):
        raise FeedbackError(f"{NAME} added or removed keys of params.\nUpdate the values of W_y and b_y only.")
    return loss, total_norm, before


def _check_update(params, before, grads, lr, max_norm, total, context) -> None:
    __tracebackhide__ = True
    scale = min(1.0, max_norm / total)
    want = {k: before[k] - lr * scale * grads[k] for k in grads}
    got = {k: np.asarray(params[k], dtype=float) for k in grads}
    if all(close(got[k], want[k]) for k in grads):
        return
    if all(close(got[k], before[k]) for k in grads):
        raise FeedbackError(f"{NAME} left params unchanged.\nFor {context}: update them in place, "
                            f"params[k] -= lr * clipped[k].")
    if all(close(got[k], before[k] + lr * scale * grads[k]) for k in grads):
        raise FeedbackError(f"{NAME} moved the parameters uphill.\nFor {context}: subtract lr times the "
                            f"clipped gradient, params[k] -= lr * clipped[k].")
    if scale < 1 and all(close(got[k], before[k] - lr * grads[k]) for k in grads):
        raise FeedbackError(
            f"{NAME} did not clip the gradients.\nTheir global norm is {total:.3g} > max_norm = {max_norm:.3g}, "
            f"so every gradient must be multiplied by max_norm / total_norm. (Here each gradient on its own "
            f"is below max_norm: clipping them one by one is not enough.)")
    per_array = {k: before[k] - lr * min(1.0, max_norm / np.linalg.norm(grads[k])) * grads[k] for k in grads}
    if scale < 1 and all(close(got[k], per_array[k]) for k in grads):
        raise FeedbackError(
            f"{NAME} clipped each gradient on its own.\nFor {context}: clip them together, with one factor "
            f"max_norm / total_norm where total_norm is the norm of all the gradients as one vector.")
    if scale == 1 and all(close(got[k], before[k] - lr * grads[k] * max_norm / total) for k in grads):
        raise FeedbackError(
            f"{NAME} rescaled gradients already within max_norm.\nTheir norm {total:.3g} is below "
            f"max_norm = {max_norm:.3g}: clip only when total_norm > max_norm.")
    raise FeedbackError(
        f"{NAME} updated params wrongly.\nFor {context}: expected params[k] - lr * clipped[k], the gradients "
        f"clipped together to a global norm of at most max_norm.")


def _check_loss(loss, want, B, after) -> None:
    __tracebackhide__ = True
    if np.isclose(loss, want, rtol=1e-6):
        return
    if np.isclose(loss, want * B, rtol=1e-6):
        raise FeedbackError(f"{NAME} returned the loss summed over the batch.\nIt is {loss:.6g}, the sum over "
                            f"the batch; the mean cross-entropy of the labels is {want:.6g}: take the mean.")
    if np.isclose(loss, after, rtol=1e-6):
        raise FeedbackError(f"{NAME} returned the loss after the update.\nIt is {loss:.6g}, the loss of the "
                            f"updated parameters; return the loss of the parameters you started from, "
                            f"{want:.6g}: compute it before the update.")
    raise FeedbackError(f"{NAME} returned a wrong loss.\nIt is {loss:.6g}; the mean cross-entropy of the "
                        f"labels is {want:.6g}: softmax of the logits, -log of the label's probability, "
                        f"averaged over the batch.")


def _uses_part2(forward, backward):
    """The learner's Part 2 functions, which train_step calls: blamed first when wrong."""
    __tracebackhide__ = True
    if forward is None:
        return None
    return (uses(forward, FORWARD, 2, check_classifier_forward),
            uses(backward, BACKWARD, 2, lambda fn, hidden: check_classifier_backward(forward, fn, hidden=hidden)))


def check_train_step(fn, hidden: bool = False, *, forward=None, backward=None) -> None:
    """The loss before the update, the norm before clipping, and the clipped update of W_y and b_y.

    ``forward`` and ``backward`` are the learner's ``classifier_forward`` and
    ``classifier_backward``: when ``fn`` runs one of them and it fails its own checks, the
    message says to fix Part 2 first.
    """
    __tracebackhide__ = True
    hs, mask, params, labels = _step_case(hidden)
    loss_want, grads = _reference(hs, mask, labels, params)
    norms = {k: float(np.linalg.norm(g)) for k, g in grads.items()}
    total = float(np.sqrt(sum(n**2 for n in norms.values())))
    # clipping active, yet every single gradient below max_norm: catches clipping array by array
    max_norm = 0.5 * (max(norms.values()) + total)
    lr = 0.1
    scale = min(1.0, max_norm / total)
    after, _ = _reference(hs, mask, labels, {k: params[k] - lr * scale * grads[k] for k in grads})
    used = _uses_part2(forward, backward)
    with builds_on(NAME, used, hidden):
        loss, total_norm, before = _run(fn, params, hs, mask, labels, lr, max_norm, used)
        _check_loss(loss, loss_want, hs.shape[1], after)
        if not np.isclose(total_norm, total, rtol=1e-6):
            raise FeedbackError(f"{NAME} returned a wrong total_norm.\nIt is {total_norm:.6g}; the norm of all "
                                f"the gradients before clipping is {total:.6g}: the square root of the sum of "
                                f"every squared entry of every gradient.")
        _check_update(params, before, grads, lr, max_norm, total, f"max_norm = {max_norm:.3g}")
        # clipping inactive: a plain gradient step
        params = copy.deepcopy(before)
        _, _, before = _run(fn, params, hs, mask, labels, lr, 10 * total, used)
        _check_update(params, before, grads, lr, 10 * total, total, f"max_norm = {10 * total:.3g}")
    passed(f"{NAME}: loss, gradient norm, and the update with the gradients clipped together", hidden)
