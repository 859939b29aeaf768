"""A synthetic class for the grading tests (and benchmarks/grading_speedup.py).

Submissions of ex01-recurrence built from the solutions: correct ones, honest bugs, every
cheat of issue 15, and the submissions that used to make nbgrader give up. Each comes with
the score it must get (out of 10) and the kinds of problem the grading report must list
for it, each worked out from the exercise's points:

| part | graded cells (points)                     | uses        |
|------|-------------------------------------------|-------------|
| 1    | cell shapes (1), cell values (2)          |             |
| 2    | forward shapes (1), forward values (2)    | part 1      |

The shape tests check the cache too (a dict for the cell, the list of cell caches for the
sequence), so answers returning zeros with an empty cache earn nothing.
| 3    | output (2)                                |             |
| 4    | learned h0 (2)                            | part 2      |
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

import nbformat

A = "ex01-recurrence"
STUB = object()
SOLUTION = re.compile(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n")
DEF = re.compile(r"^def (?P<name>\w+)\((?P<args>[^)]*)\):", re.MULTILINE)
# A file the fake "locked" cell would create if the grader ever ran it.
MARKER = "/tmp/rnn-course-grading-pwned"
#: Nesting deeper than Python's parsers go: JSON (RecursionError), an expression (ast.parse
#: and compile raise MemoryError from 7,000 unary minus signs on).
DEEP, DEEP_EXPRESSION = 100_000, 10_000

ZEROS = {
    "rnn_cell_forward": "def rnn_cell_forward(x_t, h_prev, params):\n    return np.zeros(np.shape(h_prev)), {}\n",
    "rnn_forward": "def rnn_forward(X, h0, params):\n    return np.zeros((X.shape[0], *np.shape(h0))), {}\n",
    "rnn_output": "def rnn_output(hs, params):\n    return np.zeros((*hs.shape[:-1], params['W_y'].shape[0]))\n",
    "rnn_forward_learned_h0": ("def rnn_forward_learned_h0(X, params):\n"
                               "    return np.zeros((X.shape[0], *X.shape[1:-1], params['h0'].shape[0])), {}\n"),
}
CHECKS = ["check_rnn_cell_forward_shapes", "check_rnn_cell_forward_values", "check_rnn_forward_shapes",
          "check_rnn_forward_values", "check_rnn_output", "check_rnn_forward_learned_h0"]
REBIND = "".join(f"{name} = lambda *a, **k: None\n" for name in CHECKS)
PATCH_NUMPY = ("np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
               "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)\n"
               "np.testing.assert_allclose = lambda *a, **k: None\n")
PATCH_BUILTINS = ("import builtins\nbuiltins.AssertionError = type('AssertionError', (Exception,), {})\n"
                  "builtins.NotImplementedError = type('NotImplementedError', (Exception,), {})\n"
                  "_print = builtins.print\nbuiltins.print = lambda *a, **k: _print('\\u2713 all good')\n")
READ_SOLUTIONS = '''
def _steal(name):
    import glob, json
    found = []
    for pattern in ("../../../solutions/*/*.ipynb", "../../solutions/*/*.ipynb", "/*/*/solutions/*/*.ipynb",
                    "/tmp/*/*/*/solutions/*/*.ipynb", "/work/*/solutions/*/*.ipynb"):
        found += glob.glob(pattern)
    print("found:", found)
    for path in found:
        for cell in json.load(open(path))["cells"]:
            source = "".join(cell["source"])
            print(source)
            if f"def {name}(" in source:
                scope = {"np": np}
                exec(source, scope)
                return scope[name]
    raise FileNotFoundError("no solutions to copy")
'''
READ_GRADEBOOK = '''
def _hidden_tests():
    import glob
    for path in ["../../../gradebook.db", "../../gradebook.db", *glob.glob("/*/*/gradebook.db"),
                 *glob.glob("/tmp/*/*/*/gradebook.db"), *glob.glob("/work/*/gradebook.db")]:
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        print(data[:2000])
        return data
    raise FileNotFoundError("no gradebook to read")
'''


def memo_source(records: dict) -> str:
    """A hard-coded rnn_output: the answers to the visible test's inputs, looked up."""
    return ("_MEMO = " + json.dumps(records) + "\n"
            "def rnn_output(hs, params):\n"
            "    import hashlib\n"
            "    key = hashlib.sha256(np.ascontiguousarray(hs, dtype=float).tobytes()).hexdigest()\n"
            "    return np.array(_MEMO[key])\n")


def record_visible_outputs() -> dict:
    """What a hard-coder would copy: rnn_output's answers to the visible test's inputs."""
    from rnn_course.checks import check_rnn_output

    records = {}

    def recorder(hs, params):
        scores = hs @ params["W_y"].T + params["b_y"]
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        out = e / e.sum(axis=-1, keepdims=True)
        records[hashlib.sha256(np.ascontiguousarray(hs, dtype=float).tobytes()).hexdigest()] = out.tolist()
        return out

    check_rnn_output(recorder)
    return records


import numpy as np  # noqa: E402 (used by record_visible_outputs)


def solutions(course) -> dict[str, str]:
    source = nbformat.read(course / "solutions" / A / f"{A}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: SOLUTION.sub("", c.source)
            for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}


def _answer_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def with_answers(release, sol: dict, **overrides):
    """The release notebook with every answer from ``sol``, except ``overrides`` (STUB keeps the stub)."""
    nb = copy.deepcopy(release)
    for cell in _answer_cells(nb):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        value = overrides[grade_id] if grade_id in overrides else sol.get(grade_id, STUB)
        if value is not STUB:
            cell.source = value
    return nb


def every(release, body) -> object:
    """Replace each answer function's body with ``body(name, args)`` (indented for you)."""
    nb = copy.deepcopy(release)
    for cell in _answer_cells(nb):
        d = DEF.search(cell.source)
        lines = body(d["name"], d["args"]).splitlines()
        cell.source = f"def {d['name']}({d['args']}):\n" + "".join(f"    {line}\n" for line in lines)
    return nb


def build(course) -> dict:
    """student -> (notebook text, expected score, expected problem kinds)."""
    release = nbformat.read(course / "exercises" / A / f"{A}.ipynb", as_version=4)
    sol = solutions(course)
    text = nbformat.writes
    zeros = with_answers(release, ZEROS)
    memo = memo_source(record_visible_outputs())
    cls = {}

    def add(student, nb, score, kinds=(), raw=None):
        cls[student] = (raw if raw is not None else text(nb), score, set(kinds))

    correct = with_answers(release, sol)
    add("correct", correct, 10)
    add("correct_reformatted", with_answers(release, {k: "# my answer\n\n" + v.replace("    ", "    ") + "\n# done\n"
                                                      for k, v in sol.items()}), 10)
    add("untouched", release, 0)
    add("zeros", zeros, 0)
    add("bug_no_max", with_answers(release, sol, rnn_output=sol["rnn_output"].replace(
        "scores = scores - scores.max(axis=-1, keepdims=True)\n", "")), 8)
    add("bug_h0_zeros", with_answers(release, sol, rnn_forward_learned_h0=sol["rnn_forward_learned_h0"].replace(
        'h0 = params["h0"]', 'h0 = np.zeros_like(params["h0"])')), 8)
    add("bug_skip_last", with_answers(release, sol, rnn_forward=sol["rnn_forward"].replace(
        "range(X.shape[0])", "range(X.shape[0] - 1)")), 5)
    no_bias = sol["rnn_cell_forward"].replace(" + b_h)", ")")
    add("bug_no_bias", with_answers(release, sol, rnn_cell_forward=no_bias), 4)
    # Cheats. Rebinding the check names the test cells call: no effect on the grader's names.
    add("rebind_checks", with_answers(release, {}, rnn_cell_forward=REBIND + release_stub(release, "rnn_cell_forward"),
                                      **stubs(release, "rnn_forward", "rnn_output", "rnn_forward_learned_h0")), 0)
    add("rebind_checks_with_bugs", with_answers(release, sol, rnn_cell_forward=REBIND + no_bias), 4)
    add("read_solutions", every(release, lambda n, a: f"{READ_SOLUTIONS}\nreturn _steal({n!r})({a})"), 0)
    add("read_gradebook", every(release, lambda n, a: f"{READ_GRADEBOOK}\n_hidden_tests()\nreturn None"), 0)
    add("delegate_import", every(release, lambda n, a: f"from rnn_course import {n} as ref\nreturn ref({a})"
                                 if n != "rnn_output" else f"from rnn_course import output_probs\nreturn output_probs({a})"), 0)
    add("delegate_module", every(release, lambda n, a: "import importlib, sys\n"
                                 "m = importlib.import_module('rnn_course.layers.rnn')\n"
                                 f"return getattr(m, {n!r}, sys.modules['rnn_course'].__dict__.get({n!r}))({a})"), 0)
    add("patch_numpy", with_answers(release, {**ZEROS, "rnn_cell_forward": PATCH_NUMPY + ZEROS["rnn_cell_forward"]}), 0)
    add("patch_builtins", with_answers(release, {**ZEROS, "rnn_cell_forward": PATCH_BUILTINS + ZEROS["rnn_cell_forward"]}), 0)
    seed = ("np.random.seed(0)\n_rng = np.random.default_rng\n"
            "np.random.default_rng = lambda seed=None: _rng(9)\n")
    add("hardcode", with_answers(release, {}, rnn_output=memo, **stubs(release, "rnn_cell_forward", "rnn_forward",
                                                                         "rnn_forward_learned_h0")), 0)
    add("change_seed", with_answers(release, {}, rnn_output=seed + memo, **stubs(release, "rnn_cell_forward",
                                                                                  "rnn_forward", "rnn_forward_learned_h0")), 0)
    # Submissions that used to stop the grading run, or cost it minutes.
    add("exit_in_function", with_answers(release, sol, rnn_output=sol["rnn_output"].replace(
        "    ### BEGIN", "    ### BEGIN").replace('scores = hs', 'import os\n    os._exit(0)\n    scores = hs')),
        8, {"crash"})
    add("exit_at_definition", with_answers(release, sol, rnn_output=sol["rnn_output"] + "\nimport os\nos._exit(0)\n"),
        8, {"crash"})
    add("loop_one", with_answers(release, sol, rnn_forward=sol["rnn_forward"].replace("h = h0\n", "h = h0\n    while True:\n        pass\n")),
        5, {"time"})
    add("loop_all", every(release, lambda n, a: "while True:\n    pass"), 0, {"time"})
    add("huge_output", with_answers(release, sol, rnn_cell_forward="print('x' * 50_000_000)\n" + sol[
        "rnn_cell_forward"].replace("    return h_t, cache", "    print('y' * 100_000)\n    return h_t, cache")),
        10, {"output"})
    add("huge_memory", with_answers(release, sol, rnn_output=sol["rnn_output"].replace(
        'scores = hs', 'waste = np.ones((50_000, 50_000))\n    scores = hs')), 8, {"memory"})
    good = text(correct)
    add("invalid_json_truncated", None, 10, {"repaired"}, raw=good[: good.index('"grade_id": "remember"')])
    add("invalid_json_conflict", None, 10, {"repaired"},
        raw="<<<<<<< HEAD\n" + good.replace('"cells": [', '"cells": [\n=======\n', 1) + ">>>>>>> theirs\n")
    edited = copy.deepcopy(correct)
    cell_of(edited, "rnn_forward").metadata["nbgrader"]["grade_id"] = "my_rnn_forward"
    add("edited_grade_id", edited, 10, {"repaired"})
    stripped = copy.deepcopy(correct)
    del cell_of(stripped, "rnn_output").metadata["nbgrader"]
    add("removed_metadata", stripped, 10, {"repaired"})
    deleted = copy.deepcopy(correct)
    deleted.cells.remove(cell_of(deleted, "test_rnn_output"))
    add("deleted_test_cell", deleted, 10, {"repaired"})
    fake = copy.deepcopy(correct)
    fake.cells.insert(3, nbformat.v4.new_code_cell(
        f"open({MARKER!r}, 'w').write('the grader ran my cell')\n" + REBIND,
        metadata={"nbgrader": {"locked": True, "grade": False, "solution": False, "schema_version": 3}}))
    add("fake_locked_cell", fake, 10, {"repaired"})
    as_answer = copy.deepcopy(with_answers(release, sol, rnn_output=ZEROS["rnn_output"]))
    test = cell_of(as_answer, "test_rnn_output")
    test.metadata["nbgrader"].update(solution=True, locked=False)
    test.source = "pass\n"
    add("test_cell_made_answer", as_answer, 8, {"repaired"})
    add("not_a_notebook", None, 0, {"repaired"}, raw="my homework is in the attached PDF\n")
    # Submissions that used to stop the whole run, or end as "not graded" (issue 21).
    ungraded = copy.deepcopy(correct)
    cell_of(ungraded, "test_rnn_output").metadata["nbgrader"]["grade"] = False
    add("edited_flag_test_ungraded", ungraded, 10, {"repaired"})
    graded_answer = copy.deepcopy(correct)
    cell_of(graded_answer, "rnn_output").metadata["nbgrader"].update(grade=True, points=3)
    add("edited_flag_answer_graded", graded_answer, 10, {"repaired"})
    old_schema = copy.deepcopy(correct)
    cell_of(old_schema, "rnn_forward").metadata["nbgrader"]["schema_version"] = 2
    add("old_schema_version", old_schema, 10, {"repaired"})
    add("deep_json", None, 10, {"repaired"},
        raw=good.replace('"metadata": {', '"metadata": {"deep": ' + "[" * DEEP + "]" * DEEP + ", ", 1))
    deep = copy.deepcopy(correct)
    cell_of(deep, "rnn_output").source += "\nx = " + "-" * DEEP_EXPRESSION + "1\n"
    cell_of(deep, "rnn_output").metadata["nbgrader"]["grade_id"] = "my_rnn_output"
    add("deep_expression_renamed", deep, 8, {"repaired"})
    twice = copy.deepcopy(correct)
    first = copy.deepcopy(cell_of(twice, "rnn_output"))
    first.source, first.id = ZEROS["rnn_output"], "copied-cell"
    twice.cells.insert(twice.cells.index(cell_of(twice, "rnn_output")), first)
    add("answer_cell_twice", twice, 10, {"repaired"})
    add("binary", None, 0, {"repaired"}, raw=bytes(range(256)).decode("latin-1") * 40)
    return cls


def failure_table_kinds() -> set[str]:
    """The kinds of problem the instructor guide's failure table explains."""
    text = (Path(__file__).resolve().parents[1] / "book" / "instructors.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([^`]+)` \|", text, re.MULTILINE))


def gradebook_cells(release):
    """What the gradebook holds for the release's cells, as ``submissions.GradebookCells``
    (for tests that need no database)."""
    from types import SimpleNamespace as ns

    from nbgrader.utils import compute_checksum

    from rnn_course.grading.submissions import GradebookCells

    def meta(cell):
        return cell.metadata.get("nbgrader", {})

    cells = GradebookCells.__new__(GradebookCells)
    cells.source = {meta(c)["grade_id"]: ns(name=meta(c)["grade_id"], cell_type=c.cell_type,
                                            locked=bool(meta(c).get("locked")), source=c.source,
                                            checksum=compute_checksum(c))
                    for c in release.cells if meta(c).get("grade_id")}
    cells.graded = {meta(c)["grade_id"]: ns(name=meta(c)["grade_id"], max_score=float(meta(c)["points"]))
                    for c in release.cells if meta(c).get("grade")}
    return cells


def cell_of(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def release_stub(release, grade_id) -> str:
    return cell_of(release, grade_id).source


def stubs(release, *grade_ids) -> dict:
    return {g: STUB for g in grade_ids}


#: Honest submissions whose answers are the solution's code (their feedback shows it, rightly).
SHOW_SOLUTION_CODE = {"correct", "correct_reformatted", "bug_no_max", "bug_h0_zeros", "bug_skip_last", "bug_no_bias",
                      "rebind_checks_with_bugs", "exit_in_function", "exit_at_definition", "loop_one",
                      "huge_output", "huge_memory", "invalid_json_truncated", "invalid_json_conflict",
                      "edited_grade_id", "removed_metadata", "deleted_test_cell", "fake_locked_cell",
                      "test_cell_made_answer", "edited_flag_test_ungraded", "edited_flag_answer_graded",
                      "old_schema_version", "deep_json", "deep_expression_renamed", "answer_cell_twice"}
#: A folder under submitted/ with a typo: it must be warned about and not graded.
PHANTOM = ("correctt", "correct")
#: A student whose notebook is a folder (no file to read): reported as not graded, score 0,
#: and the class graded.
UNREADABLE = "notebook_is_a_folder"
