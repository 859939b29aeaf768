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
from .._core import (FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed,
                     require_result_shape, rng_for, unpack_pair)
from .._hints import product_hint
from .._watch import uses

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
    hint = lambda exc: product_hint(exc, {"W_y": ("h_bar", np.shape(params["W_y"]))}, hs.shape[1])  # noqa: E731
    result = call_learner(fn, FORWARD, {"hs": hs, "mask": mask, "params": params}, hint=hint)
    logits, cache = unpack_pair(result, FORWARD, "logits")
    return as_result_array(logits, FORWARD, "logits"), cache


def _diagnose_forward(got, hs, mask, params) -> tuple[str, str] | None:
    """Name the likely mistake behind wrong logits: (verdict, what to do), or None."""
    __tracebackhide__ = True
    W, b = params["W_y"], params["b_y"]
    m = mask[..., None].astype(float)
    lengths = mask.sum(axis=0)[:, None]
    candidates = (
        ((hs * m).sum(axis=0) / lengths @ W.T, "the bias b_y is missing.",
         "logits = h̄ @ W_y.T + b_y."),
        (hs.mean(axis=0) @ W.T + b, "the mean includes the padding.",
         "The mean runs over every step, padding included: weight each h_t by the mask and divide "
         "by each sequence's length."),
        ((hs * m).sum(axis=0) / hs.shape[0] @ W.T + b, "the masked sum is divided by T.",
         "It is divided by T, the padded length: divide by each sequence's own length, "
         "mask.sum(axis=0)."),
        ((hs * m).sum(axis=0) @ W.T + b, "the masked sum is not divided by the length.",
         "h̄ is a mean: divide the masked sum by each sequence's length, mask.sum(axis=0)."),
        (hs[-1] @ W.T + b, "the logits come from the last step, hs[-1].",
         "For a short sequence hs[-1] is padding: average hs over the real steps instead."),
    )
    for value, verdict, advice in candidates:
        if close(got, value):
            return verdict, advice
    return None


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
        if why is not None:
            raise FeedbackError(f"{FORWARD}: {why[0]}\n{why[1]} (That was for {context}.)")
        raise FeedbackError(
            f"{FORWARD} returned wrong logits.\nFor {context} they differ by up to {max_diff(got, want):.3g}. "
            f"Compute h̄ = sum_t m_t h_t / sum_t m_t, then h̄ @ W_y.T + b_y.")
    # padding must not matter: change what hs holds at padded steps
    junk = hs.copy()
    junk[~mask] += 100.0
    again, _ = _forward(fn, junk, mask, params)
    if not close(again, want):
        raise FeedbackError(f"{FORWARD}: the logits change with the padding.\nChanging hs at padded steps "
                            f"(mask False) changed them: padding must not count. Weight each h_t by the mask.")
    passed(f"{FORWARD}: logits of the masked mean, padding ignored", hidden)


def check_classifier_backward(forward, backward, hidden: bool = False) -> None:
    """``dhs`` zero at padding and ``1 / length`` times the pooled gradient elsewhere; grads of W_y, b_y.

    The cache comes from the learner's ``forward``: when it is wrong, the message says to fix
    it first.
    """
    __tracebackhide__ = True
    hs, mask, params = classifier_case(hidden, 72)
    rng = rng_for(hidden, 73)
    used = uses(forward, FORWARD, None, check_classifier_forward, relation="reads its cache")
    with builds_on(BACKWARD, used, hidden):
        used.called = True  # the check itself runs it: its cache is what backward reads
        _, cache = _forward(forward, hs, mask, params)
        dlogits = rng.normal(size=(hs.shape[1], params["W_y"].shape[0]))
        result = call_learner(backward, BACKWARD, {"dlogits": dlogits, "cache": cache}, may_modify=("cache",))
        dhs, grads = unpack_pair(result, BACKWARD, "dhs", "grads")
        dhs = as_result_array(dhs, BACKWARD, "dhs")
        context = f"hs {hs.shape}, dlogits {dlogits.shape}"
        require_result_shape(dhs, hs.shape, BACKWARD, "dhs", context)
        _check_backward(dhs, grads, hs, mask, params, dlogits, context)
    passed(f"{BACKWARD}: dhs (zero at padding) and the gradients of W_y and b_y", hidden)


def _check_backward(dhs, grads, hs, mask, params, dlogits, context) -> None:
    __tracebackhide__ = True
    if not isinstance(grads, dict):
        raise FeedbackError(f"{BACKWARD}: grads must be a dict keyed W_y and b_y.\n"
                            f"It is a {type(grads).__name__}.")
    missing = [k for k in ("W_y", "b_y") if k not in grads]
    if missing:
        raise FeedbackError(f"{BACKWARD}: grads is missing {missing[0]!r}.\n"
                            f"It must hold the gradients of W_y and b_y.")
    pooled, pool_cache = mean_pool_forward(hs, mask)
    _, out_cache = output_forward(pooled, params)
    dpooled, want = output_backward(dlogits, out_cache)
    want_dhs = mean_pool_backward(dpooled, pool_cache)
    if np.any(dhs[~mask] != 0):
        raise FeedbackError(f"{BACKWARD}: dhs is not zero at padded steps.\nPadding (mask False) did not "
                            f"count in the forward pass, so it gets no gradient: multiply by the mask.")
    for key in ("W_y", "b_y"):
        g = as_result_array(grads[key], BACKWARD, f'grads["{key}"]')
        require_result_shape(g, want[key].shape, BACKWARD, f'grads["{key}"]', context)
        if not close(g, want[key]):
            hint = ("It is dlogits.T @ h̄, summed over the batch, with h̄ the masked mean."
                    if key == "W_y" else "It is dlogits summed over the batch (axis 0).")
            raise FeedbackError(f'{BACKWARD} returned a wrong grads["{key}"].\n{hint} (That was for {context}.)')
    if not close(dhs, want_dhs):
        lengths = mask.sum(axis=0)[None, :, None]
        if close(dhs, mask[..., None] * dpooled[None]):
            verdict = "dhs lacks the mean's factor 1 / length."
            why = ("dhs is dh̄ = dlogits @ W_y at every real step: divide by each sequence's length "
                   "(the mean's 1 / length).")
        elif close(dhs, want_dhs * lengths / hs.shape[0]):
            verdict = "dhs is divided by T, the padded length."
            why = "Divide by each sequence's own length, mask.sum(axis=0), as the forward pass did."
        else:
            verdict = "dhs is wrong."
            why = ("dhs[k, b] should be mask[k, b] / length_b times dh̄[b], with dh̄ = dlogits @ W_y "
                   "and length_b = mask[:, b].sum().")
        raise FeedbackError(f"{BACKWARD}: {verdict}\n{why} (That was for {context}.)")
