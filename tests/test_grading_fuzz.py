"""One bad notebook never stops the class: 200 corruptions of real submissions.

Each corruption (truncation, deep nesting, huge strings, binary data, metadata of the wrong
types, duplicate and missing grade ids, huge cells, odd Unicode) goes through the layer that
reads every submission in the grading command and in nbgrader's sanitize step
(``repair.read_submission``, then nbgrader's ``DeduplicateIds`` and ``OverwriteCells``
and the verdict key, as ``submissions.prepare`` does). Asserted for each: nothing raises, the corruption is
reported (a repair the report and the gradebook flag show), and what is graded passes
nbgrader's own checks (``CheckCellMetadata``, the notebook format, writing it back), so
nbgrader cannot fail on it either. A handful of the worst go through the whole command
(``tests/grading_class.py``, graded in ``test_grading.py``).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

import grading_class as gc
from rnn_course.grading import store
from rnn_course.grading.submissions import prepare_cells
from rnn_course.grading.repair import MAX_PARSED_CHARS, read_submission

ROOT = Path(__file__).resolve().parents[1]
CASES = 200
DEPTH = 100_000
ASSIGNMENTS = ("ex01-recurrence", "ex04-lstm", "ex07-signals")


def meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def release_of(assignment):
    return nbformat.read(ROOT / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)


def correct_of(assignment):
    """The release notebook with the solutions as answers (a real, complete submission)."""
    source = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    sol = {meta(c)["grade_id"]: gc.SOLUTION.sub("", c.source) for c in source.cells if meta(c).get("solution")}
    return gc.with_answers(release_of(assignment), sol)


# --- corruptions: each takes (the notebook as a dict, rng) and returns the bytes submitted ---------

def _dump(nb: dict) -> bytes:
    return json.dumps(nb, indent=1).encode("utf-8")


def _graded(nb: dict, rng) -> dict:
    """A random cell that has nbgrader metadata."""
    return rng.choice([c for c in nb["cells"] if "nbgrader" in c.get("metadata", {})])


def truncated(nb, rng):
    text = _dump(nb)
    return text[: rng.randrange(1, len(text) - 3)]


def nested_document(nb, rng):
    return b"[" * DEPTH + b"]" * DEPTH


def nested_in_metadata(nb, rng):
    text = _dump(nb).decode()
    cut = text.index('"metadata": {') + len('"metadata": {')
    return (text[:cut] + '"deep": ' + "[" * DEPTH + "]" * DEPTH + ", " + text[cut:]).encode()


def nested_source(nb, rng):
    text = _dump(nb).decode()
    starts = [i for i in range(len(text)) if text.startswith('"source": ', i)]
    cut = rng.choice(starts) + len('"source": ')
    return (text[:cut] + "[" * DEPTH + text[cut:]).encode()


def deep_expression_renamed(nb, rng):
    """An answer too deep for the parser (MemoryError) whose grade_id was renamed (matched by its content)."""
    cell = rng.choice([c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")])
    cell["metadata"]["nbgrader"]["grade_id"] += "_mine"
    cell["source"] = cell["source"] + "\nx = " + "-" * gc.DEEP_EXPRESSION + "1\n"
    return _dump(nb)


def huge_grade_id(nb, rng):
    _graded(nb, rng)["metadata"]["nbgrader"]["grade_id"] = "x" * rng.choice([10**5, 5 * 10**6])
    return _dump(nb)


def huge_renamed_answer(nb, rng):
    """A renamed answer cell longer than the parser is given (found by a regular expression)."""
    cell = rng.choice([c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")])
    cell["metadata"]["nbgrader"]["grade_id"] = "renamed"
    cell["source"] = "# " + "y" * (MAX_PARSED_CHARS + 10) + "\n" + cell["source"]
    return _dump(nb)


def binary(nb, rng):
    return bytes(rng.randrange(256) for _ in range(rng.choice([1, 100, 5000])))


def binary_spliced(nb, rng):
    text = _dump(nb)
    at = rng.randrange(len(text))
    return text[:at] + b"\x00" + bytes(rng.randrange(256) for _ in range(64)) + text[at:]


WRONG = [None, 0, 1, 2.5, "", "yes", "true", [], [1], {}, {"a": 1}, True, False, float("nan")]


def wrong_nbgrader_value(nb, rng):
    cell = _graded(nb, rng)
    key = rng.choice(["grade", "solution", "locked", "points", "grade_id", "schema_version", "task", "cell_type"])
    old = cell["metadata"]["nbgrader"].get(key)
    value = rng.choice([v for v in WRONG if json.dumps(v) != json.dumps(old)] + ([2, 4, "3"] if key == "schema_version" else []))
    cell["metadata"]["nbgrader"][key] = value
    return json.dumps(nb).encode()


def wrong_structure(nb, rng):
    where = rng.choice(["nbgrader", "metadata", "cell", "source", "cells", "nbformat", "nb_metadata", "cell_type"])
    cell = _graded(nb, rng)
    if where == "nbgrader":
        cell["metadata"]["nbgrader"] = rng.choice([None, "x", [], 5, {}])
    elif where == "metadata":
        cell["metadata"] = rng.choice([None, "x", [], 5])
    elif where == "cell":
        nb["cells"][nb["cells"].index(cell)] = rng.choice([None, "x", [], 5])
    elif where == "source":
        cell["source"] = rng.choice([None, 5, {"a": 1}, [1, 2], [["x"]]])
    elif where == "cells":
        nb["cells"] = rng.choice([None, "x", {}, 5])
    elif where == "nbformat":
        nb[rng.choice(["nbformat", "nbformat_minor"])] = rng.choice([None, "4", 5, 99, []])
    elif where == "nb_metadata":
        nb["metadata"] = rng.choice([None, "x", [], 5])
    else:
        cell["cell_type"] = rng.choice(["raw", "markdown" if cell["cell_type"] == "code" else "code", 5, None])
    return json.dumps(nb).encode()


def duplicate_grade_id(nb, rng):
    cell = _graded(nb, rng)
    if rng.random() < 0.5:
        nb["cells"].insert(rng.randrange(len(nb["cells"])), copy.deepcopy(cell))
    else:
        other = _graded(nb, rng)
        other["metadata"]["nbgrader"]["grade_id"] = cell["metadata"]["nbgrader"]["grade_id"]
        if other is cell:
            nb["cells"].append(copy.deepcopy(cell))
    return _dump(nb)


def missing_grade_id(nb, rng):
    cell = _graded(nb, rng)
    how = rng.choice(["key", "cell", "metadata"])
    if how == "key":
        del cell["metadata"]["nbgrader"]["grade_id"]
    elif how == "cell":
        nb["cells"].remove(cell)
    else:
        del cell["metadata"]["nbgrader"]
    return _dump(nb)


def edited_flag(nb, rng):
    """A test cell made ungraded, or an answer cell made graded (the grade flag flipped)."""
    cell = _graded(nb, rng)
    flags = cell["metadata"]["nbgrader"]
    flags["grade"] = not flags.get("grade")
    if flags["grade"]:
        flags["points"] = rng.choice([1, 2, 5])
    return _dump(nb)


def huge_cell_renamed(nb, rng):
    cell = rng.choice([c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")])
    cell["metadata"]["nbgrader"]["grade_id"] = "big"
    cell["source"] += "\n" + "z = 1\n" * (5 * 10**5)
    return _dump(nb)


def lone_surrogate(nb, rng):
    cell = rng.choice([c for c in nb["cells"] if c["cell_type"] == "code"])
    cell["source"] += "\n# \ud800\n"
    return json.dumps(nb).encode()  # ensure_ascii: the surrogate is an escape, as some tools write it


CORRUPTIONS = [truncated, nested_document, nested_in_metadata, nested_source, deep_expression_renamed,
               huge_grade_id, huge_renamed_answer, binary, binary_spliced, wrong_nbgrader_value,
               wrong_nbgrader_value, wrong_structure, wrong_structure, wrong_structure, duplicate_grade_id,
               missing_grade_id, edited_flag, edited_flag, huge_cell_renamed, lone_surrogate]


@pytest.fixture(scope="module")
def bases():
    """(assignment, release, the gradebook's cells, real submissions as dicts)."""
    out = []
    for assignment in ASSIGNMENTS:
        release = release_of(assignment)
        correct = correct_of(assignment)
        buggy = gc.every(release, lambda n, a: "return None")
        out.append((assignment, release, gc.gradebook_cells(release), [as_dict(nb) for nb in (correct, buggy, release)]))
    return out


def as_dict(nb) -> dict:
    """A notebook as the JSON of its file, each cell's source as one string."""
    nb = json.loads(nbformat.writes(nb))
    for cell in nb["cells"]:
        cell["source"] = "".join(cell["source"])
    return nb


def _check(name, raw, assignment, release, cells) -> str | None:
    """None when the submission went through every step and was flagged; else what went wrong."""
    try:
        nb, repairs = read_submission(raw, release)
    except BaseException as exc:  # noqa: BLE001 - the failure this test looks for
        return f"read_submission raised {type(exc).__name__}: {str(exc)[:200]}"
    if not repairs:
        return "not flagged (no repair reported)"
    try:
        MetadataValidator().validate_nb(copy.deepcopy(nb))
        nbformat.validate(nb)
        nbformat.writes(nb).encode("utf-8")
        want = [(meta(c)["grade_id"], json.dumps({k: v for k, v in meta(c).items() if k != "checksum"}, sort_keys=True))
                for c in release.cells if meta(c).get("grade_id")]
        got = [(meta(c)["grade_id"], json.dumps({k: v for k, v in meta(c).items() if k != "checksum"}, sort_keys=True))
               for c in nb.cells if meta(c).get("grade_id")]
        assert got == want, "the nbgrader cells differ from the release's"
        prepared = prepare_cells(nb, cells, assignment, assignment)
        store.verdict_key(prepared, {}, {"limits": 1})
    except BaseException as exc:  # noqa: BLE001
        return f"after the repair, {type(exc).__name__}: {str(exc)[:200]}"
    return None


def test_two_hundred_corruptions_are_each_flagged_and_never_stop_grading(bases):
    rng = random.Random(21)
    failures, seen = [], set()
    for case in range(CASES):
        corrupt = CORRUPTIONS[case % len(CORRUPTIONS)]
        assignment, release, cells, submissions = bases[case % len(bases)]
        nb = copy.deepcopy(rng.choice(submissions))
        raw = corrupt(nb, rng)
        seen.add(corrupt.__name__)
        problem = _check(corrupt.__name__, raw, assignment, release, cells)
        if problem:
            failures.append(f"case {case} ({corrupt.__name__}, {assignment}): {problem}")
    assert seen == {c.__name__ for c in CORRUPTIONS}
    assert not failures, f"{len(failures)} of {CASES} corruptions:\n" + "\n".join(failures[:30])


def test_an_intact_submission_is_graded_as_it_is(bases):
    """The control: what is not corrupted is not flagged (so a flag above means something)."""
    for assignment, release, _cells, submissions in bases:
        for submission in submissions:
            nb, repairs = read_submission(_dump(submission), release)
            assert repairs == [], (assignment, repairs)
            assert nb.cells == nbformat.from_dict(submission)["cells"]
