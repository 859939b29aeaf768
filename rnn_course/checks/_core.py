"""Machinery shared by the feedback checks that exercise test cells call (every exercise, ex01 to ex06).

A check runs the learner's function on inputs chosen so that a wrong answer can be
diagnosed, and raises :class:`FeedbackError` with a message that says what is wrong
(a shape and which axis, a missing term, NaN, a mutated input, a call to the reference
implementation). The learner sees the message, never the test code.
Every function here sets ``__tracebackhide__`` so that IPython (and pytest) leave the
checks' own frames out of the traceback a learner reads.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import sys
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np

#: Modules holding the reference implementations that a learner must not call.
REFERENCE_MODULES = (
    "rnn_course.layers.rnn",
    "rnn_course.layers.lstm",
    "rnn_course.layers.gru",
    "rnn_course.layers.output",
    "rnn_course.layers.pytorch",
    "rnn_course.layers.pooling",
    "rnn_course.layers.embedding",
    "rnn_course.training.sampling",
    "rnn_course.training.losses",
    "rnn_course.training.gradcheck",
    "rnn_course.training.tbptt",
    "rnn_course.training.optim",
    "rnn_course.training.clipping",
)
#: Functions of those modules that a learner may call: the RNN's and the LSTM's
#: initialisers draw random parameters (for a learner's own test inputs), and
#: ``param_shapes`` is what they call. (The GRU's initialiser stays off limits: with
#: ``count_params`` it would answer ex05's parameter count.)
NOT_REFERENCE = frozenset({"init_rnn_params", "init_lstm_params", "param_shapes"})

#: Tolerances for comparing a learner's float64 result with the reference.
RTOL, ATOL = 1e-6, 1e-8


class FeedbackError(AssertionError):
    """A learner's function gave a wrong answer; the message says what is wrong."""


def _reference_files() -> frozenset[str]:
    __tracebackhide__ = True
    files = set()
    for name in REFERENCE_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            files.add(spec.origin)
    return frozenset(files)


@functools.cache
def _package_files() -> frozenset[str]:
    """Every source file of rnn_course except the checks themselves and the grader (whose
    proxies stand for the learner's functions while grading, see rnn_course.grading)."""
    __tracebackhide__ = True
    files = set()
    for root in {Path(__file__).parents[1], Path(__file__).resolve().parents[1]}:
        own = (root / "checks", root / "grading")
        files.update(str(p) for p in root.rglob("*.py") if not any(d in p.parents for d in own))
    return frozenset(files)


@contextmanager
def _watch_calls(reference: list[str], package: list[str] | None = None):
    """Record the names of the reference functions called inside the block, and with
    ``package`` also those of any function of rnn_course outside the checks."""
    __tracebackhide__ = True
    reference_files = _reference_files()
    package_files = _package_files() if package is not None else frozenset()
    previous = sys.getprofile()

    def profiler(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if code.co_filename in reference_files and code.co_name not in NOT_REFERENCE:
            reference.append(code.co_name)
        if code.co_filename in package_files:
            package.append(code.co_name)

    sys.setprofile(profiler)
    try:
        yield
    finally:
        sys.setprofile(previous)


def _reference_frame(tb) -> str | None:
    """The name of the first reference function a traceback passes through, if any."""
    files = _reference_files()
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files and code.co_name not in NOT_REFERENCE:
            return code.co_name
        tb = tb.tb_next
    return None


def _delegation(name: str, reference: str) -> FeedbackError:
    return FeedbackError(
        f"{name} calls the course's reference implementation ({reference} from rnn_course). "
        f"Write the computation yourself with NumPy: delegating earns no points."
    )


def describe(shape_by_name: Mapping[str, tuple]) -> str:
    __tracebackhide__ = True
    return ", ".join(f"{name} of shape {tuple(shape)}" for name, shape in shape_by_name.items())


def call_learner(fn: Callable, name: str, args: Mapping[str, object], *, may_modify: tuple[str, ...] = (),
                 any_package_code: bool = False, matmul_hint: str = ""):
    """Call ``fn(*args.values())`` as the learner wrote it, and check how it behaved.

    Raises :class:`FeedbackError` if the function is not callable, raises an unexpected
    exception (``NotImplementedError`` passes through unchanged, so an unanswered exercise
    shows as unanswered), calls the reference implementation, or changes its inputs
    (except those named in ``may_modify``, which the caller checks itself).
    With ``any_package_code``, a call into any module of rnn_course counts as delegating
    too (a plotting helper, say). ``matmul_hint`` is added to the message when a matrix
    product did not fit.
    """
    __tracebackhide__ = True
    if not callable(fn):
        raise FeedbackError(f"{name} should be a function, but it is a {type(fn).__name__}")
    snapshot = copy.deepcopy(dict(args))
    calls: list[str] = []
    package_calls: list[str] | None = [] if any_package_code else None
    shapes = {k: np.shape(v) for k, v in args.items() if not isinstance(v, Mapping)}
    try:
        with _watch_calls(calls, package_calls):
            result = fn(*args.values())
    except NotImplementedError:
        raise
    except Exception as exc:
        reference = _reference_frame(exc.__traceback__)
        if reference is not None:  # the reference was called and refused the arguments
            calls.append(reference)
            raise _delegation(name, reference) from None
        hint = ""
        if isinstance(exc, ValueError) and ("matmul" in str(exc) or "broadcast" in str(exc)):
            hint = (
                "\nHint: weights are stored as in the equations, rows are outputs (W_x is (H, D)), "
                "so a weight multiplies a row vector from the right, transposed: x_t @ W_x.T."
            )
        cause = exc
        if matmul_hint and isinstance(exc, ValueError) and "matmul" in str(exc):
            hint += f"\n{matmul_hint}"
            cause = None  # the hint says it all: no chained traceback
        raise FeedbackError(
            f"{name} raised {type(exc).__name__}: {exc}\n"
            f"It was called with {describe(shapes)}.{hint}"
        ) from cause
    if calls:
        raise _delegation(name, calls[0])
    for key, before in snapshot.items():
        if key in may_modify:
            continue
        where = _first_change(before, args[key], key)
        if where == key:
            raise FeedbackError(
                f"{name} changed its input {key} in place (for example with += or [...] =): "
                f"compute a new array instead"
            )
        if where is not None:
            raise FeedbackError(
                f"{name} changed its input {where} in place: compute new arrays instead of "
                f"modifying its inputs"
            )
    if package_calls:
        raise FeedbackError(
            f"{name} calls code from rnn_course ({package_calls[0]}), which works like the course's "
            f"reference implementation. Write the computation yourself with NumPy: delegating "
            f"earns no points."
        )
    return result


def _first_change(before, after, path: str) -> str | None:
    """The path of the first part of ``after`` that differs from ``before``, or None."""
    if isinstance(before, Mapping):
        if not isinstance(after, Mapping) or set(after) != set(before):
            return f"{path} (keys added or removed)"
        for k in before:
            found = _first_change(before[k], after[k], f'{path}["{k}"]')
            if found:
                return found
        return None
    if isinstance(before, (list, tuple)):
        if not isinstance(after, (list, tuple)) or len(after) != len(before):
            return f"{path} (items added or removed)"
        for i, (b, a) in enumerate(zip(before, after)):
            found = _first_change(b, a, f"{path}[{i}]")
            if found:
                return found
        return None
    if callable(before) or isinstance(before, str):
        return None
    try:
        same = np.array_equal(np.asarray(after), np.asarray(before))
    except (TypeError, ValueError):
        same = True
    return None if same else path


def _returned(result, *, quoted: bool = False) -> str:
    """What a function returned instead of the tuple it should have, in words."""
    __tracebackhide__ = True
    if result is None:
        return "None (is a `return` missing?)"
    if isinstance(result, tuple):
        return f"a tuple of {len(result)} values"
    return repr(type(result).__name__) if quoted else f"a {type(result).__name__}"


def unpack(result, name: str, names: tuple[str, ...], *, count: str | None = None):
    """Check that ``result`` is a tuple of ``len(names)`` values and return it.

    ``count`` says the number in words (``"three"``); digits by default.
    """
    __tracebackhide__ = True
    if not isinstance(result, tuple) or len(result) != len(names):
        raise FeedbackError(
            f"{name} must return {count or len(names)} values ({', '.join(names)}); "
            f"it returned {_returned(result)}"
        )
    return result


def unpack_pair(result, name: str, first: str, second: str = "cache"):
    """Check that ``result`` is a pair ``(first, second)`` and return it."""
    __tracebackhide__ = True
    if isinstance(result, np.ndarray):
        raise FeedbackError(
            f"{name} returned a single array; it must return a pair ({first}, {second}), "
            f"e.g. `return {first}, {second}`"
        )
    if not isinstance(result, tuple) or len(result) != 2:
        raise FeedbackError(
            f"{name} must return a pair ({first}, {second}); it returned {_returned(result, quoted=True)}"
        )
    return result


def unpack_triple(result, name: str, first: str, second: str):
    """Check that ``result`` is ``(first, second, grads)`` with ``grads`` a dict; return it."""
    __tracebackhide__ = True
    unpack(result, name, (first, second, "grads"), count="three")
    if not isinstance(result[2], dict):
        raise FeedbackError(
            f"{name}: grads must be a dict keyed by parameter name, got {type(result[2]).__name__}"
        )
    return result


def as_result_array(value, name: str, what: str) -> np.ndarray:
    __tracebackhide__ = True
    if value is None:
        raise FeedbackError(f"{name} returned None for {what}: is a `return` or an assignment missing?")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise FeedbackError(
            f"{name} returned {type(value).__name__} for {what}; expected a NumPy array of numbers"
        ) from None
    if not np.all(np.isfinite(array)):
        raise FeedbackError(f"{name} returned {what} containing NaN or infinite values")
    return array


def shape_hint(got: tuple, expected: tuple) -> str:
    __tracebackhide__ = True
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        return " Two axes look swapped: multiply on the right by the transpose (x @ W.T)."
    if len(got) < len(expected):
        return " An axis is missing: keep the batch (and time) axes of the input."
    if len(got) > len(expected):
        return " There is an extra axis."
    return ""


def require_result_shape(got: np.ndarray, expected: tuple, name: str, what: str, context: str) -> None:
    """``got`` (what the learner's ``name`` returned as ``what``) must have the ``expected`` shape."""
    __tracebackhide__ = True
    if got.shape != tuple(expected):
        raise FeedbackError(
            f"{name} returned {what} of shape {got.shape} for {context}; expected {tuple(expected)}."
            + shape_hint(got.shape, tuple(expected))
        )


def close(a, b, *, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Same shape and equal to the tolerances (the default ones, :data:`RTOL` and :data:`ATOL`)."""
    __tracebackhide__ = True
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def max_diff(a, b) -> float:
    __tracebackhide__ = True
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def rng_for(hidden: bool, seed: int) -> np.random.Generator:
    """Fixed inputs for visible checks; fresh random ones for hidden checks."""
    __tracebackhide__ = True
    return np.random.default_rng(None if hidden else seed)


def passed(message: str, hidden: bool = False) -> None:
    __tracebackhide__ = True
    print(f"\u2713 {message}" + (" (randomised inputs)" if hidden else ""))
