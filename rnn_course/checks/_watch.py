"""Watching a learner's function while it runs (exercises ex01 to ex08): which reference
functions it calls, and whether it runs the learner's function it builds on (see
:class:`Uses`), so that a check can blame the right function."""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

#: Modules holding the reference implementations that a learner must not call.
REFERENCE_MODULES = (
    "rnn_course.layers.rnn",
    "rnn_course.layers.lstm",
    "rnn_course.layers.gru",
    "rnn_course.layers.attention",
    "rnn_course.layers.output",
    "rnn_course.layers.pytorch",
    "rnn_course.layers.unroll",
    "rnn_course.layers.by_steps",
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


class Uses:
    """The learner's function that the checked one builds on (a cell under a sequence).

    :func:`call_learner` records whether a call ran it (``called``), the arguments of its
    first run (``first_args``, by position) and whether an exception passed through it
    (``raised``), so that a check can blame the right function. ``part`` is the exercise
    part that tests it (None: the same part as the checked function); ``relation`` says how
    the checked function depends on it, in the blame's second line.
    """

    def __init__(self, fn: Callable, name: str, part: int | None, checks: tuple[Callable, ...],
                 relation: str = "calls it"):
        self.fn, self.name, self.part, self.checks, self.relation = fn, name, part, checks, relation
        self.code = getattr(fn, "__code__", None)
        self.called, self.raised = False, False
        self.first_args: tuple | None = None

    def reset(self) -> None:
        self.called, self.raised, self.first_args = False, False, None


def uses(fn: Callable | None, name: str, part: int | None, *checks: Callable,
         relation: str = "calls it") -> Uses | None:
    """``Uses(fn, ...)``, or None when no function was given."""
    __tracebackhide__ = True
    return None if fn is None else Uses(fn, name, part, checks, relation)


def each(used: Uses | tuple[Uses | None, ...] | None) -> tuple[Uses, ...]:
    """The :class:`Uses` given, as a tuple (a check may build on several functions)."""
    __tracebackhide__ = True
    if used is None:
        return ()
    return tuple(u for u in used if u is not None) if isinstance(used, tuple) else (used,)


@contextmanager
def watch_calls(reference: list[str], package: list[str] | None = None,
                used: Uses | tuple[Uses | None, ...] | None = None):
    """Record the names of the reference functions called inside the block, with
    ``package`` also those of any function of rnn_course outside the checks, and with
    ``used`` (one :class:`Uses` or several) whether (and how) the learner's functions it
    watches ran."""
    __tracebackhide__ = True
    reference_files = _reference_files()
    package_files = _package_files() if package is not None else frozenset()
    watched = {u.code: u for u in each(used) if u.code is not None}
    previous = sys.getprofile()

    def profiler(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if code.co_filename in reference_files and code.co_name not in NOT_REFERENCE:
            reference.append(code.co_name)
        if code.co_filename in package_files:
            package.append(code.co_name)
        seen = watched.get(code) if watched else None
        if seen is not None:
            seen.called = True
            if seen.first_args is None:
                names = code.co_varnames[: code.co_argcount]
                seen.first_args = tuple(frame.f_locals.get(n) for n in names)

    sys.setprofile(profiler)
    try:
        yield
    finally:
        sys.setprofile(previous)


def reference_frame(tb) -> str | None:
    """The name of the first reference function a traceback passes through, if any."""
    files = _reference_files()
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in files and code.co_name not in NOT_REFERENCE:
            return code.co_name
        tb = tb.tb_next
    return None


def passes_through(tb, code) -> bool:
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return True
        tb = tb.tb_next
    return False
