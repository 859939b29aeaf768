"""Feedback checks for gradient norms through time and gradient clipping (exercise ex03-gradients).

The learner writes three functions:

- ``gradient_norms_through_time(dh_last, cache)``: the norms ``||dL/dh_t||`` for every step
  when the loss depends on the last state only, from a cache of ``rnn_course.rnn_forward``;
- ``clip_grad_value(grads, clip_value)``: a new dict, every entry clipped into ``[-c, c]``;
- ``clip_grad_norm(grads, max_norm)``: ``(clipped, total_norm)``, every array scaled by
  ``max_norm / total_norm`` when the global norm exceeds ``max_norm``, unchanged otherwise.

Neither clipping function may touch the dict or the arrays it is given, and both return a
new dict of new arrays. The clipping functions share their names with the reference
implementations in ``rnn_course.optim``, so delegating to them is caught by ``call_learner``;
on top of that every check here flags a call into *any* module of the ``rnn_course``
package (for example a plotting helper that computes gradient norms), since the point of
the exercise is to write the computation.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np

from ..layers.rnn import rnn_forward
from ._core import FeedbackError, as_result_array, call_learner, max_diff, passed, rng_for
from .rnn import _params, _sizes

NORMS = "gradient_norms_through_time"
VALUE = "clip_grad_value"
NORM = "clip_grad_norm"

#: Clipping by norm may follow PyTorch and divide by ``total_norm + 1e-6``: a relative
#: difference of about 1e-6 / total_norm, well inside this tolerance.
RTOL, ATOL = 1e-5, 1e-8


def _close(a, b) -> bool:
    __tracebackhide__ = True
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


# --------------------------------------------------------------------------- calling


@functools.cache
def _package_files() -> frozenset[str]:
    """Every source file of rnn_course except the checks themselves."""
    __tracebackhide__ = True
    files = set()
    for root in {Path(__file__).parents[1], Path(__file__).resolve().parents[1]}:
        checks = root / "checks"
        files.update(str(p) for p in root.rglob("*.py") if checks not in p.parents)
    return frozenset(files)


def _call(fn, name: str, args: dict, *, may_modify: tuple[str, ...] = ()):
    """``call_learner``, plus: flag calls into any rnn_course module, not only the reference ones."""
    __tracebackhide__ = True
    if not callable(fn):
        return call_learner(fn, name, args)  # says that it is not a function
    files = _package_files()
    calls: list[str] = []

    @functools.wraps(fn)
    def watched(*a):
        __tracebackhide__ = True
        outer = sys.getprofile()  # call_learner's watcher of the reference modules: keep it

        def profiler(frame, event, arg):
            if event == "call" and frame.f_code.co_filename in files:
                calls.append(frame.f_code.co_name)
            if outer is not None:
                outer(frame, event, arg)

        sys.setprofile(profiler)
        try:
            return fn(*a)
        finally:
            sys.setprofile(outer)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = call_learner(watched, name, args, may_modify=may_modify)
    if calls:
        raise FeedbackError(
            f"{name} calls code from rnn_course ({calls[0]}), which works like the course's "
            f"reference implementation. Write the computation yourself with NumPy: delegating "
            f"earns no points."
        )
    return result


# --------------------------------------------------------------------------- gradient norms


def _norms(dh_last, cache, *, deriv: str = "h_t", transpose: bool = False, record: str = "dh"):
    """The norms ``||dL/dh_t||``, t = 0..T-1, and ``||dL/dh0||``; variants recognise mistakes."""
    __tracebackhide__ = True
    hs, h0, W_h = cache["hs"], cache["h0"], cache["W_h"]
    W = W_h.T if transpose else W_h
    T = hs.shape[0]
    out = np.empty(hs.shape[:-1])
    dh = dh_last
    for t in range(T - 1, -1, -1):
        h_prev = h0 if t == 0 else hs[t - 1]
        factor = {"h_t": 1.0 - hs[t] ** 2, "none": 1.0, "h_prev": 1.0 - h_prev**2}[deriv]
        da = dh * factor
        out[t] = np.linalg.norm(da if record == "da" else dh, axis=-1)
        dh = da @ W
    return out, np.linalg.norm(dh, axis=-1)


def _norms_case(rng, T, B, D, H, batch: bool):
    __tracebackhide__ = True
    p = _params(rng, D, H)
    lead = (B,) if batch else ()
    _, cache = rnn_forward(rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H)), p)
    dh_last = rng.normal(size=(*lead, H))
    return dh_last, cache


def _run_norms(fn, dh_last, cache, context):
    __tracebackhide__ = True
    before = dh_last.copy()
    args = {"dh_last": dh_last, "cache": cache}
    result = _call(fn, NORMS, args, may_modify=("dh_last",))
    if not np.array_equal(dh_last, before):
        raise FeedbackError(
            f"{NORMS} changed its input dh_last in place. `dh = dh_last` does not copy: after it, "
            f"`dh *= ...` or `dh[...] = ...` changes dh_last too. Write `dh = dh * ...` (a new "
            f"array) or start from dh_last.copy()."
        )
    if isinstance(result, tuple):
        raise FeedbackError(
            f"{NORMS} returned a tuple of {len(result)} values; return only the array of norms"
        )
    norms = as_result_array(result, NORMS, "norms")
    hs = cache["hs"]
    T, want = hs.shape[0], hs.shape[:-1]
    if norms.shape != want:
        got = norms.shape
        if got[:1] == (T + 1,) and got[1:] == want[1:]:
            hint = "one value too many: one norm per state hs[0..T-1] (leave out h0)"
        elif got[:1] == (T - 1,) and got[1:] == want[1:]:
            hint = "one value short: norms[T-1] is the norm of dh_last itself"
        elif len(want) == 2 and got == want[:1]:
            hint = "one norm per example in the batch: np.linalg.norm(dh, axis=-1), not the whole (B, H) array"
        elif len(want) == 2 and got == want[::-1]:
            hint = "the axes are swapped: time comes first"
        elif got == (*want, hs.shape[-1]) or got == hs.shape:
            hint = "these are the gradients themselves: return their norms, np.linalg.norm(dh, axis=-1)"
        else:
            hint = "one norm per time step (and per example of a batch)"
        raise FeedbackError(
            f"{NORMS} returned norms of shape {got} for {context}; expected {want}: {hint}"
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
            f"{NORMS}: the norms are in reverse order. norms[t] is ||dL/dh_t||, so norms[T-1] is "
            f"||dh_last|| and norms[0] is the first step: fill the array from the end, or reverse "
            f"the list you appended to while going back in time"
        )
    if T > 1 and (_close(got[1:], want[:-1]) or _close(got[:-1], want[1:])):
        raise FeedbackError(
            f"{NORMS}: the norms are shifted by one step. norms[T-1] is ||dh_last|| itself; record "
            f"the norm of dh_t first, then step back to dh_(t-1) = (dh_t * (1 - h_t**2)) @ W_h"
        )
    if _close(got, want**2):
        raise FeedbackError(f"{NORMS}: these are squared norms: take the square root (np.linalg.norm)")
    variants = (
        (dict(deriv="none"), "the derivative of tanh is missing: going back one step, multiply by "
                             "(1 - h_t**2) before the product with W_h"),
        (dict(deriv="h_prev"), "the tanh derivative uses h_(t-1); stepping back from h_t it is "
                               "1 - h_t**2, with h_t = hs[t]"),
        (dict(transpose=True), "W_h is transposed: with vectors as rows, dh_(t-1) = da_t @ W_h "
                               "(not W_h.T)"),
        (dict(record="da"), "the recorded norm is that of dh_t * (1 - h_t**2); record the norm "
                            "of dh_t itself"),
    )
    for kwargs, message in variants:
        variant, _ = _norms(dh_last, cache, **kwargs)
        if _close(got, variant):
            raise FeedbackError(f"{NORMS}: {message}")
    if not _close(got[-1], last):
        raise FeedbackError(
            f"{NORMS}: norms[T-1] is {_fmt(got[-1])} but should be ||dh_last|| = {_fmt(last)}: "
            f"the loss sits at the last step, so the gradient there is dh_last itself"
        )
    bad = int(max(t for t in range(T) if not _close(got[t], want[t])))
    raise FeedbackError(
        f"{NORMS}: norms[{bad}] is wrong (off by up to {max_diff(got[bad], want[bad]):.3g}); the "
        f"steps after it are right. Going back: dh_(t-1) = (dh_t * (1 - hs[t]**2)) @ W_h"
    )


def check_gradient_norms_shapes(fn, *, hidden: bool = False) -> None:
    """One norm per step: (T,) for a sequence, (T, B) for a batch of sequences."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 31)
    T, B, D, H = _sizes(rng, hidden)
    for batch, context in ((False, f"a sequence of {T} steps"), (True, f"a batch of {B} sequences of {T} steps")):
        dh_last, cache = _norms_case(rng, T, B, D, H, batch)
        _run_norms(fn, dh_last, cache, context)
    passed(f"{NORMS} returns one norm per time step, (T,) and (T, B)", hidden)


def check_gradient_norms_values(fn, *, hidden: bool = False) -> None:
    """Values for one step, a sequence and a batch of sequences."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 32)
    T, B, D, H = _sizes(rng, hidden)
    cases = ((T, False, f"a sequence of {T} steps"), (T, True, f"a batch of {B} sequences of {T} steps"),
             (1, False, "a sequence of one step"))
    for steps, batch, context in cases:
        dh_last, cache = _norms_case(rng, steps, B, D, H, batch)
        got = _run_norms(fn, dh_last, cache, context)
        _diagnose_norms(got, dh_last, cache)
    passed(f"{NORMS} backpropagates dh through the recurrence and returns ||dL/dh_t|| for every t", hidden)


# --------------------------------------------------------------------------- clipping, shared


def _grad_shapes(rng, hidden: bool) -> dict[str, tuple[int, ...]]:
    """Gradients are keyed and shaped like an RNN's parameters."""
    __tracebackhide__ = True
    _, _, D, H = _sizes(rng, hidden)
    return {"W_x": (H, D), "W_h": (H, H), "b_h": (H,)}


def _grads_case(rng, hidden: bool, norms) -> dict[str, np.ndarray]:
    """Random gradients, each array with the given norm."""
    __tracebackhide__ = True
    grads = {}
    for (k, shape), n in zip(_grad_shapes(rng, hidden).items(), norms):
        g = rng.normal(size=shape)
        grads[k] = g * (n / np.linalg.norm(g))
    return grads


def _call_clip(fn, name: str, grads: dict, arg: str, value):
    """Call a clipping function; check that it left the dict and its arrays as they were."""
    __tracebackhide__ = True
    originals = dict(grads)
    values = {k: g.copy() for k, g in grads.items()}
    result = _call(fn, name, {"grads": grads, arg: value}, may_modify=("grads",))
    if set(grads) != set(originals):
        raise FeedbackError(
            f"{name} added or removed keys of the grads dict it was given: leave it as it is and "
            f"put the clipped arrays in a new dict"
        )
    for k, g in originals.items():
        if grads[k] is not g:
            raise FeedbackError(
                f'{name} replaced grads["{k}"] in the dict it was given (grads[k] = ...): the '
                f"caller's gradients must stay as they were. Build a new dict, e.g. "
                f"{{k: ... for k, g in grads.items()}}"
            )
        if not np.array_equal(g, values[k]):
            raise FeedbackError(
                f'{name} changed the array grads["{k}"] in place (with *=, [...] = or out=): the '
                f"caller's gradients must stay as they were. Compute new arrays instead "
                f"(g * scale, np.clip(g, -c, c))"
            )
    return result


def _clipped_dict(result, name: str, grads: dict, context: str) -> dict[str, np.ndarray]:
    """Check that ``result`` is a new dict of new arrays shaped like ``grads``; return it as floats."""
    __tracebackhide__ = True
    if result is None:
        raise FeedbackError(f"{name} returned None: is a `return` missing?")
    if not isinstance(result, dict):
        raise FeedbackError(
            f"{name} must return a dict keyed like grads; it returned a {type(result).__name__}"
        )
    if result is grads:
        raise FeedbackError(
            f"{name} returned the very dict it was given: return a new dict (the caller keeps "
            f"the raw gradients, for example to plot their size)"
        )
    missing = [k for k in grads if k not in result]
    extra = [k for k in result if k not in grads]
    if missing or extra:
        what = f"is missing {missing}" if missing else f"has extra keys {extra}"
        raise FeedbackError(f"{name}: the returned dict {what}; it must have the same keys as grads")
    out = {}
    for k, g in grads.items():
        if isinstance(result[k], np.ndarray) and np.shares_memory(result[k], g):
            raise FeedbackError(
                f'{name}: the returned clipped["{k}"] is the input array grads["{k}"] itself (or a view '
                f"of it), so changing one would change the other: return new arrays "
                f"(g * scale or g.copy())"
            )
        a = np.asarray(result[k], dtype=np.float64) if _numeric(result[k]) else None
        if a is not None and not np.all(np.isfinite(a)):
            zero = not any(np.any(v) for v in grads.values())
            hint = (" With all-zero gradients total_norm is 0 and 0 / 0 is NaN: rescale only when "
                    "total_norm > max_norm") if zero and name == NORM else ""
            raise FeedbackError(f'{name} returned clipped["{k}"] with NaN or infinite values for {context}.{hint}')
        a = as_result_array(result[k], name, f'clipped["{k}"]')
        if a.shape != g.shape:
            raise FeedbackError(
                f'{name} returned clipped["{k}"] of shape {a.shape} for {context}; expected {g.shape}, the '
                f'shape of grads["{k}"]: clipping changes values, never shapes'
            )
        out[k] = a
    return out


def _numeric(value) -> bool:
    __tracebackhide__ = True
    try:
        np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _first_wrong(got: dict, want: dict):
    __tracebackhide__ = True
    for k in want:
        if not _close(got[k], want[k]):
            return k
    return None


# --------------------------------------------------------------------------- clipping by value


def _diagnose_value(got: dict, grads: dict, c: float) -> None:
    __tracebackhide__ = True
    want = {k: np.clip(g, -c, c) for k, g in grads.items()}
    k = _first_wrong(got, want)
    if k is None:
        return
    g = grads[k]
    largest = np.max(np.abs(g))
    variants = (
        (g, "nothing was clipped: entries above c must become c, entries below -c must become -c"),
        (np.minimum(np.abs(g), c), "the sign is lost (abs): negative entries must stay negative, "
                                   "np.clip(g, -c, c) keeps them in [-c, 0]"),
        (np.where(np.abs(g) > c, c, g), "entries below -c became +c: the sign is lost; "
                                        "they must become -c (np.sign(g) * c, or np.clip)"),
        (np.minimum(g, c), "only the upper bound is applied: entries below -c must become -c"),
        (np.maximum(g, -c), "only the lower bound is applied: entries above c must become c"),
        (np.clip(g, 0.0, c), "negative entries became 0: the lower bound is -c, not 0"),
        (np.sign(g) * c, "every entry was set to +c or -c: entries already within [-c, c] stay "
                         "as they are"),
        (g * (c / largest), "the array was rescaled: clipping by value changes only the entries "
                            "outside [-c, c], and leaves the others as they are"),
    )
    for variant, message in variants:
        if _close(got[k], variant):
            raise FeedbackError(f'{VALUE}: clipped["{k}"] is wrong: {message}')
    raise FeedbackError(
        f'{VALUE}: clipped["{k}"] is wrong (off by up to {max_diff(got[k], want[k]):.3g}): every entry '
        f"must be clipped into [-clip_value, clip_value], that is np.clip(g, -c, c)"
    )


def check_clip_grad_value(fn, *, hidden: bool = False) -> None:
    """Entries clipped into [-c, c], a new dict, inputs untouched, all-zero gradients."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 33)
    c = float(rng.uniform(0.3, 2.0)) if hidden else 1.0
    grads = {k: rng.normal(0.0, 1.5 * c, s) for k, s in _grad_shapes(rng, hidden).items()}
    grads["b_h"][:2] = (2.5 * c, -3.0 * c)  # at least one entry beyond each bound
    zeros = {k: np.zeros_like(g) for k, g in grads.items()}
    for case, context in ((grads, f"clip_value = {c:.3g}"), (zeros, "all-zero gradients")):
        result = _call_clip(fn, VALUE, case, "clip_value", c)
        got = _clipped_dict(result, VALUE, case, context)
        _diagnose_value(got, case, c)
    passed(f"{VALUE} clips every entry into [-c, c] and returns new arrays, leaving grads as they were",
           hidden)


# --------------------------------------------------------------------------- clipping by norm


def _run_norm(fn, grads: dict, max_norm: float, context: str):
    __tracebackhide__ = True
    try:
        result = _call_clip(fn, NORM, grads, "max_norm", max_norm)
    except FeedbackError as exc:
        if isinstance(exc.__cause__, ZeroDivisionError):
            raise FeedbackError(
                f"{NORM} divides by zero for {context}: total_norm is 0 there. Rescale only when "
                f"total_norm > max_norm; all-zero gradients come back as zeros"
            ) from None
        raise
    if isinstance(result, dict):
        raise FeedbackError(
            f"{NORM} returned only the dict; it must return a pair (clipped, total_norm), "
            f"e.g. `return clipped, total_norm`"
        )
    if not isinstance(result, tuple) or len(result) != 2:
        got = "None (is a `return` missing?)" if result is None else f"a {type(result).__name__}"
        if isinstance(result, tuple):
            got = f"a tuple of {len(result)} values"
        raise FeedbackError(f"{NORM} must return a pair (clipped, total_norm); it returned {got}")
    clipped, total = result
    if isinstance(total, dict) and not isinstance(clipped, dict):
        raise FeedbackError(f"{NORM}: the pair is the wrong way round: return clipped, total_norm")
    clipped = _clipped_dict(clipped, NORM, grads, context)
    if not _numeric(total) or np.size(total) != 1:
        what = f"shape {np.shape(total)}" if _numeric(total) else type(total).__name__
        raise FeedbackError(
            f"{NORM}: total_norm must be one number, the norm of all the gradients together; "
            f"it is {what}"
        )
    total = float(np.asarray(total, dtype=np.float64).reshape(()))
    if not np.isfinite(total):
        raise FeedbackError(f"{NORM} returned a total_norm of {total} for {context}")
    return clipped, total


def _global_norm(grads: dict) -> float:
    __tracebackhide__ = True
    return float(np.sqrt(sum(np.sum(g**2) for g in grads.values())))


def _diagnose_total(total: float, grads: dict, max_norm: float) -> None:
    __tracebackhide__ = True
    want = _global_norm(grads)
    if _close(total, want):
        return
    per_array = [float(np.linalg.norm(g)) for g in grads.values()]
    variants = (
        (want**2, "total_norm is the squared norm: take the square root"),
        (sum(per_array), "total_norm is the sum of the arrays' norms; it is the norm of all "
                         "entries together: sqrt(sum of g**2 over every entry of every array)"),
        (max(per_array), "total_norm is the largest array's norm; it is the norm of all entries "
                         "together: sqrt(sum of g**2 over every entry of every array)"),
        (min(want, max_norm), "total_norm is the norm after clipping; return the norm of the "
                              "gradients as they were given"),
    )
    for variant, message in variants:
        if _close(total, variant):
            raise FeedbackError(f"{NORM}: {message}")
    raise FeedbackError(
        f"{NORM}: total_norm is {total:.6g}, expected {want:.6g}: "
        f"sqrt(sum of g**2 over every entry of every array)"
    )


def _diagnose_clipped(got: dict, grads: dict, max_norm: float) -> None:
    __tracebackhide__ = True
    total = _global_norm(grads)
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    want = {k: g * scale for k, g in grads.items()}
    k = _first_wrong(got, want)
    if k is None:
        return
    norm_got = _global_norm(got)
    if total <= max_norm:
        if _close(norm_got, max_norm):
            raise FeedbackError(
                f"{NORM}: the gradients were rescaled although their total norm ({total:.4g}) is "
                f"within max_norm ({max_norm:.4g}): rescale only when total_norm > max_norm, and "
                f"otherwise return them unchanged (as new arrays)"
            )
        raise FeedbackError(
            f'{NORM}: clipped["{k}"] was changed although the total norm ({total:.4g}) is within max_norm '
            f"({max_norm:.4g}): such gradients come back unchanged"
        )
    own = {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}
    variants = (
        (own, "each array was clipped by its own norm. Clipping by norm uses the global norm of "
              "all arrays together, and multiplies every array by the same factor "
              "max_norm / total_norm, so the direction of the whole gradient is kept"),
        (grads, f"nothing was rescaled although total_norm ({total:.4g}) > max_norm "
                f"({max_norm:.4g}): multiply every array by max_norm / total_norm"),
        ({k: g / total for k, g in grads.items()}, "the gradients were divided by total_norm but "
                                                    "not multiplied by max_norm: the factor is "
                                                    "max_norm / total_norm"),
        ({k: g * (total / max_norm) for k, g in grads.items()}, "the factor is upside down: "
                                                                "it is max_norm / total_norm"),
        ({k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()},
         "this is clipping by value: clipping by norm multiplies every array by max_norm / total_norm"),
    )
    for variant, message in variants:
        if all(_close(got[j], variant[j]) for j in grads):
            raise FeedbackError(f"{NORM}: {message}")
    raise FeedbackError(
        f'{NORM}: clipped["{k}"] is wrong (off by up to {max_diff(got[k], want[k]):.3g}); the clipped '
        f"gradients have total norm {norm_got:.4g}, expected max_norm = {max_norm:.4g}: multiply "
        f"every array by max_norm / total_norm"
    )


def check_clip_grad_norm(fn, *, hidden: bool = False) -> None:
    """Gradients beyond max_norm: the global norm, and every array scaled by the same factor."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 34)
    if hidden:
        max_norm = float(rng.uniform(0.5, 3.0))
        norms = rng.permutation([max_norm * rng.uniform(1.3, 3.0), *(max_norm * rng.uniform(0.1, 0.6, 2))])
    else:
        max_norm, norms = 2.0, (3.0, 0.5, 1.0)
    grads = _grads_case(rng, hidden, norms)
    context = f"gradients of total norm {_global_norm(grads):.3g} with max_norm = {max_norm:.3g}"
    clipped, total = _run_norm(fn, grads, max_norm, context)
    _diagnose_total(total, grads, max_norm)
    _diagnose_clipped(clipped, grads, max_norm)
    passed(f"{NORM} measures the global norm and rescales every array by max_norm / total_norm", hidden)


def check_clip_grad_norm_edge_cases(fn, *, hidden: bool = False) -> None:
    """Gradients within max_norm come back unchanged; all-zero gradients give zeros, not NaN."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 35)
    max_norm = float(rng.uniform(0.5, 3.0)) if hidden else 1.0
    small = _grads_case(rng, hidden, max_norm * rng.uniform(0.2, 0.5, 3))
    zeros = {k: np.zeros_like(g) for k, g in small.items()}
    cases = ((small, f"gradients of total norm {_global_norm(small):.3g} with max_norm = {max_norm:.3g}"),
             (zeros, "all-zero gradients"))
    for grads, context in cases:
        clipped, total = _run_norm(fn, grads, max_norm, context)
        _diagnose_total(total, grads, max_norm)
        _diagnose_clipped(clipped, grads, max_norm)
    passed(f"{NORM} leaves gradients within max_norm unchanged (as new arrays) and handles all-zero "
           f"gradients", hidden)
