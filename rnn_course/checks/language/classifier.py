"""Checks of the many-to-one classifier head (exercise ex06-language, Part 2).

``classifier_forward(hs, mask, params) -> (logits, cache)``: the mean of the hidden states
over the real steps of each sequence, ``h̄ = sum_t m_t h_t / sum_t m_t`` (B, H), then
``logits = h̄ W_y^T + b_y`` (B, C).
``classifier_backward(dlogits, cache) -> (dhs, grads)``: ``dhs`` (T, B, H), zero at
padding, and ``grads`` with ``W_y`` and ``b_y``.
"""

from __future__ import annotations

import numpy as np

from ...layers.output import output_backward, output_forward
from ...layers.pooling import mean_pool_backward, mean_pool_forward
from .._core import (FeedbackError, as_result_array, call_learner, close, max_diff, passed,
                     require_result_shape, rng_for, unpack_pair)

FORWARD, BACKWARD = "classifier_forward", "classifier_backward"


def classifier_case(hidden: bool, seed: int):
    """``hs`` (T, B, H), a ragged ``mask`` (T, B) and ``params`` with ``W_y`` (C, H), ``b_y`` (C,)."""
    __tracebackhide__ = True
    rng = rng_for(hidden, seed)
    if hidden:
        T, B = int(rng.integers(4, 8)), int(rng.integers(3, 6))
        H = int(rng.choice([h for h in range(3, 8) if h not in (T, B)]))
        C = int(rng.choice([c for c in range(2, 5) if c not in (H, B)]))
    else:
        T, B, H, C = 5, 3, 4, 2
    lengths = np.concatenate([[T], rng.integers(1, T, B - 1)])  # one full, the others padded
    mask = np.arange(T)[:, None] < lengths[None, :]
    hs = rng.normal(size=(T, B, H))
    hs[~mask] = rng.normal(3.0, 1.0, size=(int((~mask).sum()), H))  # padding holds junk
    params = {"W_y": rng.normal(size=(C, H)), "b_y": rng.normal(size=C)}
    return hs, mask, params


def reference_forward(hs, mask, params):
    __tracebackhide__ = True
    pooled, _ = mean_pool_forward(hs, mask)
    return output_forward(pooled, params)[0], pooled


def _forward(fn, hs, mask, params):
    __tracebackhide__ = True
    result = call_learner(fn, FORWARD, {"hs": hs, "mask": mask, "params": params})
    logits, cache = unpack_pair(result, FORWARD, "logits")
    return as_result_array(logits, FORWARD, "logits"), cache


def _diagnose_forward(got, hs, mask, params) -> str:
    """Name the likely mistake behind wrong logits."""
    __tracebackhide__ = True
    W, b = params["W_y"], params["b_y"]
    m = mask[..., None].astype(float)
    lengths = mask.sum(axis=0)[:, None]
    candidates = {
        "the mean runs over every step, padding included: weight each h_t by the mask": hs.mean(axis=0) @ W.T + b,
        "the masked states are summed but divided by T, the padded length: divide by each sequence's own "
        "length, mask.sum(axis=0)": (hs * m).sum(axis=0) / hs.shape[0] @ W.T + b,
        "the masked states are summed but not divided by the length": (hs * m).sum(axis=0) @ W.T + b,
        "this is the last step hs[-1], which for a short sequence is padding: average over the real steps":
            hs[-1] @ W.T + b,
        "the bias b_y is missing": (hs * m).sum(axis=0) / lengths @ W.T,
    }
    for message, value in candidates.items():
        if close(got, value):
            return message
    return ""


def check_classifier_forward(fn, hidden: bool = False) -> None:
    """Logits of the masked mean of the hidden states; padding must not matter."""
    __tracebackhide__ = True
    hs, mask, params = classifier_case(hidden, 71)
    got, _ = _forward(fn, hs, mask, params)
    want, _ = reference_forward(hs, mask, params)
    context = f"hs {hs.shape}, mask {mask.shape}, W_y {params['W_y'].shape}"
    require_result_shape(got, want.shape, FORWARD, "logits", context)
    if not close(got, want):
        why = _diagnose_forward(got, hs, mask, params)
        raise FeedbackError(
            f"{FORWARD} returned wrong logits for {context} (largest difference {max_diff(got, want):.3g})"
            + (f": {why}." if why else ". Compute h̄ = sum_t m_t h_t / sum_t m_t, then h̄ @ W_y.T + b_y."))
    # padding must not matter: change what hs holds at padded steps
    junk = hs.copy()
    junk[~mask] += 100.0
    again, _ = _forward(fn, junk, mask, params)
    if not close(again, want):
        raise FeedbackError(f"{FORWARD}: changing hs at padded steps (mask False) changed the logits; "
                            f"padding must not count")
    passed(f"{FORWARD}: logits of the masked mean, padding ignored", hidden)


def check_classifier_backward(forward, backward, hidden: bool = False) -> None:
    """``dhs`` zero at padding and ``1 / length`` times the pooled gradient elsewhere; grads of W_y, b_y."""
    __tracebackhide__ = True
    hs, mask, params = classifier_case(hidden, 72)
    rng = rng_for(hidden, 73)
    _, cache = _forward(forward, hs, mask, params)
    dlogits = rng.normal(size=(hs.shape[1], params["W_y"].shape[0]))
    result = call_learner(backward, BACKWARD, {"dlogits": dlogits, "cache": cache}, may_modify=("cache",))
    dhs, grads = unpack_pair(result, BACKWARD, "dhs", "grads")
    dhs = as_result_array(dhs, BACKWARD, "dhs")
    context = f"hs {hs.shape}, dlogits {dlogits.shape}"
    require_result_shape(dhs, hs.shape, BACKWARD, "dhs", context)
    if not isinstance(grads, dict) or set(grads) < {"W_y", "b_y"}:
        raise FeedbackError(f"{BACKWARD} must return grads, a dict with the keys 'W_y' and 'b_y'")
    pooled, pool_cache = mean_pool_forward(hs, mask)
    _, out_cache = output_forward(pooled, params)
    dpooled, want = output_backward(dlogits, out_cache)
    want_dhs = mean_pool_backward(dpooled, pool_cache)
    if np.any(dhs[~mask] != 0):
        raise FeedbackError(f"{BACKWARD}: dhs is not zero at padded steps (mask False); padding did not "
                            f"count in the forward pass, so it gets no gradient: multiply by the mask")
    for key in ("W_y", "b_y"):
        g = as_result_array(grads[key], BACKWARD, f'grads["{key}"]')
        require_result_shape(g, want[key].shape, BACKWARD, f'grads["{key}"]', context)
        if not close(g, want[key]):
            hint = (" It should be dlogits.T @ h̄, summed over the batch, with h̄ the masked mean."
                    if key == "W_y" else " It should be dlogits summed over the batch (axis 0).")
            raise FeedbackError(f'{BACKWARD} returned a wrong grads["{key}"] for {context}.{hint}')
    if not close(dhs, want_dhs):
        lengths = mask.sum(axis=0)[None, :, None]
        if close(dhs, mask[..., None] * dpooled[None]):
            why = "dhs is dpooled at every real step: divide by each sequence's length (the mean's 1 / length)"
        elif close(dhs, want_dhs * lengths / hs.shape[0]):
            why = "dhs is divided by T, the padded length: divide by each sequence's own length"
        else:
            why = "dhs[t, b] should be mask[t, b] / length_b times dpooled[b], with dpooled = dlogits @ W_y"
        raise FeedbackError(f"{BACKWARD} returned a wrong dhs for {context}: {why}")
    passed(f"{BACKWARD}: dhs (zero at padding) and the gradients of W_y and b_y", hidden)
