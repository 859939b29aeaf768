"""Checks of the additive attention forward step (exercise ex08-attention, Part 2).

``attention_forward(s_prev, hs, params, mask) -> (context, alpha, cache)``: the scores
``e = v_a · tanh(W_a s_prev + U_a h_s)`` (S, B), their masked softmax over the source positions
``alpha`` (S, B), the context ``Σ_s alpha_s h_s`` (B, H), and the cache of the contract
(``CACHE_KEYS``) that ``attention_backward`` reads.
"""

from __future__ import annotations

import numpy as np

from .._caches import require_cell_cache
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack
from .._hints import product_hint
from .._watch import uses
from ._common import CACHE_KEYS, FORWARD, SOFTMAX, attention_case, forward_variant, private, reference_cache
from .softmax import check_masked_softmax_shapes, check_masked_softmax_values

#: Typical mistakes: (headline, what to do).
MISTAKES = {
    "no_tanh": ("the tanh of the scores is missing.",
                "e_s = v_a · tanh(W_a s_prev + U_a h_s): apply np.tanh before the product with v_a."),
    "no_v": ("the scores do not use v_a.",
             "Each score is one number, v_a · tanh(...): multiply by v_a, (S, B, A) @ v_a, not a plain sum."),
    "axis": ("the softmax runs over the batch axis.",
             "alpha is (S, B): normalise each column (one example) over the source positions, axis 0."),
    "no_mask": ("padding is not masked.",
                "Padded positions (mask False) got weight: leave them out of the softmax."),
    "after": ("the mask is applied after normalising.",
              "Zeroing padding after the softmax leaves the weights summing to less than 1."),
}


def _hint(params, batch: int):
    __tracebackhide__ = True
    products = {"W_a": ("s_prev", np.shape(params["W_a"])), "U_a": ("hs", np.shape(params["U_a"]))}
    return lambda exc: product_hint(exc, products, batch)


def _context_shape(got: np.ndarray, S: int, B: int, H: int, context: str) -> None:
    """Name the sums over the wrong axis before the generic shape message."""
    __tracebackhide__ = True
    wrong = {(S, H): "over the batch axis", (S, B): "over the units of h_s", (H,): "over the batch too",
             (S, B, H): "over nothing"}
    if got.shape in wrong and got.shape != (B, H):
        raise FeedbackError(
            f"{FORWARD}: the context is summed {wrong[got.shape]}.\n"
            f"It is {got.shape} for {context}; c = Σ_s alpha_s h_s sums over the source positions only "
            f"(axis 0 of alpha[..., None] * hs), giving one vector per example, ({B}, {H}).")
    require_result_shape(got, (B, H), FORWARD, "the context", context)


def _run(fn, s_prev, hs, params, mask, used=None):
    """Call the learner's forward; (context, alpha, cache) with the shapes checked."""
    __tracebackhide__ = True
    S, B, H = hs.shape
    context = f"hs {hs.shape}, s_prev {s_prev.shape}, W_a {np.shape(params['W_a'])}, U_a {np.shape(params['U_a'])}"
    result = call_learner(fn, FORWARD, {"s_prev": s_prev, "hs": hs, "params": params, "mask": mask},
                          any_package_code=True, hint=_hint(params, B), used=used)
    c, alpha, cache = unpack(result, FORWARD, ("context", "alpha", "cache"), count="three")
    alpha = as_result_array(alpha, FORWARD, "alpha")
    require_result_shape(alpha, (S, B), FORWARD, "alpha", context)
    c = as_result_array(c, FORWARD, "the context")
    _context_shape(c, S, B, H, context)
    return c, alpha, cache, context


def _uses_softmax(softmax):
    __tracebackhide__ = True
    return uses(softmax, SOFTMAX, 1, check_masked_softmax_shapes, check_masked_softmax_values)


def check_attention_forward_shapes(fn, masked_softmax=None, hidden: bool = False) -> None:
    """context (B, H), alpha (S, B) and a cache with the contract's keys and shapes."""
    __tracebackhide__ = True
    _, s_prev, hs, params, mask = attention_case(hidden, 83)
    want_cache = reference_cache(*private(s_prev, hs, params, mask))
    used = _uses_softmax(masked_softmax)
    with builds_on(FORWARD, used, hidden):
        _, _, cache, context = _run(fn, s_prev, hs, params, mask, used)
        require_cell_cache(cache, want_cache, "attention", FORWARD, context, values=False)
    passed(f"{FORWARD}: context (B, H), alpha (S, B), and the cache's {len(CACHE_KEYS)} keys", hidden)


def _diagnose(c, alpha, inputs, want, context: str) -> None:
    __tracebackhide__ = True
    want_c, want_alpha = want
    if close(alpha, want_alpha) and close(c, want_c):
        return
    for m, (head, detail) in MISTAKES.items():
        alt_c, alt_alpha = forward_variant(*inputs, m)
        if close(alpha, alt_alpha):
            raise FeedbackError(f"{FORWARD}: {head}\n{detail} (Found with {context}.)")
    if not close(alpha, want_alpha):
        raise FeedbackError(
            f"{FORWARD} returned wrong weights alpha.\nWith {context} they differ by up to "
            f"{max_diff(alpha, want_alpha):.3g}: e_s = v_a · tanh(W_a s_prev + U_a h_s), then the masked "
            f"softmax over the source positions.")
    raise FeedbackError(
        f"{FORWARD}: alpha is right but the context is wrong.\nWith {context} it differs by up to "
        f"{max_diff(c, want_c):.3g}: c = Σ_s alpha_s h_s, (alpha[..., None] * hs).sum(axis=0).")


def check_attention_forward_values(fn, masked_softmax=None, hidden: bool = False) -> None:
    """The weights, the context and the cache's values; padding must not matter."""
    __tracebackhide__ = True
    _, s_prev, hs, params, mask = attention_case(hidden, 84)
    inputs = private(s_prev, hs, params, mask)
    want = forward_variant(*inputs)
    want_cache = reference_cache(*private(*inputs))
    used = _uses_softmax(masked_softmax)
    with builds_on(FORWARD, used, hidden):
        c, alpha, cache, context = _run(fn, s_prev, hs, params, mask, used)
        _diagnose(c, alpha, inputs, want, context)
        require_cell_cache(cache, want_cache, "attention", FORWARD, context, values=True)
        junk = inputs[1].copy()
        junk[~inputs[3]] += 100.0
        again, again_alpha, _, _ = _run(fn, inputs[0].copy(), junk, private(inputs[2])[0], inputs[3].copy(), used)
        if not (close(again, want[0]) and close(again_alpha, want[1])):
            raise FeedbackError(
                f"{FORWARD}: the context changes with the padding.\nChanging hs at padded positions (mask "
                f"False) changed the result: padded positions must get weight 0.")
    passed(f"{FORWARD}: the right weights and context, padding ignored", hidden)
