"""Feedback checks for the gradient norms through time (exercise ex03-gradients, Part 1).

The learner's function receives ``dh_last`` and the list of the T cell caches of
``rnn_course.rnn_cell_forward`` (the cache contract): ``cache[k]["h_t"]`` is the state after
reading ``X[k]`` and ``cache[k]["W_h"]`` the recurrent weights.
"""

from __future__ import annotations

import numpy as np

from ...layers.rnn import rnn_cell_forward
from ...layers.unroll import unroll
from .._core import FeedbackError, as_result_array, max_diff, passed, rng_for
from .._inputs import sizes, rnn_params
from ._common import _call, _close

NORMS = "gradient_norms_through_time"


def _norms(dh_last, cache, *, deriv: str = "h_t", transpose: bool = False, record: str = "dh"):
    """``norms[k] = ||dL/dhs[k]||`` for k = 0..T-1, and ``||dL/dh0||``; variants recognise mistakes."""
    __tracebackhide__ = True
    T = len(cache)
    out = np.empty((T, *np.shape(dh_last)[:-1]))
    dh = dh_last
    for k in range(T - 1, -1, -1):
        step = cache[k]
        W = step["W_h"].T if transpose else step["W_h"]
        factor = {"h_t": 1.0 - step["h_t"] ** 2, "none": 1.0, "h_prev": 1.0 - step["h_prev"] ** 2}[deriv]
        da = dh * factor
        out[k] = np.linalg.norm(da if record == "da" else dh, axis=-1)
        dh = da @ W
    return out, np.linalg.norm(dh, axis=-1)


def _norms_case(rng, T, B, D, H, batch: bool):
    __tracebackhide__ = True
    p = rnn_params(rng, D, H)
    lead = (B,) if batch else ()
    _, cache = unroll(rnn_cell_forward, rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H)), params=p)
    dh_last = rng.normal(size=(*lead, H))
    return dh_last, cache


STEP_BACK = "going back one step, dh_prev = (dh * (1 - cache[k]['h_t']**2)) @ cache[k]['W_h']"


def _run_norms(fn, dh_last, cache, context):
    __tracebackhide__ = True
    before = dh_last.copy()
    args = {"dh_last": dh_last, "cache": cache}
    result = _call(fn, NORMS, args, may_modify=("dh_last",))
    if not np.array_equal(dh_last, before):
        raise FeedbackError(
            f"{NORMS} changed its input dh_last in place.\n`dh = dh_last` does not copy: after it, "
            f"`dh *= ...` or `dh[...] = ...` changes dh_last too. Write `dh = dh * ...` (a new "
            f"array) or start from dh_last.copy()."
        )
    if isinstance(result, tuple):
        raise FeedbackError(
            f"{NORMS} must return only the norms.\nIt returned a tuple of {len(result)} values."
        )
    norms = as_result_array(result, NORMS, "norms")
    T, want = len(cache), (len(cache), *np.shape(dh_last)[:-1])
    H = np.shape(dh_last)[-1]
    if norms.shape != want:
        got = norms.shape
        if got[:1] == (T + 1,) and got[1:] == want[1:]:
            hint = "one value too many: one norm per state hs[0], ..., hs[T-1] (leave out h0)"
        elif got[:1] == (T - 1,) and got[1:] == want[1:]:
            hint = "one value short: norms[T-1] is the norm of dh_last itself"
        elif len(want) == 2 and got == want[:1]:
            hint = "one norm per example in the batch: np.linalg.norm(dh, axis=-1), not the whole (B, H) array"
        elif len(want) == 2 and got == want[::-1]:
            hint = "the axes are swapped: time comes first"
        elif got == (*want, H):
            hint = "these are the gradients themselves: return their norms, np.linalg.norm(dh, axis=-1)"
        else:
            hint = "one norm per time step (and per example of a batch)"
        raise FeedbackError(
            f"{NORMS} returned norms of the wrong shape.\nIt is {got} for {context}; expected {want}: {hint}."
        )
    return norms


def _fmt(x) -> str:
    __tracebackhide__ = True
    x = np.asarray(x)
    return f"{float(x):.6g}" if x.ndim == 0 else np.array2string(x, precision=4)


def _diagnose_norms(got, dh_last, cache) -> None:
    __tracebackhide__ = True
    want, _ = _norms(dh_last, cache)
    if _close(got, want):
        return
    T = want.shape[0]
    last = np.linalg.norm(dh_last, axis=-1)
    if T > 1 and _close(got, want[::-1]):
        raise FeedbackError(
            f"{NORMS}: the norms are in reverse order.\nnorms[k] is the norm of dL/dhs[k], so norms[T-1] "
            f"is ||dh_last|| and norms[0] belongs to the first step: fill the array from the end, or "
            f"reverse the list you appended to while going back in time."
        )
    if T > 1 and (_close(got[1:], want[:-1]) or _close(got[:-1], want[1:])):
        raise FeedbackError(
            f"{NORMS}: the norms are shifted by one step.\nnorms[T-1] is ||dh_last|| itself: record the "
            f"norm of dh for step k first, then step back ({STEP_BACK})."
        )
    if _close(got, want**2):
        raise FeedbackError(f"{NORMS}: these are squared norms.\nTake the square root (np.linalg.norm).")
    variants = (
        (dict(deriv="none"), "the derivative of tanh is missing.\nGoing back one step, multiply dh by "
                             "(1 - cache[k]['h_t']**2) before the product with W_h."),
        (dict(deriv="h_prev"), "tanh′ must use h_t, not h_prev.\nStepping back "
                               "through step k, the derivative is 1 - cache[k]['h_t']**2."),
        (dict(transpose=True), "W_h is transposed.\nWith vectors as rows, dh_prev = da @ W_h (not W_h.T)."),
        (dict(record="da"), "the norms are of da, not of dh.\nIt records the norm of dh * (1 - h_t**2); record "
                            "the norm of dh itself."),
    )
    for kwargs, message in variants:
        variant, _ = _norms(dh_last, cache, **kwargs)
        if _close(got, variant):
            raise FeedbackError(f"{NORMS}: {message}")
    if not _close(got[-1], last):
        raise FeedbackError(
            f"{NORMS}: norms[T-1] must be ||dh_last||.\nIt is {_fmt(got[-1])} but should be "
            f"||dh_last|| = {_fmt(last)}: the loss sits at the last step, so the gradient there is "
            f"dh_last itself."
        )
    bad = int(max(k for k in range(T) if not _close(got[k], want[k])))
    raise FeedbackError(
        f"{NORMS}: norms[{bad}] is wrong.\nThe steps after it are right; it is off by up to "
        f"{max_diff(got[bad], want[bad]):.3g}. {STEP_BACK[0].upper()}{STEP_BACK[1:]}."
    )


def check_gradient_norms_shapes(fn, *, hidden: bool = False) -> None:
    """One norm per step: (T,) for a sequence, (T, B) for a batch of sequences."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 31)
    T, B, D, H = sizes(rng, hidden)
    for batch, context in ((False, f"a sequence of {T} steps"), (True, f"a batch of {B} sequences of {T} steps")):
        dh_last, cache = _norms_case(rng, T, B, D, H, batch)
        _run_norms(fn, dh_last, cache, context)
    passed(f"{NORMS} returns one norm per time step, (T,) and (T, B)", hidden)


def check_gradient_norms_values(fn, *, hidden: bool = False) -> None:
    """Values for one step, a sequence and a batch of sequences."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 32)
    T, B, D, H = sizes(rng, hidden)
    cases = ((T, False, f"a sequence of {T} steps"), (T, True, f"a batch of {B} sequences of {T} steps"),
             (1, False, "a sequence of one step"))
    for steps, batch, context in cases:
        dh_last, cache = _norms_case(rng, steps, B, D, H, batch)
        got = _run_norms(fn, dh_last, cache, context)
        _diagnose_norms(got, dh_last, cache)
    passed(f"{NORMS} backpropagates dh through the recurrence and returns ||dL/dhs[k]|| for every step", hidden)
