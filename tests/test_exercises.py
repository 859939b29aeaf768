"""The exercise notebooks: exercises fail only where learners write code, and exercises/ is
exactly what nbgrader generates from solutions/. (The solutions run clean under nbval:
``solutions`` is in pytest's ``testpaths`` and ``--nbval-lax`` in its options.)

Execution tests start Jupyter kernels (marked slow); the structure tests read JSON only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))
REGENERATE = "run `bash scripts/generate-exercises.sh` and commit exercises/"

HEADING_POINTS = re.compile(r"^#+ .*\((\d+) points?\)\s*$", re.MULTILINE)


def ids(paths):
    return [p.relative_to(ROOT).as_posix() for p in paths]


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_test_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def errors(cell) -> list:
    return [out for out in cell.get("outputs", []) if out.output_type == "error"]


def test_there_are_exercises():
    assert SOLUTIONS, "no solutions/<assignment>/<assignment>.ipynb found"
    for path in SOLUTIONS:
        assert path.stem == path.parent.name, f"{path.relative_to(ROOT)}: name the notebook after its folder"


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("path", SOLUTIONS, ids=ids(SOLUTIONS))
def test_source_notebook_structure(path):
    """What nbgrader does not check itself: docstrings, points in headings, no asserts in hidden tests."""
    nb = nbformat.read(path, as_version=4)
    grade_ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if "grade_id" in nbgrader_meta(c)]
    assert len(grade_ids) == len(set(grade_ids)), f"duplicate grade_id in {grade_ids}"

    answers = [c for c in nb.cells if nbgrader_meta(c).get("solution")]
    tests = [c for c in nb.cells if is_test_cell(c)]
    assert answers, "no answer cells (nbgrader solution: true)"
    assert tests, "no graded test cells"
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source, f"{nbgrader_meta(cell)['grade_id']}: no ### BEGIN SOLUTION"
    for cell in tests:
        gid = nbgrader_meta(cell)["grade_id"]
        assert nbgrader_meta(cell).get("locked"), f"{gid}: test cells must be locked"
        assert nbgrader_meta(cell).get("points", 0) > 0, f"{gid}: test cell without points"
        assert re.match(r'^"""[^\n]+"""\n', cell.source), f'{gid}: start with a one-line """docstring""" saying what it checks'
        hidden = re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source, re.DOTALL)
        for region in hidden:
            # A failing assert's traceback shows its line in the feedback; call a check function instead.
            assert not re.search(r"^\s*assert\b", region, re.MULTILINE), f"{gid}: hidden tests must call check functions, not assert"

    # Each "(N points)" heading announces the points of the test cells below it, up to the next one.
    announced, found, current = [], [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (m := HEADING_POINTS.search(cell.source)):
            announced.append(int(m.group(1)))
            found.append(0)
            current = len(found) - 1
        elif is_test_cell(cell):
            assert current is not None, f"{nbgrader_meta(cell)['grade_id']}: test cell before any '(N points)' heading"
            found[current] += nbgrader_meta(cell)["points"]
    assert announced == found, f"headings announce {announced} points but the test cells below them give {found}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=ids(SOLUTIONS))
def test_source_notebook_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"clear the outputs of cells {dirty} before committing (Kernel > Restart & Clear Output)"


def test_exercises_are_generated_from_solutions(tmp_path, run_nbgrader):
    """exercises/ is exactly what `nbgrader generate_assignment` makes from solutions/ now."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    run_nbgrader(tmp_path, "generate_assignment", "*", "--force", "--no-db")

    def files(folder: Path) -> set[str]:
        skip = {".ipynb_checkpoints", "__pycache__"}
        return {
            p.relative_to(folder).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not skip.intersection(p.relative_to(folder).parts)
        }

    want, have = files(tmp_path / "exercises"), files(ROOT / "exercises")
    assert have == want, (
        f"exercises/ is out of date (missing {sorted(want - have)}, extra {sorted(have - want)}): {REGENERATE}"
    )

    def summary(path: Path) -> list:
        nb = nbformat.read(path, as_version=4)
        return [(c.cell_type, c.source, nbgrader_meta(c)) for c in nb.cells]

    for name in sorted(want):
        generated, committed = tmp_path / "exercises" / name, ROOT / "exercises" / name
        if name.endswith(".ipynb"):
            stale = summary(generated) != summary(committed)
        else:
            stale = generated.read_bytes() != committed.read_bytes()
        assert not stale, f"exercises/{name} differs from what solutions/ generates: {REGENERATE}"


# --------------------------------------------------------------------------- execution


def test_nbval_runs_every_solution_notebook():
    """pytest collects each instructor version, hidden tests included, as nbval items (slow)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "slow", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    collected = {line.split("::")[0] for line in proc.stdout.splitlines() if ".ipynb::" in line}
    assert collected == set(ids(SOLUTIONS)), proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("path", EXERCISES, ids=ids(EXERCISES))
def test_exercise_notebook_fails_only_where_learners_write_code(path, execute_notebook):
    """The student version runs; the only errors are NotImplementedError, and every test cell fails."""
    nb = execute_notebook(nbformat.read(path, as_version=4), path.parent, allow_errors=True)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        for err in errors(cell):
            where = nbgrader_meta(cell).get("grade_id") or cell.source.splitlines()[0]
            assert err.ename == "NotImplementedError", (
                f"cell {where!r} raised {err.ename}: {err.evalue} (only NotImplementedError is allowed)"
            )
    for cell in code:
        if nbgrader_meta(cell).get("solution"):
            assert not errors(cell), f"answer cell {nbgrader_meta(cell)['grade_id']} fails when it is run"
        if is_test_cell(cell):
            # An untouched exercise must score nothing: a test that passes here cannot fail.
            assert errors(cell), f"test cell {nbgrader_meta(cell)['grade_id']} passes on the unanswered exercise"
