"""Feedback checks for gradient clipping by value and by norm (exercise ex03-gradients, Parts 2 and 3).

Neither clipping function may touch the dict or the arrays it is given; both return a new
dict of new arrays.
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, max_diff, passed, rng_for
from .._inputs import sizes

from ._common import _call, _close

VALUE = "clip_grad_value"
NORM = "clip_grad_norm"


def _grad_shapes(rng, hidden: bool, at_least: int = 1) -> dict[str, tuple[int, ...]]:
    """Gradients are keyed and shaped like an RNN's parameters, each with ``at_least`` entries."""
    __tracebackhide__ = True
    _, _, D, H = sizes(rng, hidden)
    H = max(H, at_least)
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
            f"{name} added or removed keys of the grads dict it was given.\nLeave grads as it is and "
            f"put the clipped arrays in a new dict."
        )
    for k, g in originals.items():
        if grads[k] is not g:
            raise FeedbackError(
                f'{name} replaced grads["{k}"] in the dict it was given.\nWith grads[k] = ... the '
                f"caller's gradients change. Build a new dict, e.g. {{k: ... for k, g in grads.items()}}."
            )
        if not np.array_equal(g, values[k]):
            raise FeedbackError(
                f'{name} changed the array grads["{k}"] in place.\nWith *=, [...] = or out= the '
                f"caller's gradients change. Compute new arrays instead (g * scale, np.clip(g, -c, c))."
            )
    return result


def _clipped_dict(result, name: str, grads: dict, context: str) -> dict[str, np.ndarray]:
    """Check that ``result`` is a new dict of new arrays shaped like ``grads``; return it as floats."""
    __tracebackhide__ = True
    if result is None:
        raise FeedbackError(f"{name} returned None.\nIs a `return` missing?")
    if not isinstance(result, dict):
        raise FeedbackError(
            f"{name} must return a dict keyed like grads.\nIt returned a {type(result).__name__}."
        )
    if result is grads:
        raise FeedbackError(
            f"{name} returned the very dict it was given.\nReturn a new dict: the caller keeps "
            f"the raw gradients, for example to plot their size."
        )
    missing = [k for k in grads if k not in result]
    extra = [k for k in result if k not in grads]
    if missing or extra:
        what = f"is missing {missing}" if missing else f"has extra keys {extra}"
        raise FeedbackError(f"{name}: the returned dict {what}.\nIt must have the same keys as grads.")
    out = {}
    for k, g in grads.items():
        if isinstance(result[k], np.ndarray) and np.shares_memory(result[k], g):
            raise FeedbackError(
                f'{name} returned grads["{k}"] itself, not a copy.\nclipped["{k}"] is the input array '
                f"(or a view of it): changing one would change the other. Return new arrays "
                f"(g * scale or g.copy())."
            )
        a = np.asarray(result[k], dtype=np.float64) if _numeric(result[k]) else None
        if a is not None and not np.all(np.isfinite(a)):
            zero = not any(np.any(v) for v in grads.values())
            hint = (" With all-zero gradients total_norm is 0 and 0 / 0 is NaN: rescale only when "
                    "total_norm > max_norm") if zero and name == NORM else ""
            raise FeedbackError(f'{name} returned clipped["{k}"] with NaN or infinite values.\n'
                                f"That was for {context}.{hint}")
        a = as_result_array(result[k], name, f'clipped["{k}"]')
        if a.shape != g.shape:
            raise FeedbackError(
                f'{name} returned clipped["{k}"] of the wrong shape.\nIt is {a.shape}, not {g.shape}: for '
                f'{context}, it must have the shape of grads["{k}"]. Clipping changes values, never shapes.'
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
        (g, "nothing was clipped.\nEntries above c must become c, entries below -c must become -c."),
        (np.minimum(np.abs(g), c), "the sign is lost (abs).\nNegative entries must stay negative: "
                                   "np.clip(g, -c, c) keeps them in [-c, 0]."),
        (np.where(np.abs(g) > c, c, g), "entries below -c became +c.\nThe sign is lost: they must "
                                        "become -c (np.sign(g) * c, or np.clip)."),
        (np.minimum(g, c), "only the upper bound is applied.\nEntries below -c must become -c."),
        (np.maximum(g, -c), "only the lower bound is applied.\nEntries above c must become c."),
        (np.clip(g, 0.0, c), "negative entries became 0.\nThe lower bound is -c, not 0."),
        (np.sign(g) * c, "every entry was set to +c or -c.\nEntries already within [-c, c] stay "
                         "as they are."),
        (g * (c / largest), "the array was rescaled.\nClipping by value changes only the entries "
                            "outside [-c, c], and leaves the others as they are."),
    )
    for variant, message in variants:
        if _close(got[k], variant):
            head, detail = message.split("\n", 1)
            raise FeedbackError(f'{VALUE}: {head}\nIn clipped["{k}"], {detail[0].lower()}{detail[1:]}')
    raise FeedbackError(
        f'{VALUE}: clipped["{k}"] is wrong.\nIt is off by up to {max_diff(got[k], want[k]):.3g}: every '
        f"entry must be clipped into [-clip_value, clip_value], that is np.clip(g, -c, c)."
    )


def _value_case(rng, hidden: bool, c: float) -> dict[str, np.ndarray]:
    """Gradients in which every array has entries above c, below -c, and within (0, c) and
    (-c, 0), so that each typical mistake changes every array in its own way."""
    __tracebackhide__ = True
    grads = {}
    for k, shape in _grad_shapes(rng, hidden, at_least=4).items():
        g = rng.normal(0.0, 1.5 * c, shape)
        flat = g.reshape(-1)  # a view: writes go to g
        above, below, small, small_negative = rng.permutation(flat.size)[:4]
        flat[above] = c * rng.uniform(1.3, 3.0)
        flat[below] = -c * rng.uniform(1.3, 3.0)
        flat[small] = c * rng.uniform(0.1, 0.7)
        flat[small_negative] = -c * rng.uniform(0.1, 0.7)
        grads[k] = g
    return grads


def check_clip_grad_value(fn, *, hidden: bool = False) -> None:
    """Entries clipped into [-c, c], a new dict, inputs untouched, all-zero gradients."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 33)
    c = float(rng.uniform(0.3, 2.0)) if hidden else 1.0
    grads = _value_case(rng, hidden, c)
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
                f"{NORM} divides by zero for {context}.\ntotal_norm is 0 there. Rescale only when "
                f"total_norm > max_norm; all-zero gradients come back as zeros."
            ) from None
        raise
    if isinstance(result, dict):
        raise FeedbackError(
            f"{NORM} returned only the dict, not (clipped, total_norm).\n"
            f"It must return a pair: end with `return clipped, total_norm`."
        )
    if not isinstance(result, tuple) or len(result) != 2:
        got = "None (is a `return` missing?)" if result is None else f"a {type(result).__name__}"
        if isinstance(result, tuple):
            got = f"a tuple of {len(result)} values"
        raise FeedbackError(f"{NORM} must return a pair (clipped, total_norm).\nIt returned {got}.")
    clipped, total = result
    if isinstance(total, dict) and not isinstance(clipped, dict):
        raise FeedbackError(f"{NORM}: the pair is the wrong way round.\nReturn clipped, total_norm.")
    clipped = _clipped_dict(clipped, NORM, grads, context)
    if not _numeric(total) or np.size(total) != 1:
        what = f"shape {np.shape(total)}" if _numeric(total) else type(total).__name__
        raise FeedbackError(
            f"{NORM}: total_norm must be one number.\nIt is {what}; it must be the norm of all the "
            f"gradients together."
        )
    total = float(np.asarray(total, dtype=np.float64).reshape(()))
    if not np.isfinite(total):
        raise FeedbackError(f"{NORM} returned a total_norm of {total}.\nThat was for {context}.")
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
        (want**2, "total_norm is the squared norm.\nTake the square root."),
        (sum(per_array), "total_norm is the sum of the arrays' norms.\nIt is the norm of all "
                         "entries together: sqrt(sum of g**2 over every entry of every array)."),
        (max(per_array), "total_norm is the largest array's norm.\nIt is the norm of all entries "
                         "together: sqrt(sum of g**2 over every entry of every array)."),
        (min(want, max_norm), "total_norm is the norm after clipping.\nReturn the norm of the "
                              "gradients as they were given."),
    )
    for variant, message in variants:
        if _close(total, variant):
            raise FeedbackError(f"{NORM}: {message}")
    raise FeedbackError(
        f"{NORM}: total_norm is {total:.6g}, expected {want:.6g}.\n"
        f"It is sqrt(sum of g**2 over every entry of every array)."
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
                f"{NORM}: gradients within max_norm were rescaled.\nTheir total norm ({total:.4g}) is "
                f"within max_norm ({max_norm:.4g}): rescale only when total_norm > max_norm, and "
                f"otherwise return them unchanged (as new arrays)."
            )
        raise FeedbackError(
            f'{NORM}: clipped["{k}"] changed, but nothing needed clipping.\nThe total norm ({total:.4g}) '
            f"is within max_norm ({max_norm:.4g}): such gradients come back unchanged."
        )
    own = {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}
    variants = (
        (own, "each array was clipped by its own norm.\nClipping by norm uses the global norm of "
              "all arrays together, and multiplies every array by the same factor "
              "max_norm / total_norm, so the direction of the whole gradient is kept."),
        (grads, f"nothing was rescaled, but total_norm > max_norm.\ntotal_norm ({total:.4g}) > max_norm "
                f"({max_norm:.4g}): multiply every array by max_norm / total_norm."),
        ({k: g / total for k, g in grads.items()}, "max_norm is missing from the factor.\nThe gradients were "
                                                    "divided by total_norm but not multiplied by max_norm: the "
                                                    "factor is max_norm / total_norm."),
        ({k: g * (total / max_norm) for k, g in grads.items()}, "the factor is upside down.\n"
                                                                "It is max_norm / total_norm."),
        ({k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()},
         "this is clipping by value.\nClipping by norm multiplies every array by max_norm / total_norm."),
    )
    for variant, message in variants:
        if all(_close(got[j], variant[j]) for j in grads):
            raise FeedbackError(f"{NORM}: {message}")
    raise FeedbackError(
        f'{NORM}: clipped["{k}"] is wrong.\nIt is off by up to {max_diff(got[k], want[k]):.3g}; the clipped '
        f"gradients have total norm {norm_got:.4g}, expected max_norm = {max_norm:.4g}: multiply "
        f"every array by max_norm / total_norm."
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
