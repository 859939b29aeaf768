"""The grading command's bookkeeping, without grading anything (seconds).

What the gradebook last received, which submissions changed, which ones nbgrader failed
on and why, the order and the sharing of jobs, the gradebook step waiting for a verdict
being computed, a manual score kept over a changed automatic one, and the one database
engine of the gradebook process. ``test_grading.py`` grades whole classes.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import re

import nbformat
import pytest

import grading_class as gc

from rnn_course.grading import command, store, submissions
from rnn_course.grading.autograde_many import Autograded, failure_causes
from rnn_course.grading.nbgrader_plugins import SandboxedExecute, kept_manual_scores
from rnn_course.grading.submissions import Plan

A = "ex01"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path):
    """A course folder with nbgrader's layout and three submissions (a, b, c) of one notebook."""
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "x"\n')
    coursedir = command._coursedir(command._course_config(tmp_path), tmp_path)
    for student in "abc":
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, A))
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_text("{}")
    return coursedir


def autograde(coursedir, students):
    """What nbgrader leaves after grading ``students``: their autograded notebooks."""
    for student in students:
        folder = Path(coursedir.format_path(coursedir.autograded_directory, student, A))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{A}.ipynb").write_text("{}")


def plan(keys: dict, answers: dict | None = None) -> Plan:
    """student -> verdict key (and answers digest, by default the key)."""
    answers = answers or keys
    return Plan({A: None}, sorted(keys), {}, keys={f"{s}/{A}": k for s, k in keys.items()},
                answers={f"{s}/{A}": a for s, a in answers.items()})


NOTHING = {"changed": [], "regraded": [], "unrecorded": []}


def test_one_student_nbgrader_failed_on_does_not_make_the_next_run_regrade_everyone(course):
    keys = {"a": "ka", "b": "kb", "c": "kc"}
    autograde(course, ["a", "c"])  # nbgrader failed on b: no autograded folder
    submissions.record_graded(course, A, plan(keys), failed=["b"], finished=True)
    assert store.load_graded(course.root, A) == {f"a/{A}": {"key": "ka", "answers": "ka"},
                                                 f"c/{A}": {"key": "kc", "answers": "kc"}}
    assert submissions.changed_since_graded(course, A, plan(keys)) == NOTHING
    # Next, c resubmits: only c is graded again (its autograded folder goes).
    assert submissions.changed_since_graded(course, A, plan({**keys, "c": "kc2"})) == {**NOTHING, "changed": ["c"]}
    assert not Path(course.format_path(course.autograded_directory, "c", A)).exists()
    assert Path(course.format_path(course.autograded_directory, "a", A)).exists()


def test_nothing_is_recorded_of_an_assignment_the_process_died_in(course):
    autograde(course, ["a"])
    submissions.record_graded(course, A, plan({"a": "ka"}), failed=[], finished=False)
    assert store.load_graded(course.root, A) == {}


def test_a_submission_graded_without_a_record_is_graded_again_but_not_called_changed(course):
    autograde(course, ["a", "b"])
    store.save_graded(course.root, A, {f"a/{A}": "ka"})
    assert submissions.changed_since_graded(course, A, plan({"a": "ka", "b": "kb"})) == {**NOTHING, "unrecorded": ["b"]}


def test_new_tests_or_limits_regrade_without_calling_the_submissions_changed(course):
    autograde(course, ["a", "b"])
    submissions.record_graded(course, A, plan({"a": "ka", "b": "kb"}, {"a": "x", "b": "y"}), failed=[], finished=True)
    again = submissions.changed_since_graded(course, A, plan({"a": "ka2", "b": "kb2"}, {"a": "x", "b": "y2"}))
    assert again == {**NOTHING, "changed": ["b"], "regraded": ["a"]}


def test_each_submission_that_could_not_be_graded_is_reported_with_its_cause(course):
    folder = course.format_path(course.submitted_directory, "b", A)
    log = [f"[AutogradeApp | ERROR] There was an error processing assignment: {folder}\n",
           "[AutogradeApp | ERROR] Traceback (most recent call last):\n",
           '  File "x.py", line 1, in f\n',
           "    raise RuntimeError('x')\n",
           "RuntimeError: the verdict of this notebook could not be computed: the grader failed\n",
           "[AutogradeApp | INFO] Autograding next\n",
           f"[AutogradeApp | ERROR] There was an error processing assignment '{A}' for student 'b'\n"]
    causes = failure_causes(log)
    assert causes == {os.path.normpath(folder): log[4].strip()}
    p = plan({"a": "ka", "b": "kb"})
    p.unreadable[f"c/{A}"] = "OSError: permission denied"
    command._report_not_graded(Path(course.root), course, A, p, Autograded(1, ["b"], Path("the.log"), causes=causes))
    report = store.read_report(course.root, A)
    assert [x["kind"] for x in report["b"][A]["problems"]] == ["not graded"]
    assert "the grader failed" in report["b"][A]["problems"][0]["cause"]
    assert "permission denied" in report["c"][A]["problems"][0]["cause"]
    assert "a" not in report


def test_the_end_of_run_summary_gives_each_kind_once_with_how_many_more():
    report = {"b": {A: {"problems": [
        {"cell": None, "kind": "repaired", "cause": "the notebook could not be read (x)"},
        {"cell": None, "kind": "repaired", "cause": "answer cell 'f': matched by its content"},
        {"cell": "t1", "kind": "time", "cause": "f did not finish within 10 s"}]}},
        "a": {A: {"problems": []}}, "phantom": {A: {"problems": [{"cell": None, "kind": "x", "cause": "y"}]}}}
    assert command.summary(report, ["a", "b"]) == {"b": [
        f"{A}: repaired: the notebook could not be read (x) (and 1 more like it in the report)",
        f"{A}/t1: time: f did not finish within 10 s"]}


def test_students_come_in_the_order_nbgrader_grades_them(course):
    for student in ("a-b", "B", "a_b"):
        Path(course.format_path(course.submitted_directory, student, A)).mkdir(parents=True)
    paths = sorted(course.format_path(course.submitted_directory, s, A) for s in ("a", "b", "c", "a-b", "B", "a_b"))
    assert submissions.submitted_students(course, A) == [Path(p).parent.name for p in paths]


def test_identical_submissions_are_one_job_and_cached_ones_none(course):
    root = Path(course.root)
    p = plan({"a": "k1", "b": "k2", "c": "k1"})
    store.save_verdict(root, A, "k2", {"format": store.FORMAT, "cells": {}, "problems": []})
    jobs = submissions.jobs(root, A, p, {"k1": [{"cell": 1}], "k2": [{"cell": 2}]}, recompute=False)
    assert [(job[1], job[3]) for job in jobs] == [("k1", ["a", "c"])]
    assert p.cached == 1
    assert store.pending(root, A, "k1") == ""


def test_the_gradebook_step_waits_for_a_verdict_being_computed(tmp_path):
    pp = SandboxedExecute(wait_for_pid=os.getpid())
    store.mark_pending(tmp_path, A, "k")
    verdict = {"format": store.FORMAT, "cells": {}, "problems": []}

    def finish():
        time.sleep(0.3)
        store.save_verdict(tmp_path, A, "k", verdict)
        store.clear_pending(tmp_path, A, "k")

    threading.Thread(target=finish).start()
    assert pp._waited_verdict(tmp_path, A, "k") == verdict
    store.mark_failed(tmp_path, A, "k2", "the grader failed: boom")
    with pytest.raises(RuntimeError, match="boom"):
        pp._waited_verdict(tmp_path, A, "k2")
    # Nobody computing it (no marker, or the command is gone): no wait, computed by the caller.
    assert pp._waited_verdict(tmp_path, A, "k3") is None
    store.mark_pending(tmp_path, A, "k4")
    assert SandboxedExecute(wait_for_pid=2**22 + 7)._waited_verdict(tmp_path, A, "k4") is None
    assert SandboxedExecute()._waited_verdict(tmp_path, A, "k4") is None


def test_a_manual_score_kept_while_the_automatic_score_changed_is_reported():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("check()", metadata={"nbgrader": {
            "grade": True, "grade_id": g, "locked": True, "points": 2, "solution": False, "schema_version": 3}})
        for g in ("t1", "t2", "t3")])
    nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="FeedbackError", evalue="wrong", traceback=[])]
    before = {"t1": (0.0, 1.5), "t2": (0.0, 1.0), "t3": (2.0, None)}  # t1 now passes, t2 still fails
    problems = kept_manual_scores(nb, before)
    assert [(p["cell"], p["kind"]) for p in problems] == [("t1", "manual score")]
    assert "1.5 is kept" in problems[0]["cause"] and "from 0 to 2" in problems[0]["cause"]
    # Graded again (--force): still reported while that manual score stands; not once it is changed.
    after = {"t1": (2.0, 1.5), "t2": (0.0, 1.0), "t3": (2.0, None)}
    assert kept_manual_scores(nb, after, problems) == problems
    assert kept_manual_scores(nb, {**after, "t1": (2.0, 2.0)}, problems) == []
    assert kept_manual_scores(nb, {**after, "t1": (2.0, 1.0)}, problems) == []


def test_the_gradebook_process_shares_one_engine_per_database(tmp_path, monkeypatch):
    """Pins what autograde_many.share_engines relies on in nbgrader: Gradebook opens its
    database through ``nbgrader.api.create_engine`` and disposes of it on close."""
    import nbgrader.api
    from nbgrader.api import Gradebook

    from rnn_course.grading.autograde_many import share_engines

    monkeypatch.setattr(nbgrader.api, "create_engine", nbgrader.api.create_engine)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")  # alembic
    share_engines()
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.add_student("alice")
        first = gb.engine
    with Gradebook(url) as gb:
        assert gb.engine is first
        assert [s.id for s in gb.students] == ["alice"]
    assert Gradebook(f"sqlite:///{tmp_path / 'other.db'}").engine is not first


def test_unknown_submitted_folders_are_phantoms_with_a_suggestion():
    assert submissions.find_phantoms(["alice", "alcie", "zed"], ["alice", "bob"]) == {"alcie": "alice", "zed": ""}
    assert submissions.find_phantoms(["x"], []) == {}


def test_the_failure_table_explains_every_kind_of_problem_and_each_is_tested():
    """Every kind the grading code reports has a row in the instructor guide's failure table,
    and every row's kind is asserted by a test."""
    table = gc.failure_table_kinds()
    code = "".join(p.read_text() for p in (ROOT / "rnn_course" / "grading").glob("*.py"))
    made = set(re.findall(r'"kind": "([\w ]+)",\s*"cause"|problem\("([\w ]+)"|kind="([\w ]+)"', code))
    made = {k for group in made for k in group if k}
    assert made and made <= table, f"not in the failure table: {sorted(made - table)}"
    tests = "".join(p.read_text() for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name)
    untested = sorted(k for k in table if f'"{k}"' not in tests)
    assert not untested, f"no test asserts these kinds: {untested}"


def test_every_test_file_the_instructor_guide_names_exists():
    """The guide backs its failure table and its sandbox guarantees with named tests."""
    guide = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_\w+\.py)`", guide))
    assert len(named) >= 5, named
    assert not sorted(n for n in named if not (ROOT / "tests" / n).exists())


def test_the_instructor_is_warned_when_limits_hold_only_per_process(monkeypatch, capsys):
    from rnn_course.grading import cgroup
    from rnn_course.grading.command import whole_sandbox_limits
    from rnn_course.grading.sandbox import Limits

    monkeypatch.setattr(cgroup.Group, "create", classmethod(lambda cls, m, p: (None, "no cgroup here")))
    assert whole_sandbox_limits(Limits()) is False
    out = capsys.readouterr().out
    assert "warning: memory and process limits hold per process only" in out and "no cgroup here" in out

    closed = []

    class Made:
        def close(self):
            closed.append(True)

    monkeypatch.setattr(cgroup.Group, "create", classmethod(lambda cls, m, p: (Made(), "cgroup v1")))
    assert whole_sandbox_limits(Limits()) is True
    assert closed == [True] and "warning" not in capsys.readouterr().out
