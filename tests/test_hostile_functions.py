"""Checks judge against the inputs they chose, whatever the learner's functions do to them.

A learner's function can change the arrays it is given, or keep them (in its cache, say)
and change them in a later call. A check that computed its expected values from such an
array after the learner's code ran would compare the learner's answer with an answer to
inputs the learner chose: a backward pass that zeroes the weights it kept in its cache
would then match a reference computed with zero weights.

Every graded test cell of every exercise (visible and hidden part) runs here with each of
the learner's functions replaced by a hostile twin: the solution's code, run on its
arguments after it has changed their arrays (halved every float), in two ways:

- ``arguments``: every array reachable from its arguments, at every call;
- ``kept``: only arrays it was given in an earlier call and gets back now (through a cache),
  the way a learner's backward pass reaches the arrays its forward pass was given.

Whenever the change altered what the function returns, the check must fail. The checks
hold because :func:`rnn_course.checks._core.call_learner` gives the learner private copies
of its arguments (and checks the ones it may change itself).
"""

from __future__ import annotations

import copy
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import numpy as np
import pytest

from rnn_course.checks import FeedbackError

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS\n?", re.S)


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _arrays(value, out=None) -> list[np.ndarray]:
    """Every writeable float array reachable from ``value`` through dicts, lists and tuples."""
    out = [] if out is None else out
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and value.flags.writeable and value.size and all(a is not value for a in out):
            out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _arrays(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _arrays(v, out)
    return out


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
        except (TypeError, ValueError):
            return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - two objects that do not compare
        return False


class Hostile:
    """The learner's functions, each changing what it is given (see the module's doc)."""

    def __init__(self, functions: dict, mode: str):
        self.functions, self.mode = functions, mode
        self.given: list[np.ndarray] = []  # arrays received in earlier calls (kept alive)
        self.changed = False  # a change of inputs altered a result since the last reset

    def twin(self, fn):
        def hostile(*args, **kwargs):
            pristine = copy.deepcopy((args, kwargs))
            reachable = _arrays((args, kwargs))
            targets = reachable if self.mode == "arguments" else [
                a for a in reachable if any(a is g for g in self.given)]
            for a in targets:
                a *= 0.5
            self.given += [a for a in reachable if all(a is not g for g in self.given)]
            result = fn(*args, **kwargs)
            if targets and not _same(result, fn(*pristine[0], **pristine[1])):
                self.changed = True
            return result

        hostile.__name__ = fn.__name__
        return hostile

    def namespace(self, setup: dict) -> dict:
        return {**setup, **{name: self.twin(fn) for name, fn in self.functions.items()}}


def _load(assignment: str):
    """(setup namespace, the solution's functions, [(grade_id, visible part, hidden part)])."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    setup: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta.get("locked") and not meta.get("grade"):
            exec(compile(cell.source, "<setup>", "exec"), setup)
    learner = dict(setup)
    before = set(learner)
    for cell in nb.cells:
        if cell.cell_type == "code" and _meta(cell).get("solution"):
            exec(compile(cell.source, "<answer>", "exec"), learner)
    functions = {k: v for k, v in learner.items() if k not in before and callable(v) and not isinstance(v, type)}
    tests = []
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            hidden = "".join(HIDDEN.findall(cell.source))
            tests.append((meta["grade_id"], HIDDEN.sub("", cell.source), hidden))
    return setup, functions, tests


CASES = [pytest.param(a, mode, id=f"{a}-{mode}") for a in ASSIGNMENTS for mode in ("arguments", "kept")]


@pytest.mark.parametrize("assignment, mode", CASES)
def test_checks_judge_against_their_own_inputs(assignment, mode):
    setup, functions, tests = _load(assignment)
    assert functions and tests, f"{assignment}: no answer functions or no graded tests"
    hostile = Hostile(functions, mode)
    changed, passed = [], []
    for grade_id, visible, hidden in tests:
        for part, source in (("visible", visible), ("hidden", hidden)):
            if "check_" not in source:
                continue
            hostile.changed = False
            hostile.given = []
            try:
                with redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
                    exec(compile(source, f"<{grade_id} {part}>", "exec"), hostile.namespace(setup))
            except FeedbackError:
                outcome = "failed"
            else:
                outcome = "passed"
            if hostile.changed:
                changed.append(f"{grade_id} {part}")
                if outcome == "passed":
                    passed.append(f"{grade_id} {part}")
    assert not passed, (f"{assignment} ({mode}): these checks passed a function that changed "
                        f"its inputs and answered for the changed ones: {passed}")
    if mode == "arguments":  # nearly every check gives arrays: the test must have bitten
        assert len(changed) >= len(tests), f"{assignment}: only {changed} changed anything"


def test_a_cache_reaches_what_the_forward_pass_was_given():
    """The ``kept`` mode bites where a backward pass reads a cache (ex06's classifier)."""
    setup, functions, tests = _load("ex06-language")
    hostile = Hostile(functions, "kept")
    source = next(v for g, v, _ in tests if g == "test_classifier_backward")
    with pytest.raises(FeedbackError), redirect_stdout(io.StringIO()):
        exec(compile(source, "<test>", "exec"), hostile.namespace(setup))
    assert hostile.changed
