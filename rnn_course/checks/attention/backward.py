"""Checks of the attention backward step (exercise ex08-attention, Part 3).

``attention_backward(dcontext, cache) -> (ds_prev, dhs, grads)``. The checks hand the learner
the cache of the reference forward (the contract's keys, ``CACHE_KEYS``), so this part is
graded on its own, and compare a wrong answer with the typical mistakes (``MISTAKES``).
Two graded cells: the gradients that flow on (``ds_prev``, ``dhs``) and those of the
parameters (``W_a``, ``U_a``, ``v_a``).
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack_triple
from ._common import BACKWARD, PARAMS, attention_case, backward_variant, private, reference_backward
from ._common import reference_cache

#: Typical mistakes: (headline, what to do).
MISTAKES = {
    "no_tanh": ("the derivative of tanh is missing.",
                "u = tanh(W_a s_prev + U_a h_s), so the gradient of what is inside the tanh is "
                "de[..., None] * v_a * (1 - u**2)."),
    "softmax_no_sum": ("the softmax's backward misses its second term.",
                       "Every weight depends on every score: de_s = alpha_s (dalpha_s − Σ_s' alpha_s' dalpha_s'), "
                       "the sum over the source positions (axis 0)."),
    "softmax_none": ("the backward pass skips the softmax.",
                     "de is not dalpha: de_s = alpha_s (dalpha_s − Σ_s' alpha_s' dalpha_s')."),
    "no_alpha_path": ("dhs misses the path through the context.",
                      "c = Σ_s alpha_s h_s, so each h_s also gets alpha_s * dcontext: "
                      "alpha[..., None] * dcontext."),
    "no_keys_path": ("dhs misses the path through the scores.",
                     "Each h_s is also read by its score through U_a: add da @ U_a, where da is the "
                     "gradient of W_a s_prev + U_a h_s."),
}
OUTPUTS = ("ds_prev", "dhs")


def _case(hidden: bool, seed: int):
    """The learner's arguments, and the expected outputs computed from private copies."""
    __tracebackhide__ = True
    rng, s_prev, hs, params, mask = attention_case(hidden, seed)
    cache = reference_cache(s_prev, hs, params, mask)
    dcontext = rng.normal(size=(hs.shape[1], hs.shape[2]))
    mine_dcontext, mine_cache = private(dcontext, cache)
    want = reference_backward(*private(dcontext, s_prev, hs, params, mask))
    context = f"hs {hs.shape}, s_prev {s_prev.shape}, W_a {params['W_a'].shape}, U_a {params['U_a'].shape}"
    return (dcontext, cache), (mine_dcontext, mine_cache), want, context


def _run(fn, dcontext, cache, want, context) -> dict[str, np.ndarray]:
    """Call the learner's backward; its outputs by name, checked for type and shape."""
    __tracebackhide__ = True
    result = call_learner(fn, BACKWARD, {"dcontext": dcontext, "cache": cache}, any_package_code=True)
    ds_prev, dhs, grads = unpack_triple(result, BACKWARD, *OUTPUTS)
    got = {"ds_prev": as_result_array(ds_prev, BACKWARD, "ds_prev"), "dhs": as_result_array(dhs, BACKWARD, "dhs")}
    S, B, Q = *want["dhs"].shape[:2], want["ds_prev"].shape[-1]
    if got["ds_prev"].shape == (S, B, Q):
        raise FeedbackError(
            f"{BACKWARD}: ds_prev is not summed over the source positions.\n"
            f"It is {got['ds_prev'].shape}: W_a s_prev is added at every position, so its gradient is the sum over "
            f"axis 0 of da (then @ W_a), ({B}, {Q}).")
    for k in OUTPUTS:
        require_result_shape(got[k], want[k].shape, BACKWARD, k, context)
    missing = [k for k in PARAMS if k not in grads]
    if missing:
        raise FeedbackError(f"{BACKWARD}: grads is missing {missing[0]!r}.\nIt must hold the gradients of "
                            f"{', '.join(PARAMS)}.")
    for k in PARAMS:
        g = as_result_array(grads[k], BACKWARD, f'grads["{k}"]')
        if g.ndim == want[k].ndim + 1 and g.shape[1:] == want[k].shape:
            raise FeedbackError(f'{BACKWARD}: grads["{k}"] is not summed over the batch.\nIt is {g.shape}: '
                                f"add up the examples' contributions, to shape {want[k].shape}.")
        require_result_shape(g, want[k].shape, BACKWARD, f'grads["{k}"]', context)
        got[k] = g
    return got


def _diagnose(got, want, mine, keys, context: str) -> None:
    """Name the mistake behind the outputs ``keys`` of ``got`` that differ from ``want``."""
    __tracebackhide__ = True
    wrong = [k for k in keys if not close(got[k], want[k])]
    if not wrong:
        return
    for m, (head, detail) in MISTAKES.items():
        alt = backward_variant(*mine, m)
        changed = [k for k in keys if not close(alt[k], want[k])]
        if changed and all(close(got[k], alt[k]) for k in changed):
            raise FeedbackError(f"{BACKWARD}: {head}\n{detail} (Found with {context}.)")
    B = want["dhs"].shape[1]
    if all(close(got[k] * B, want[k]) for k in wrong if k in PARAMS) and wrong[0] in PARAMS:
        raise FeedbackError(f"{BACKWARD}: the gradients are averaged over the batch.\nSum them instead.")
    mask = mine[1]["mask"]
    if "dhs" in wrong and np.any(got["dhs"][~mask] != 0) and close(got["dhs"][mask], want["dhs"][mask]):
        raise FeedbackError(f"{BACKWARD}: dhs is not zero at padding.\nPadded positions have weight 0, so "
                            f"nothing flows back to them.")
    k = wrong[0]
    what = k if k in OUTPUTS else f'grads["{k}"]'
    how = {"ds_prev": "da summed over the positions, @ W_a", "dhs": "alpha * dcontext + da @ U_a",
           "W_a": "(da summed over the positions).T @ s_prev", "U_a": "da.T @ h_s, summed over s and b",
           "v_a": "de times u, summed over s and b"}[k]
    raise FeedbackError(f"{BACKWARD}: {what} is wrong.\nWith {context} it differs by up to "
                        f"{max_diff(got[k], want[k]):.3g}; it is {how}.")


def _check(fn, hidden: bool, seed: int, keys: tuple[str, ...], what: str) -> None:
    __tracebackhide__ = True
    args, mine, want, context = _case(hidden, seed)
    got = _run(fn, *args, want, context)
    _diagnose(got, want, mine, keys, context)
    passed(f"{BACKWARD}: the right {what}", hidden)


def check_attention_backward_inputs(fn, hidden: bool = False) -> None:
    """ds_prev and dhs, the gradients that flow on to the decoder and the encoder."""
    __tracebackhide__ = True
    _check(fn, hidden, 85, OUTPUTS, "ds_prev and dhs")


def check_attention_backward_params(fn, hidden: bool = False) -> None:
    """The gradients of W_a, U_a and v_a, summed over the positions and the batch."""
    __tracebackhide__ = True
    _check(fn, hidden, 86, PARAMS, "gradients of W_a, U_a and v_a")
