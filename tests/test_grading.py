"""The grading pipeline end to end, as an instructor runs it, in a throwaway course folder.

generate-exercises.sh --gradebook -> student import -> submissions -> autograde
-> generate_feedback -> export, with five kinds of submission:

| student     | answer cells                                  | expected score |
|-------------|-----------------------------------------------|----------------|
| correct     | the solution                                  | full marks     |
| untouched   | the release notebook as handed out            | 0              |
| raising     | `raise ValueError(...)`                       | 0              |
| looping     | `while True: pass` (hits the cell timeout)    | 0, run finishes|
| delegating  | calls rnn_course's reference implementation   | 0              |
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
# Per-cell timeout while grading here: small, so the looping submission costs seconds.
CELL_TIMEOUT = 5
STUDENTS = ("correct", "untouched", "raising", "looping", "delegating")

STUB = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError\(\)[ \t]*$", re.MULTILINE)
DEF = re.compile(r"^def (?P<name>\w+)\((?P<args>[^)]*)\):", re.MULTILINE)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def fill_answers(release, body) -> None:
    """Replace the `raise NotImplementedError()` stub of every answer cell with ``body(def_match)``."""
    for cell in release.cells:
        if not nbgrader_meta(cell).get("solution"):
            continue
        definition = DEF.search(cell.source)
        assert definition and STUB.search(cell.source), f"unexpected answer cell:\n{cell.source}"

        def replace(stub):
            return "\n".join(stub["indent"] + line for line in body(definition).splitlines())

        cell.source = STUB.sub(replace, cell.source, count=1)


def make_submissions(course: Path, ASSIGNMENT: str) -> None:
    NOTEBOOK = f"{ASSIGNMENT}.ipynb"
    release = course / "exercises" / ASSIGNMENT / NOTEBOOK
    source = nbformat.read(course / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    solutions = {
        nbgrader_meta(c)["grade_id"]: re.sub(r"[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", c.source)
        for c in source.cells
        if nbgrader_meta(c).get("solution")
    }

    def submission(student: str):
        nb = nbformat.read(release, as_version=4)
        if student == "correct":
            for cell in nb.cells:
                if nbgrader_meta(cell).get("solution"):
                    cell.source = solutions[nbgrader_meta(cell)["grade_id"]]
        elif student == "raising":
            fill_answers(nb, lambda d: f'raise ValueError("I give up on {d["name"]}")')
        elif student == "looping":
            fill_answers(nb, lambda d: "while True:\n    pass")
        elif student == "delegating":
            fill_answers(nb, lambda d: f"from rnn_course import {d['name']} as ref\nreturn ref({d['args']})")
        return nb

    for student in STUDENTS:
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(submission(student), folder / NOTEBOOK)


class _Text(HTMLParser):
    """The visible text of an HTML page (syntax highlighting splits code into many spans)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0  # inside <style> or <script>

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("style", "script")

    def handle_endtag(self, tag):
        self.skipping -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return html.unescape("".join(parser.parts))


@pytest.mark.slow
@pytest.mark.parametrize("ASSIGNMENT", ASSIGNMENTS)
def test_grading_pipeline(tmp_path, run_nbgrader, kernel_env, ASSIGNMENT):
    NOTEBOOK = f"{ASSIGNMENT}.ipynb"
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    timings = {}

    def step(name, *args):
        start = time.perf_counter()
        run_nbgrader(course, *args)
        timings[name] = time.perf_counter() - start

    # The instructor's commands (README), in order. `generate-exercises.sh --gradebook`
    # records the hidden tests in the gradebook; autograde puts them back into every submission.
    (course / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "generate-exercises.sh", course / "scripts")
    start = time.perf_counter()
    proc = subprocess.run(
        ["bash", "scripts/generate-exercises.sh", "--gradebook"], cwd=course, env=kernel_env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"generate-exercises.sh --gradebook failed:\n{proc.stdout}\n{proc.stderr}"
    timings["generate-exercises.sh --gradebook"] = time.perf_counter() - start
    (course / "students.csv").write_text("id,first_name,last_name\n" + "".join(f"{s},{s},Student\n" for s in STUDENTS))
    step("student import", "db", "student", "import", "students.csv")
    make_submissions(course, ASSIGNMENT)
    step("autograde", "autograde", ASSIGNMENT, f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}")
    step("generate_feedback", "generate_feedback", ASSIGNMENT)
    step("export", "export", "--to=grades.csv")
    print("nbgrader timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))

    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT}
    assert sorted(rows) == sorted(STUDENTS), f"exported grades list {sorted(rows)}"
    max_score = float(rows["correct"]["max_score"])
    assert max_score > 0
    scores = {s: float(rows[s]["score"]) for s in STUDENTS}
    expected = {s: (max_score if s == "correct" else 0.0) for s in STUDENTS}
    assert scores == expected

    # Why each wrong submission scored nothing (so a 0 is for the right reason).
    def test_errors(student):
        nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
        return {
            nbgrader_meta(c)["grade_id"]: [o.ename for o in c.outputs if o.output_type == "error"]
            for c in nb.cells
            if nbgrader_meta(c).get("grade") and c.cell_type == "code"
        }

    assert all(e == ["NotImplementedError"] for e in test_errors("untouched").values()), test_errors("untouched")
    assert all("CellTimeoutError" in e for e in test_errors("looping").values()), test_errors("looping")
    assert all(e == ["FeedbackError"] for e in test_errors("delegating").values()), test_errors("delegating")
    assert all(e for e in test_errors("raising").values()), test_errors("raising")
    assert not any(test_errors("correct").values()), test_errors("correct")

    # Feedback shows the visible tests and never the hidden ones.
    source = nbformat.read(course / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
    hidden_lines = {
        line.strip() for c in source.cells for region in HIDDEN.findall(c.source) for line in region.splitlines()
    } - {""}
    visible_lines = {
        line.strip()
        for c in source.cells
        if nbgrader_meta(c).get("grade") and c.cell_type == "code"
        for line in HIDDEN.sub("", c.source).splitlines()
        if line.strip().startswith("check_")
    }
    assert visible_lines, "the exercise has no visible tests"
    assert hidden_lines, "the exercise has no hidden tests"
    for student in STUDENTS:
        page = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        text = page_text(page)
        missing = sorted(line for line in visible_lines if line not in text)
        assert not missing, f"{page.name}: visible tests missing from the feedback: {missing}"
        leaked = sorted(line for line in hidden_lines if line in text)
        assert not leaked, f"feedback for {student} shows hidden test code: {leaked}"
        assert "HIDDEN TESTS" not in text
        assert "Traceback" not in text, f"feedback for {student} shows a full traceback (see Execute.extra_arguments)"
    delegating = page_text(course / "feedback" / "delegating" / ASSIGNMENT / f"{ASSIGNMENT}.html")
    assert "reference implementation" in delegating, "the feedback should say why delegating earns nothing"
