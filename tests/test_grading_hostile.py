"""A hostile class graded end to end: every attack on the grader scores what it deserves.

The submissions of tests/hostile_class.py (forged and tampered harnesses on every
assignment; memory, processes, ``/tmp`` and cell size past their limits; a backward pass
that changes what its forward pass was given; samplers that ignore the generator) go
through ``rnn-course-grade`` and ``nbgrader export`` as a class would. Each score and
each reported problem is asserted, and every student is graded.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hostile_class

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading-hostile")]

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
# No attack here is meant to run out of time, so the time limits are the defaults, which
# leave room for a loaded machine (children filling memory at once took over 4 s in one
# CI run); memory is lowered so that the memory attacks stay small.
LIMITS = ("c.SandboxedExecute.part_seconds = 10\nc.SandboxedExecute.notebook_seconds = 60\n"
          "c.SandboxedExecute.memory_mb = 1024\n")


def _run(cmd, course, env) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("hostile") / "course"
    course.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text() + LIMITS)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    _run([sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force"], course, env)
    cls = hostile_class.build(course, ASSIGNMENTS)
    students = sorted({s for _, s in cls})
    (course / "students.csv").write_text("id,first_name,last_name\n" + "".join(f"{s},{s},Student\n" for s in students))
    _run([sys.executable, "-m", "nbgrader", "db", "student", "import", "students.csv"], course, env)
    for (assignment, student), (text, _, _) in cls.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text(text, encoding="utf-8")
    assignments = sorted({a for a, _ in cls})
    _run([sys.executable, "-m", "rnn_course.grading.command", *assignments, "--workers", "2",
          "--no-progress"], course, env)
    _run([sys.executable, "-m", "nbgrader", "export", "--to=grades.csv"], course, env)
    with open(course / "grades.csv", newline="") as f:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}
    report: dict = {}
    for assignment in assignments:
        with open(course / "grading-report" / f"{assignment}.csv", newline="") as f:
            for r in csv.DictReader(f):
                report.setdefault((assignment, r["student_id"]), set()).add(r["kind"])
    return cls, rows, report


def test_every_attack_scores_what_it_deserves(graded):
    cls, rows, _ = graded
    got = {key: float(rows[key]["score"]) for key in cls}
    assert got == {key: float(score) for key, (_, score, _) in cls.items()}


def test_every_attack_is_reported_with_its_cause(graded):
    cls, rows, report = graded
    assert {key: report.get(key, set()) for key in cls} == {key: kinds for key, (_, _, kinds) in cls.items()}
    for key, (_, _, kinds) in cls.items():
        assert (rows[key]["flagged"] == "yes") == bool(kinds), key
