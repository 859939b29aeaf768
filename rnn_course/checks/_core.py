"""Machinery shared by the feedback checks that exercise test cells call (every exercise, ex01 to ex07).

A check runs the learner's function on inputs chosen so that a wrong answer can be
diagnosed, and raises :class:`FeedbackError` with a message that says what is wrong
(a shape and which axis, a missing term, NaN, a mutated input, a call to the reference
implementation). The learner sees the message, never the test code.
Every function here sets ``__tracebackhide__`` so that pytest leaves the checks' own
frames out of its tracebacks; in Jupyter, :mod:`._display` shows a failing check as the
learner's own lines and the message.

Messages start with a verdict that is complete on its own and short (``nbgrader
validate`` cuts every line it prints at 87 characters); the lines after it explain.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable, Mapping
from contextlib import contextmanager, redirect_stdout

import numpy as np

from ._watch import Uses, each, passes_through, reference_frame, watch_calls

#: Tolerances for comparing a learner's float64 result with the reference.
RTOL, ATOL = 1e-6, 1e-8

#: The longest first line of a message: ``nbgrader validate`` prints 83 characters of a
#: line (after its indent), and "FeedbackError: " takes 15 of them.
HEADLINE = 68


class FeedbackError(AssertionError):
    """A learner's function gave a wrong answer; the message says what is wrong.

    The first line of the message is a verdict complete on its own, at most
    ``HEADLINE`` (68) characters long; the lines after it (if any) explain and suggest.
    """

    @property
    def headline(self) -> str:
        return str(self).split("\n", 1)[0]


def _delegation(name: str, reference: str) -> FeedbackError:
    return FeedbackError(
        f"{name} calls rnn_course's reference code.\n"
        f"It calls the course's reference implementation {reference} (from rnn_course). Write the "
        f"computation yourself with NumPy: delegating earns no points."
    )


def fit(*candidates: str) -> str:
    """The first of ``candidates`` short enough to be a message's first line (or the last)."""
    __tracebackhide__ = True
    return next((c for c in candidates if len(c) <= HEADLINE), candidates[-1])


def describe(args: Mapping[str, object]) -> str:
    """The arguments of a call in words: shapes of arrays, the kind of anything else."""
    __tracebackhide__ = True
    words = []
    for name, value in args.items():
        if isinstance(value, Mapping):
            words.append(f"{name} (a dict)")
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
            words.append(f"{name} (a list of {len(value)} dicts)")
        elif callable(value):
            words.append(f"{name} (a function)")
        else:
            words.append(f"{name} of shape {np.shape(value)}")
    return ", ".join(words)


def _crash(name: str, exc: Exception, args: Mapping, hint: str,
           used: Uses | tuple[Uses | None, ...] | None) -> FeedbackError:
    """The message for a learner's function that raised ``exc``."""
    __tracebackhide__ = True
    kind, text = type(exc).__name__, str(exc).strip()
    head = f"{name} raised {kind}"
    if hint and isinstance(exc, ValueError):
        what = "a matrix product did not fit" if ("matmul" in text or "aligned" in text) else "shapes did not fit"
        headline, detail = fit(f"{head}: {what}.", f"{head}."), f"{kind}: {text}\n"
    elif len(head) + 2 + len(text) <= HEADLINE and "\n" not in text:
        headline, detail = f"{head}: {text}", ""
    else:
        headline, detail = fit(f"{head} (its message is below).", f"{head}."), f"{kind}: {text}\n"
    detail += f"It was called with {describe(args)}."
    inside = next((u for u in each(used) if u.raised), None)
    if inside is not None:
        detail += f" The error happened inside your {inside.name}, which {name} calls."
    return FeedbackError(f"{headline}\n{detail}" + (f"\n{hint}" if hint else ""))


def call_learner(fn: Callable, name: str, args: Mapping[str, object], *, may_modify: tuple[str, ...] = (),
                 any_package_code: bool = False, hint: Callable[[Exception], str] | None = None,
                 used: Uses | tuple[Uses | None, ...] | None = None):
    """Call ``fn(*args.values())`` as the learner wrote it, and check how it behaved.

    The function gets private copies of its arguments (except those named in ``may_modify``,
    which it gets as they are): whatever it changes, or keeps and changes later through its
    cache, the check's own arrays stay as they were, so the expected values the check
    computes, before or after, come from the inputs it chose.

    Raises :class:`FeedbackError` if the function is not callable, raises an unexpected
    exception (``NotImplementedError`` passes through unchanged, so an unanswered exercise
    shows as unanswered), calls the reference implementation, or changes its inputs
    (except those named in ``may_modify``, which the caller checks itself).
    With ``any_package_code``, a call into any module of rnn_course counts as delegating
    too (a plotting helper, say). ``hint(exc)`` gives a hint specific to the function for an
    exception it raised ("" for none); ``used`` watches the learner's function that this one
    builds on (see :class:`Uses`), or a tuple of them.
    """
    __tracebackhide__ = True
    if not callable(fn):
        raise FeedbackError(f"{name} should be a function, but it is a {type(fn).__name__}.")
    memo: dict = {}
    args = {k: v if k in may_modify else copy.deepcopy(v, memo) for k, v in args.items()}
    snapshot = copy.deepcopy(args)
    calls: list[str] = []
    package_calls: list[str] | None = [] if any_package_code else None
    for u in each(used):
        u.reset()
    try:
        with watch_calls(calls, package_calls, used):
            result = fn(*args.values())
    except NotImplementedError:
        raise
    except Exception as exc:
        reference = reference_frame(exc.__traceback__)
        if reference is not None:  # the reference was called and refused the arguments
            raise _delegation(name, reference) from None
        for u in each(used):
            if u.code is not None:
                u.raised = passes_through(exc.__traceback__, u.code)
        raise _crash(name, exc, args, hint(exc) if hint else "", used) from exc
    if calls:
        raise _delegation(name, calls[0])
    for key, before in snapshot.items():
        if key in may_modify:
            continue
        where = _first_change(before, args[key], key)
        if where == key:
            raise FeedbackError(
                f"{name} changed its input {key} in place.\n"
                f"Something like += or [...] = wrote into it: compute a new array instead."
            )
        if where is not None:
            raise FeedbackError(
                f"{name} changed its input {where.split('[')[0].split(' ')[0]} in place.\n"
                f"It changed {where}: compute new arrays instead of modifying its inputs."
            )
    if package_calls:
        raise FeedbackError(
            f"{name} calls code from rnn_course.\n"
            f"It calls {package_calls[0]}, which works like the course's reference implementation. Write the "
            f"computation yourself with NumPy: delegating earns no points."
        )
    return result


@contextmanager
def builds_on(name: str, used: Uses | tuple[Uses | None, ...] | None, hidden: bool):
    """Blame the learner's function that ``name`` builds on, when that one is wrong.

    A :class:`FeedbackError` raised in the block, after a call that ran ``used.fn`` (or
    when it cannot be watched, as when grading runs it in a sandbox), leads to running
    ``used.checks`` on ``used.fn`` quietly; if one fails, the learner is told to fix that
    part first, with its message. ``used`` may be a tuple: the first function whose checks
    fail is blamed. Running out of time blames none.
    """
    __tracebackhide__ = True
    try:
        yield
    except FeedbackError as exc:
        failure = exc
    else:
        return
    # Outside the except clause, so that the learner's errors met below carry no context.
    if _out_of_time(failure.__cause__):
        raise failure
    for u in each(used):
        if u.code is not None and not u.called:
            continue
        problem = _first_problem(u, hidden)
        if problem is None:
            continue
        if _out_of_time(problem.__cause__):
            raise failure
        fix = f"fix Part {u.part} first" if u.part is not None else "fix it first"
        raise FeedbackError(
            fit(f"{name}: your {u.name} is wrong; {fix}.", f"Your {u.name} is wrong; {fix}.") +
            f"\n{name} {u.relation}, and its check says:\n{problem}"
        ) from problem.__cause__
    raise failure


def _out_of_time(exc: BaseException | None) -> bool:
    """A time limit or a stopped process (while grading, see rnn_course.grading): it says
    nothing about which of the learner's functions is wrong."""
    return isinstance(exc, TimeoutError) or any(c.__name__ == "SandboxCrash" for c in type(exc).__mro__)


def _first_problem(used: Uses, hidden: bool) -> FeedbackError | None:
    __tracebackhide__ = True
    for check in used.checks:
        try:
            with redirect_stdout(io.StringIO()):
                check(used.fn, hidden=hidden)
        except FeedbackError as exc:
            return exc
        except NotImplementedError:
            return FeedbackError(f"{used.name} raises NotImplementedError: it is not written yet.")
    return None


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
        n = count or len(names)
        raise FeedbackError(
            fit(f"{name} must return {n} values, {', '.join(names)}.", f"{name} must return {n} values.") +
            f"\nIt returned {_returned(result)}: end with `return {', '.join(names)}`."
        )
    return result


def unpack_pair(result, name: str, first: str, second: str = "cache"):
    """Check that ``result`` is a pair ``(first, second)`` and return it."""
    __tracebackhide__ = True
    if isinstance(result, np.ndarray):
        raise FeedbackError(
            fit(f"{name} returned a single array, not a pair ({first}, {second}).",
                f"{name} returned a single array, not a pair.") +
            f"\nIt must return ({first}, {second}): end with `return {first}, {second}`."
        )
    if not isinstance(result, tuple) or len(result) != 2:
        raise FeedbackError(
            f"{name} must return a pair ({first}, {second}).\n"
            f"It returned {_returned(result, quoted=True)}: end with `return {first}, {second}`."
        )
    return result


def unpack_triple(result, name: str, first: str, second: str):
    """Check that ``result`` is ``(first, second, grads)`` with ``grads`` a dict; return it."""
    __tracebackhide__ = True
    unpack(result, name, (first, second, "grads"), count="three")
    if not isinstance(result[2], dict):
        raise FeedbackError(
            f"{name}: grads must be a dict keyed by parameter name.\nIt is a {type(result[2]).__name__}."
        )
    return result


def as_result_array(value, name: str, what: str) -> np.ndarray:
    __tracebackhide__ = True
    if value is None:
        raise FeedbackError(f"{name} returned None for {what}.\nIs a `return` or an assignment missing?")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise FeedbackError(
            f"{name} returned a {type(value).__name__} for {what}.\nIt must be a NumPy array of numbers."
        ) from None
    if not np.all(np.isfinite(array)):
        raise FeedbackError(f"{name}: {what} holds NaN or infinite values.")
    return array


def shape_hint(got: tuple, expected: tuple) -> str:
    __tracebackhide__ = True
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        return " The sizes are right but in another order: are two axes swapped?"
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
            f"{name} returned {what} of the wrong shape.\n"
            f"It is {got.shape} for {context}; expected {tuple(expected)}."
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
