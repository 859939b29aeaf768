"""Grading end to end, as an instructor runs it, in a throwaway course folder.

generate-exercises.sh --gradebook -> student import -> submissions -> rnn-course-grade
(verdicts on two workers, then nbgrader autograde from the cache) -> generate_feedback
-> export. Two classes:

- a synthetic class of ex01-recurrence (tests/grading_class.py): correct and buggy
  submissions, every cheat of issue 15 and every submission that used to stop grading;
  each score and each reported problem is asserted, and the gradebook must equal the one
  a plain serial ``nbgrader autograde`` gives;
- every other assignment with a correct, an untouched and a broken submission.

The sandbox's limits are small here (2 s per part, 8 s per notebook) so that the loops
cost seconds.
"""

from __future__ import annotations

import csv
import glob
import html
import os
import socket
import tempfile
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

import grading_class as gc
from rnn_course.grading import store

ROOT = Path(__file__).resolve().parents[1]

#: One worker runs this module's tests (its session or module fixtures are built once).
pytestmark = pytest.mark.xdist_group("grading")

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
OTHERS = [a for a in ASSIGNMENTS if a != gc.A]
LIMITS = "c.SandboxedExecute.part_seconds = 2\nc.SandboxedExecute.notebook_seconds = 8\nc.SandboxedExecute.memory_mb = 1024\n"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
COVERAGE = ("correct", "untouched", "broken")


def meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


class _Text(HTMLParser):
    """The visible text of an HTML page (syntax highlighting splits code into many spans)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

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


def coverage_submissions(course: Path, assignment: str) -> dict[str, str]:
    """correct (the solution), untouched (as handed out), broken (every answer raises)."""
    name = f"{assignment}.ipynb"
    release = nbformat.read(course / "exercises" / assignment / name, as_version=4)
    source = nbformat.read(course / "solutions" / assignment / name, as_version=4)
    sol = {meta(c)["grade_id"]: gc.SOLUTION.sub("", c.source) for c in source.cells if meta(c).get("solution")}
    return {"correct": nbformat.writes(gc.with_answers(release, sol)),
            "untouched": nbformat.writes(release),
            "broken": nbformat.writes(gc.every(release, lambda n, a: f"raise ValueError('I give up on {n}')"))}


def write(course: Path, student: str, assignment: str, text: str) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_text(text, encoding="utf-8")


def assert_graded(proc) -> None:
    """The run ended as it must: every submission graded but the unreadable one, which the
    run names (and so exits 1)."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stdout.splitlines() if "ERROR" in line]
    assert errors == [f"rnn-course-grade: ERROR: {gc.A}: not graded: {gc.UNREADABLE} (the causes are above; "
                      f"fix them and grade again)"], proc.stdout


def run(cmd, course, env, timeout=900) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, timeout=timeout)
    return proc


def grade(course, assignments, env, *extra) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "rnn_course.grading.command", *assignments, "--workers", "2", "--no-progress",
                *extra], course, env)


def gradebook_state(course: Path, assignment: str, db_url: str | None = None) -> dict:
    """Student -> (score, flagged, {cell: (auto score, needs manual grade)}) from a gradebook."""
    state = {}
    with Gradebook(db_url or f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            nb = sub.notebooks[0]
            state[sub.student.id] = (sub.score, nb.flagged,
                                     {g.name: (g.auto_score, g.needs_manual_grade) for g in nb.grades})
    return state


def export(course: Path, env, *extra) -> dict:
    proc = run([sys.executable, "-m", "nbgrader", "export", "--to=grades.csv", *extra], course, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(course / "grades.csv", newline="") as f:
        return {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    """nbgrader and the command import this checkout's rnn_course and find this venv's tools."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


@pytest.fixture(scope="module")
def course(tmp_path_factory, env):
    """A course folder with every assignment recorded, the students imported, and submissions."""
    course = tmp_path_factory.mktemp("grading") / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text() + LIMITS)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    # What `bash scripts/generate-exercises.sh --gradebook` does, in one nbgrader process.
    proc = run([sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force"], course, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cls = gc.build(course)
    students = sorted(set(cls) | set(COVERAGE) | {gc.UNREADABLE})
    (course / "students.csv").write_text("id,first_name,last_name\n" + "".join(f"{s},{s},Student\n" for s in students))
    proc = run([sys.executable, "-m", "nbgrader", "db", "student", "import", "students.csv"], course, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for student, (text, _, _) in cls.items():
        write(course, student, gc.A, text)
    cls[gc.UNREADABLE] = (None, 0, {"not graded"})
    write(course, gc.PHANTOM[0], gc.A, cls[gc.PHANTOM[1]][0])
    (course / "submitted" / gc.UNREADABLE / gc.A / f"{gc.A}.ipynb").mkdir(parents=True)
    for assignment in OTHERS:
        for student, text in coverage_submissions(course, assignment).items():
            write(course, student, assignment, text)
    # The serial baseline grades a copy of the same class with plain `nbgrader autograde`.
    shutil.copytree(course, course.parent / "serial")
    if os.path.exists(gc.MARKER):
        os.remove(gc.MARKER)
    return course, env, cls


@pytest.fixture(scope="module")
def graded(course):
    """Every assignment graded with one rnn-course-grade run on two workers, and the feedback."""
    course, env, cls = course
    start = time.perf_counter()
    proc = grade(course, ASSIGNMENTS, env)
    seconds = time.perf_counter() - start
    print(proc.stdout[-3000:])
    print(f"rnn-course-grade of {len(cls)} + {3 * len(OTHERS)} submissions on 2 workers: {seconds:.1f} s")
    assert_graded(proc)
    # The gradebook step took every verdict from the cache (none computed twice).
    assert "every verdict came from the cache" in proc.stdout, proc.stdout
    start = time.perf_counter()
    feedback = run([sys.executable, "-m", "nbgrader", "generate_feedback", "*"], course, env)
    print(f"nbgrader generate_feedback: {time.perf_counter() - start:.1f} s")
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr
    return course, env, cls, proc.stdout


@pytest.fixture(scope="module")
def exported(graded):
    course, env, _, _ = graded
    return export(course, env)


@pytest.mark.slow
def test_every_score_and_problem(graded, exported):
    course, env, cls, out = graded
    rows = exported
    scores = {s: float(rows[(gc.A, s)]["score"]) for s in cls}
    assert scores == {s: float(score) for s, (_, score, _) in cls.items()}
    report = {}
    with open(course / "grading-report" / f"{gc.A}.csv", newline="") as f:
        for row in csv.DictReader(f):
            report.setdefault(row["student_id"], set()).add(row["kind"])
    assert {s: report.get(s, set()) for s in cls} == {s: kinds for s, (_, _, kinds) in cls.items()}
    # A problem is never exported as a plain score: the export flags it and says why.
    for student, (_, _, kinds) in cls.items():
        row = rows[(gc.A, student)]
        assert (row["flagged"] == "yes") == bool(kinds), (student, row)
        assert all(k in row["grading_problems"] for k in kinds), (student, row["grading_problems"])
        if kinds:
            assert student in out, f"the end-of-run summary does not name {student}"
    # The phantom folder was warned about, not graded, and is not in the gradebook.
    assert f"submitted/{gc.PHANTOM[0]} is not a student" in out and repr(gc.PHANTOM[1]) in out
    assert (gc.A, gc.PHANTOM[0]) not in rows
    # The grader never ran the fake "locked" cell the submission added.
    assert not os.path.exists(gc.MARKER)
    # Every kind of problem the class gave is explained in the instructor guide's table.
    assert {k for kinds in report.values() for k in kinds} <= gc.failure_table_kinds()


@pytest.mark.slow
def test_verdicts_come_from_the_grader(graded):
    """What the autograded notebooks say: the reasons behind the scores."""
    course, env, cls, _ = graded

    def outputs(student, grade_id):
        nb = nbformat.read(course / "autograded" / student / gc.A / f"{gc.A}.ipynb", as_version=4)
        return gc.cell_of(nb, grade_id).outputs

    def errors(student, grade_id):
        return [f"{o.ename}: {o.evalue}" for o in outputs(student, grade_id) if o.output_type == "error"]

    assert all("not available when grading" in e for e in errors("delegate_import", "test_rnn_output"))
    assert all("not available when grading" in e for e in errors("delegate_module", "test_rnn_forward_values"))
    assert errors("untouched", "test_rnn_output")[0].startswith("NotImplementedError")
    # Hard-coding passes the visible test and fails the hidden one, seed changed or not.
    for student in ("hardcode", "change_seed"):
        texts = [o.get("text", "") for o in outputs(student, "test_rnn_output") if o.output_type == "stream"]
        assert any(t.startswith("\u2713") for t in texts), (student, texts)
        assert errors(student, "test_rnn_output"), student
    assert any("did not finish within 2 s" in e for e in errors("loop_one", "test_rnn_forward_values"))
    assert any("time budget" in e for e in errors("loop_all", "test_rnn_output"))
    assert any("MemoryError" in e for e in errors("huge_memory", "test_rnn_output"))
    assert any("process running your code ended" in e for e in errors("exit_in_function", "test_rnn_output"))
    # Too deep for Python's parser (a MemoryError there): a syntax error, not the memory limit.
    assert any(e.startswith("SyntaxError") and "nested too deeply" in e
               for e in errors("deep_expression_renamed", "rnn_output"))


@pytest.mark.slow
def test_feedback_leaks_nothing(graded):
    course, env, cls, _ = graded
    source = nbformat.read(course / "solutions" / gc.A / f"{gc.A}.ipynb", as_version=4)
    hidden = {line.strip() for c in source.cells for r in HIDDEN.findall(c.source) for line in r.splitlines()} - {""}
    solution = {line.strip() for c in source.cells for r in SOLUTION.findall(c.source)
                for line in r.splitlines() if len(line.strip()) > 20}
    paths = {str(course), str(course.resolve()), sys.prefix, str(ROOT), *(p for p in sys.path if "site-packages" in p)}
    assert hidden and solution
    assert not (course / "feedback" / gc.UNREADABLE).exists()
    for student in set(cls) - {gc.UNREADABLE}:
        page = course / "feedback" / student / gc.A / f"{gc.A}.html"
        assert page.stat().st_size < 2_000_000, f"{student}: feedback of {page.stat().st_size} bytes"
        text = page_text(page)
        assert not [line for line in hidden if line in text], f"{student}: feedback shows hidden tests"
        if student not in gc.SHOW_SOLUTION_CODE:
            assert not [line for line in solution if line in text], f"{student}: feedback shows solution code"
        assert not [p for p in paths if p in text], f"{student}: feedback shows a server path"


@pytest.mark.slow
def test_parallel_equals_serial_nbgrader(graded):
    """The command's gradebook is the one plain `nbgrader autograde` gives (verdicts computed anew)."""
    course, env, cls, _ = graded
    serial = course.parent / "serial"
    start = time.perf_counter()
    proc = run([sys.executable, "-m", "nbgrader", "autograde", gc.A,
                f"--CourseDirectory.student_id_exclude={gc.PHANTOM[0]},{gc.UNREADABLE}"], serial, env)
    print(f"serial nbgrader autograde of {len(cls)} submissions: {time.perf_counter() - start:.1f} s")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert gradebook_state(serial, gc.A) == gradebook_state(course, gc.A)


@pytest.mark.slow
def test_resume_and_manual_grades_kept(graded):
    """Grading again computes no verdict (all cached) and keeps a manual score."""
    course, env, cls, _ = graded
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        cell = gb.find_grade("test_rnn_output", gc.A, gc.A, "bug_no_max")
        cell.manual_score = 1.5
        gb.db.commit()
    proc = grade(course, [gc.A], env, "--force")
    assert_graded(proc)
    assert re.search(rf"{len(cls)} submissions, \d+ distinct notebooks: 0 to grade, \d+ already graded \(cached\)",
                     proc.stdout), proc.stdout
    assert "every verdict came from the cache" in proc.stdout, proc.stdout
    rows = export(course, env)
    assert float(rows[(gc.A, "bug_no_max")]["score"]) == 8 + 1.5


@pytest.mark.slow
@pytest.mark.parametrize("assignment", OTHERS)
def test_every_assignment(graded, exported, assignment):
    """correct = full marks, untouched = 0, broken = 0, without breaking the run; feedback clean."""
    course, env, _, _ = graded
    rows = exported
    max_score = float(rows[(assignment, "correct")]["max_score"])
    assert max_score > 0
    assert {s: float(rows[(assignment, s)]["score"]) for s in COVERAGE} == {"correct": max_score, "untouched": 0,
                                                                             "broken": 0}
    assert not any(rows[(assignment, s)]["flagged"] for s in COVERAGE)
    source = nbformat.read(course / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    hidden = {line.strip() for c in source.cells for r in HIDDEN.findall(c.source) for line in r.splitlines()} - {""}
    visible = {line.strip() for c in source.cells if meta(c).get("grade") and c.cell_type == "code"
               for line in HIDDEN.sub("", c.source).splitlines() if line.strip().startswith("check_")}
    assert hidden and visible
    for student in COVERAGE:
        text = page_text(course / "feedback" / student / assignment / f"{assignment}.html")
        assert not [line for line in visible if line not in text], f"{student}: visible tests missing"
        assert not [line for line in hidden if line in text], f"{student}: feedback shows hidden tests"
        assert "Traceback" not in text


@pytest.mark.slow
def test_a_submission_replaced_by_hand_is_graded_again(graded, exported):
    """Copying a new notebook over an old one (no nbgrader timestamp) regrades that student
    only, without --force: the gradebook never keeps a grade of a notebook that is gone. A
    manual score set on the old one is kept (nbgrader keeps it), and the report says so."""
    course, env, cls, _ = graded
    assert float(exported[(gc.A, "untouched")]["score"]) == 0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade("test_rnn_output", gc.A, gc.A, "untouched").manual_score = 1.5
        gb.db.commit()
    (course / "submitted" / "untouched" / gc.A / f"{gc.A}.ipynb").write_text(cls["correct"][0])
    proc = grade(course, [gc.A], env)
    assert_graded(proc)
    assert re.findall(r"(\w+)'s submission changed since it was graded", proc.stdout) == ["untouched"], proc.stdout
    assert "grading them again" not in proc.stdout, proc.stdout
    assert float(export(course, env)[(gc.A, "untouched")]["score"]) == 8 + 1.5
    report = store.read_report(course, gc.A)["untouched"][gc.A]["problems"]
    assert [(p["cell"], p["kind"]) for p in report] == [("test_rnn_output", "manual score")], report
    assert "1.5 is kept" in report[0]["cause"] and "from 0 to 2" in report[0]["cause"]
    assert "untouched: ex01-recurrence/test_rnn_output: manual score" in proc.stdout, proc.stdout


def _postgres_bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


@pytest.fixture(scope="module")
def postgres_url():
    """A real PostgreSQL server on 127.0.0.1, in a throwaway folder, for the gradebook.

    Debian's package (``apt-get install postgresql``; scripts/setup-grading.sh installs it in CI).
    As root the server runs as the ``postgres`` user (PostgreSQL refuses to run as root).
    """
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not (initdb and pg_ctl):
        message = "PostgreSQL is not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    data = Path(tempfile.mkdtemp(prefix="rnn-course-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*prefix, initdb, "-D", str(data / "db"), "-U", "grader", "--auth=trust"],
                   check=True, capture_output=True)
    subprocess.run([*prefix, pg_ctl, "-D", str(data / "db"), "-l", str(data / "log"), "-w", "-o",
                    f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    try:
        subprocess.run([*prefix, _postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "grader",
                        "gradebook"], check=True, capture_output=True)
        yield f"postgresql+psycopg://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data / "db"), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.slow
def test_dask_cluster_and_postgresql(tmp_path, env, postgres_url):
    """The scale-out setup: jobs on a (local) Dask cluster, the gradebook on PostgreSQL."""
    clock = time.perf_counter()
    assignment = "ex03-gradients"
    small = tmp_path / "course"
    small.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", small)
    (small / "solutions").mkdir()
    shutil.copytree(ROOT / "solutions" / assignment, small / "solutions" / assignment)
    db = f"--db={postgres_url}"
    for cmd in (["generate_assignment", assignment, "--force", db],):
        proc = run([sys.executable, "-m", "nbgrader", *cmd], small, env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    (small / "students.csv").write_text("id\n" + "".join(f"{s}\n" for s in COVERAGE))
    proc = run([sys.executable, "-m", "nbgrader", "db", "student", "import", "students.csv", db], small, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for student, text in coverage_submissions(small, assignment).items():
        write(small, student, assignment, text)
    print(f"course with PostgreSQL: {time.perf_counter() - clock:.1f} s")
    proc = grade(small, [assignment], env, "--dask", "local", db)
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "on Dask (local)" in proc.stdout
    rows = export(small, env, db)
    max_score = float(rows[(assignment, "correct")]["max_score"])
    assert {s: float(rows[(assignment, s)]["score"]) for s in COVERAGE} == {"correct": max_score, "untouched": 0,
                                                                             "broken": 0}
    assert not (small / "gradebook.db").exists(), "the gradebook went to SQLite, not PostgreSQL"
