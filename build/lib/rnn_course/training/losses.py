"""Losses, each returning ``(loss, gradient)`` so the backward pass can start from it.

The total loss of a sequence is the sum of the per-step losses, ``L = sum_t L_t``, and
``reduction="sum"`` (the default) computes exactly that, over time and batch.
``reduction="mean"`` divides by the number of positions that count, which keeps the size
of the gradient independent of the sequence length and batch size.

Shapes: any leading (time and batch) axes, written ``...``; C classes.

Book: chapter 2, the loss over time (and every training run after it).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, one_of, require_shape

REDUCTIONS = ("sum", "mean")


def _as_class_indices(name: str, value) -> np.ndarray:
    """Return ``value`` as an integer array, or raise ``TypeError`` naming it."""
    array = np.asarray(value)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class indices, got dtype {array.dtype}")
    return array


def _as_mask(mask, shape: tuple[int, ...]) -> np.ndarray:
    """Return a boolean mask of ``shape``; 0/1 numbers are accepted, nothing else."""
    if mask is None:
        return np.ones(shape, dtype=bool)
    if type(mask) is np.ndarray and mask.dtype == bool and mask.shape == shape:
        return mask
    mask = as_float_array("mask", mask)  # booleans become 0.0 / 1.0
    require_shape("mask", mask, shape, like="targets")
    bad = (mask != 0) & (mask != 1)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"mask has value {mask[index]} at index {index}: expected booleans or 0/1")
    return mask == 1


def softmax_cross_entropy(logits, targets, mask=None, reduction="sum"):
    """Cross-entropy of ``softmax(logits)`` against integer class targets.

    ``L_t = -log o_t[y_t]`` with ``o_t = softmax(logits_t)``, computed with log-sum-exp so
    large logits never overflow.

    Parameters
    ----------
    logits : (..., C) unnormalised scores, e.g. (T, B, C) from ``output_forward``.
    targets : (...) integers in ``0 .. C-1``; ``targets[t, b]`` is the class at that position.
    mask : optional (...) booleans or 0/1, False/0 at padding. Padded positions add nothing
        to the loss, get a zero gradient, and may hold any integer target (such as -1).
    reduction : ``"sum"`` (the total loss, summed over every position) or ``"mean"``
        (divided by the number of unmasked positions; 0 when there are none).

    Returns
    -------
    loss : float.
    dlogits : (..., C) gradient of ``loss`` with respect to ``logits``: ``o - onehot(y)``
        at unmasked positions (divided by their number for ``"mean"``), 0 at padding.
    """
    logits = as_float_array("logits", logits)
    if logits.ndim < 1 or logits.shape[-1] < 1:
        raise ValueError(f"logits has shape {logits.shape}: expected (..., C) with at least one class")
    num_classes = logits.shape[-1]
    targets = _as_class_indices("targets", targets)
    require_shape(
        "targets", targets, logits.shape[:-1],
        like=f"logits {logits.shape} without its last (class) axis",
    )
    keep = _as_mask(mask, targets.shape)
    one_of("reduction", reduction, REDUCTIONS)
    out_of_range = keep & ((targets < 0) | (targets >= num_classes))
    if out_of_range.any():
        index = tuple(int(i) for i in np.argwhere(out_of_range)[0])
        raise ValueError(
            f"targets has value {targets[index]} at index {index} but logits has {num_classes} "
            f"classes: expected 0 <= targets < {num_classes}"
        )

    # One row per position: (N, C) logits, (N,) targets; padding may hold anything, read class 0.
    z = logits.reshape(-1, num_classes)
    rows, y, keep_flat = np.arange(z.shape[0]), np.where(keep, targets, 0).ravel(), keep.ravel()
    with np.errstate(over="ignore"):  # -inf only where the logit is ~1e308 below the max: o = 0
        shifted = z - z.max(axis=-1, keepdims=True)  # largest logit is 0: exp cannot overflow
    dlogits = np.exp(shifted)
    sums = dlogits.sum(axis=-1, keepdims=True)
    # L = -log o[y] = log Σ exp(shifted) − shifted[y], summed over the positions that count
    loss = float(np.sum((np.log(sums[:, 0]) - shifted[rows, y])[keep_flat]))
    dlogits /= sums  # o = softmax(logits)
    dlogits[rows, y] -= 1.0
    dlogits *= keep_flat[:, None]  # padding: zero gradient
    dlogits = dlogits.reshape(logits.shape)
    count = int(keep_flat.sum())
    if reduction == "mean" and count > 0:
        loss /= count
        dlogits /= count
    return loss, dlogits


def mse_loss(pred, target, reduction="sum"):
    """Squared error ``sum (pred - target)^2``, for regression (the adding problem, time series).

    Parameters
    ----------
    pred : (...) predictions, any shape.
    target : (...) the values to predict, exactly the shape of ``pred`` (never broadcast).
    reduction : ``"sum"`` over every element, or ``"mean"`` (divided by the number of
        elements, as ``torch.nn.functional.mse_loss`` does; 0 for an empty array).

    Returns
    -------
    loss : float.
    dpred : like ``pred``, ``2 (pred - target)`` (divided by the element count for ``"mean"``).
    """
    pred = as_float_array("pred", pred)
    target = as_float_array("target", target)
    require_shape("target", target, pred.shape, like="pred")
    one_of("reduction", reduction, REDUCTIONS)

    diff = pred - target
    loss = float(np.sum(diff**2))
    dpred = 2.0 * diff
    if reduction == "mean" and diff.size > 0:
        loss /= diff.size
        dpred /= diff.size
    return loss, dpred
