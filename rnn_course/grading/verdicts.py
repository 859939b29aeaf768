"""Verdicts: run a notebook's locked test cells in the grader against the learner's sandboxed answers.

Book: the instructor guide (what the checks guarantee).

The notebook given here has been through nbgrader's sanitize step, so its locked cells
(the imports and every test cell, hidden tests included) are the instructor's, restored
from the gradebook. Those run here, in the grader's process, exactly as written; the
learner's functions they call are :class:`Proxy` objects that forward each call to the
sandbox. The answer cells run only in the sandbox, and no other unlocked cell runs at all.
So the checks, NumPy and the builtins the verdict depends on are out of the submission's
reach, and the existing checks, messages and diagnoses work unchanged.

The result is a plain dict (JSON): each graded cell's outputs (its check-mark line, or the
check's message as an error) and the problems to report (a time limit, a crash, huge output).
"""

from __future__ import annotations

import ast
import builtins
import io
import time
from contextlib import redirect_stdout

from .sandbox import Limits, Sandbox, SandboxCrash, SandboxTimeout

FORMAT = 2


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_answer(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(nbgrader_meta(cell).get("solution"))


def is_trusted(cell) -> bool:
    """A locked code cell with a grade_id that is not an answer: nbgrader's sanitize step
    restored its source from the gradebook (and removed every grade_id the gradebook does not know)."""
    meta = nbgrader_meta(cell)
    return (cell.get("cell_type") == "code" and bool(meta.get("locked")) and not meta.get("solution")
            and bool(meta.get("grade_id")))


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names a cell reads, names it binds at top level); empty sets if it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    loads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    binds = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            binds |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                binds |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return loads, binds


class Proxy:
    """Stands for one of the learner's functions in the grader: each call runs in the sandbox."""

    def __init__(self, runner: Runner, name: str):
        self._runner, self.__name__, self.__qualname__ = runner, name, name

    def __call__(self, *args, **kwargs):
        __tracebackhide__ = True
        return self._runner.call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"


def _error(ename: str, evalue: str) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


class Runner:
    """Grade one notebook: its trusted cells here, its answer cells in a sandbox."""

    def __init__(self, cells, *, allowed=None, limits: Limits = Limits(), hidden=()):
        self.cells = cells
        self.limits = limits
        self.answers = [(nbgrader_meta(c).get("grade_id", f"cell{i}"), c["source"])
                        for i, c in enumerate(cells) if is_answer(c)]
        self.trusted = [c for c in cells if is_trusted(c)]
        prelude = [c["source"] for c in self.trusted if not nbgrader_meta(c).get("grade")]
        self.sandbox = Sandbox(self.answers, prelude=prelude, allowed=allowed, limits=limits, hidden=hidden)
        self.problems: list[dict] = []
        self.part: str | None = None
        self.part_used: dict[str, float] = {}
        self.started = False
        self.reported_output = False

    def problem(self, kind: str, cause: str) -> None:
        entry = {"cell": self.part, "kind": kind, "cause": cause}
        if not any(p["cell"] == self.part and p["kind"] == kind for p in self.problems):
            self.problems.append(entry)

    def _budget_left(self) -> float:
        notebook = self.limits.notebook_seconds - self.sandbox.used
        if notebook <= 0:
            self.problem("time", f"not run: the notebook's time budget of {self.limits.notebook_seconds:g} s "
                                 f"was used up by earlier parts")
            raise SandboxTimeout(f"was not run: your notebook used up its time budget of "
                                 f"{self.limits.notebook_seconds:g} s in earlier parts")
        part = self.limits.part_seconds - self.part_used.get(self.part, 0.0)
        if part <= 0:
            raise SandboxTimeout(f"was not run: this part used up its time budget of {self.limits.part_seconds:g} s")
        return min(notebook, part)

    def _ensure_started(self) -> None:
        if self.sandbox.alive():
            return
        try:
            self.sandbox.start(timeout=max(self.limits.part_seconds, 5.0))
        finally:
            self._take_events()
        self.started = True

    def _take_events(self) -> None:
        """The sandbox's limits crossed and protocol broken, as problems of the current part."""
        for kind, cause in self.sandbox.take_events():
            self.problem(kind, cause)

    def call(self, name: str, args, kwargs):
        __tracebackhide__ = True
        timeout = self._budget_left()
        used = self.sandbox.used
        try:
            self._ensure_started()
            return self.sandbox.call(name, args, kwargs, timeout)
        except SandboxTimeout as exc:
            self.problem("time", f"{name} {exc}")
            raise
        except SandboxCrash as exc:  # a crash, the memory limit, or a broken protocol (exc.kind)
            self.problem(exc.kind, f"while running {name}: {exc}")
            raise
        except MemoryError:
            self.problem("memory", f"{name} ran out of memory (limit {self.limits.memory_bytes / 2**30:g} GiB)")
            raise
        finally:
            self._take_events()
            if self.part is not None:
                self.part_used[self.part] = self.part_used.get(self.part, 0.0) + self.sandbox.used - used

    def _learner_names(self, namespace: dict) -> list[str]:
        """The names the test cells read that no locked cell binds: the learner's to define.

        A name the locked setup cells bound (a star import included) is never the learner's.
        """
        wanted, bound = set(), set()
        for cell in self.trusted:
            loads, binds = _names(cell["source"])
            wanted |= loads - bound
            bound |= binds
        return sorted(wanted - bound - set(dir(builtins)) - set(namespace))

    def _bind_learner_names(self, namespace: dict) -> None:
        """Proxies for the learner's functions (and the learner's values) the test cells read.

        Only the names asked for are bound, whatever the sandbox answers (a reply that lists
        others breaks the protocol and binds nothing).
        """
        wanted = self._learner_names(namespace)
        if not wanted:
            return
        try:
            self._ensure_started()
            found = self.sandbox.inspect(wanted, timeout=10.0)
        except SandboxTimeout as exc:
            self.problem("time", f"listing the functions of your answer cells {exc}")
            return
        except SandboxCrash as exc:
            self.problem(exc.kind, f"listing the functions of your answer cells: {exc}")
            return
        finally:
            self._take_events()
        for name in wanted:
            kind, value = found[name]
            if kind == "callable":
                namespace[name] = Proxy(self, name)
            elif kind == "value":
                namespace[name] = value

    def _take_output(self) -> list[dict]:
        text = self.sandbox.output_text()
        dropped = self.sandbox.output.dropped
        if dropped and not self.reported_output:
            self.reported_output = True
            text += f"\n[output truncated: {dropped} more characters were not kept]\n"
            self.problem("output", f"printed more than {self.limits.output_chars} characters; the rest was dropped")
        return [_stream(text)] if text else []

    def run(self) -> dict:
        start = time.monotonic()
        outputs: dict[str, list] = {}
        namespace: dict = {"__name__": "__main__"}
        try:
            for cell in self.trusted:
                meta = nbgrader_meta(cell)
                if not meta.get("grade"):
                    exec(compile(cell["source"], "<setup>", "exec"), namespace)
            self._bind_learner_names(namespace)
            for cell_id, error in self.sandbox.defined.items():
                outputs[cell_id] = self._take_output() if error is None else [
                    _error(str(error.get("ename")), str(error.get("evalue")))]
            for cell in self.trusted:
                meta = nbgrader_meta(cell)
                if not meta.get("grade"):
                    continue
                self.part = meta.get("grade_id")
                outputs[self.part] = self._run_test(cell["source"], namespace)
        finally:
            self.sandbox.close()
        return {"format": FORMAT, "cells": outputs, "problems": self.problems,
                "seconds": round(time.monotonic() - start, 3), "limits": self.limits.as_dict(),
                "whole_sandbox_limits": self.sandbox.whole_limits}

    def _run_test(self, source: str, namespace: dict) -> list[dict]:
        printed = io.StringIO()
        error = None
        try:
            with redirect_stdout(printed):
                exec(compile(source, f"<test {self.part}>", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 - a failed check, or the learner's exception
            message = str(exc)
            if isinstance(exc, MemoryError) or "raised MemoryError" in message:
                self.problem("memory", f"ran out of memory (limit {self.limits.memory_bytes / 2**30:g} GiB)")
            error = _error(type(exc).__name__, message)
        outputs = self._take_output()
        if printed.getvalue():
            outputs.append(_stream(printed.getvalue()))
        if error:
            outputs.append(error)
        return outputs


def grade_cells(cells, *, allowed=None, limits: Limits = Limits(), hidden=()) -> dict:
    """The verdict for a sanitized notebook's cells (a list of nbformat cell dicts)."""
    return Runner(cells, allowed=allowed, limits=limits, hidden=hidden).run()
