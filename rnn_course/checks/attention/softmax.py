"""Checks of the masked softmax over the source positions (exercise ex08-attention, Part 1).

``masked_softmax(e, mask) -> alpha``: ``e`` and ``mask`` are (S, B), one column per example;
``alpha[s, b] = m_sb exp(e_sb) / Σ_s' m_s'b exp(e_s'b)``: each column sums to 1 over the
source positions (axis 0) and padding (mask False) gets exactly 0.
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from .._core import require_result_shape
from ._common import SOFTMAX, private, scores_case, softmax_variant

#: Typical mistakes: (headline, what to do).
MISTAKES = {
    "axis": ("the softmax runs over the batch axis.",
             "alpha is (S, B): each column (one example) must sum to 1 over the source positions, "
             "so normalise over axis 0, not axis 1 or -1."),
    "max_axis": ("the largest score is taken over the batch axis.",
                 "Subtracting a constant leaves a softmax unchanged only if it is the same for the whole "
                 "column: subtract each column's largest real score, z.max(axis=0, keepdims=True)."),
    "no_mask": ("padding is not masked.",
                "Padded positions (mask False) got weight: leave them out of the softmax, for example "
                "with np.where(mask, e, -np.inf) before exp."),
    "after": ("the mask is applied after normalising.",
              "Zeroing padding after the softmax leaves the real weights summing to less than 1: "
              "leave padding out before dividing by the sum."),
}


def _run(fn, e, mask, context: str) -> np.ndarray:
    __tracebackhide__ = True
    got = call_learner(fn, SOFTMAX, {"e": e, "mask": mask}, any_package_code=True)
    got = as_result_array(got, SOFTMAX, "alpha")
    require_result_shape(got, e.shape, SOFTMAX, "alpha", context)
    return got


def _by_rows(got) -> None:
    """Rows (one source position across the batch) that sum to 1: normalised over the batch axis."""
    __tracebackhide__ = True
    rows = got.sum(axis=1)
    if close(rows, np.ones_like(rows)):
        head, detail = MISTAKES["axis"]
        raise FeedbackError(f"{SOFTMAX}: {head}\n{detail}")


def _diagnose(got, want, e, mask, context: str) -> None:
    __tracebackhide__ = True
    if close(got, want):
        return
    for m, (head, detail) in MISTAKES.items():
        if close(got, softmax_variant(e, mask, m)):
            raise FeedbackError(f"{SOFTMAX}: {head}\n{detail} (Found with {context}.)")
    if np.any(got[~mask] != 0):
        raise FeedbackError(f"{SOFTMAX}: padding gets weight.\nalpha must be exactly 0 where mask is False "
                            f"(found with {context}).")
    _by_rows(got)
    sums = got.sum(axis=0)
    if not close(sums, np.ones_like(sums)):
        raise FeedbackError(f"{SOFTMAX}: a column does not sum to 1.\nEach column of alpha (one example) "
                            f"must sum to 1 over its real positions; one sums to {sums[np.argmax(abs(sums - 1))]:.4g} "
                            f"(with {context}).")
    raise FeedbackError(f"{SOFTMAX} returned wrong weights.\nWith {context} they differ by up to "
                        f"{max_diff(got, want):.3g}: alpha = exp(e) / (sum of exp(e) over the real positions).")


def check_masked_softmax_shapes(fn, hidden: bool = False) -> None:
    """alpha has the shape of the scores, each column sums to 1, and padding gets 0."""
    __tracebackhide__ = True
    e, mask = scores_case(hidden, 81)
    mine_e, mine_mask = private(e, mask)
    context = f"scores e {e.shape} and a mask with padding"
    got = _run(fn, e, mask, context)
    for m in ("axis", "no_mask", "after"):  # (max_axis sums to 1: the values check finds it)
        head, detail = MISTAKES[m]
        if close(got, softmax_variant(mine_e, mine_mask, m)):
            raise FeedbackError(f"{SOFTMAX}: {head}\n{detail}")
    if np.any(got[~mine_mask] != 0):
        raise FeedbackError(f"{SOFTMAX}: padding gets weight.\nalpha must be exactly 0 where mask is False.")
    _by_rows(got)
    if not close(got.sum(axis=0), np.ones(e.shape[1])):
        raise FeedbackError(f"{SOFTMAX}: the columns do not sum to 1.\nEach column of alpha (one example) "
                            f"must sum to 1 over the source positions, axis 0.")
    passed(f"{SOFTMAX}: alpha is (S, B), each column sums to 1, padding gets 0", hidden)


def check_masked_softmax_values(fn, hidden: bool = False) -> None:
    """The weights themselves, for ordinary, very large and very negative scores."""
    __tracebackhide__ = True
    e, mask = scores_case(hidden, 82)
    mine_e, mine_mask = private(e, mask)
    want = softmax_variant(mine_e, mine_mask)
    _diagnose(_run(fn, e, mask, "ordinary scores"), want, mine_e, mine_mask, "ordinary scores")
    for shift, what in ((800.0, "scores near 800"), (-800.0, "scores near -800")):
        with np.errstate(all="ignore"):
            got = call_learner(fn, SOFTMAX, {"e": mine_e + shift, "mask": mine_mask.copy()}, any_package_code=True)
            array = np.asarray(got, dtype=np.float64) if isinstance(got, np.ndarray) else got
        if isinstance(array, np.ndarray) and array.shape == e.shape and not np.all(np.isfinite(array)):
            raise FeedbackError(
                f"{SOFTMAX}: exp overflows or underflows with {what}.\n"
                f"np.exp({shift:.0f}) is {'inf' if shift > 0 else '0'}, and the division gives NaN. The softmax "
                f"does not change when a constant is subtracted: subtract each column's largest real score first.")
        array = as_result_array(array, SOFTMAX, "alpha")
        require_result_shape(array, e.shape, SOFTMAX, "alpha", what)
        _diagnose(array, want, mine_e, mine_mask, what)
    passed(f"{SOFTMAX}: the right weights, also for very large and very negative scores", hidden)
