"""The gradebook step's one-process runner: each assignment's log and exit code stay its own.

(The whole grading path, every assignment graded through it, is in ``test_grading.py``.)
"""

import json
import subprocess
import sys

from rnn_course.grading import autograde_many
from rnn_course.grading.autograde_many import BEGIN, END, split_log


def test_split_log_keeps_each_assignment_apart():
    lines = ["before\n", f"{BEGIN}ex01\n", "a\n", f"{END}ex01 0\n",
             f"{BEGIN}ex02\n", "b\n", "c\n", f"{END}ex02 1\n", f"{BEGIN}ex03\n", "died here\n"]
    logs = split_log(lines)
    assert logs["ex01"] == (0, ["a\n"])
    assert logs["ex02"] == (1, ["b\n", "c\n"])
    assert logs["ex03"] == (None, ["died here\n"]), "an assignment without its end line has no exit code"
    assert logs[None] == (None, ["before\n"])


def test_split_log_ignores_an_end_line_of_another_assignment():
    logs = split_log([f"{BEGIN}ex01\n", f"{END}ex02 0\n", f"{END}ex01 0\n"])
    assert logs["ex01"] == (0, [f"{END}ex02 0\n"])


def test_one_failing_assignment_does_not_stop_the_others(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "x"\n')
    spec = [{"assignment": name, "argv": [name]} for name in ("missing-one", "missing-two")]
    proc = subprocess.run([sys.executable, "-m", "rnn_course.grading.autograde_many"], cwd=tmp_path,
                          input=json.dumps(spec), capture_output=True, text=True, timeout=120)
    out = proc.stdout.splitlines()
    assert out == [f"{BEGIN}missing-one", f"{END}missing-one 1", f"{BEGIN}missing-two", f"{END}missing-two 1"], (
        proc.stdout + proc.stderr)
    assert proc.returncode == 1
    assert proc.stderr.count("No notebooks were matched") == 2, proc.stderr


def test_a_process_that_dies_takes_down_only_the_assignment_it_was_on(tmp_path, monkeypatch):
    """The first process dies during ex02: ex02 is reported failed with what it said, and
    ex03 runs in a second process."""
    calls = []

    def fake_process(proc, runs, bar):
        calls.append(list(runs))
        if len(calls) == 1:
            return -9, split_log([f"{BEGIN}ex01\n", "Autograding a\n", f"{END}ex01 0\n",
                                  f"{BEGIN}ex02\n", "Autograding b\n", "Killed\n"])
        return 0, split_log([f"{BEGIN}ex03\n",
                             "There was an error processing assignment 'x' for student 'bob'\n",
                             f"{END}ex03 0\n"])

    monkeypatch.setattr(autograde_many, "give_work", fake_process)
    monkeypatch.setattr(autograde_many, "start_process", lambda root: None)
    runs = {name: [name] for name in ("ex01", "ex02", "ex03")}
    results = autograde_many.autograde(tmp_path, [runs], total=3, progress=False)
    assert calls == [["ex01", "ex02", "ex03"], ["ex03"]]
    assert {a: (r.code, r.failed, r.finished) for a, r in results.items()} == {
        "ex01": (0, [], True), "ex02": (-9, [], False), "ex03": (0, ["bob"], True)}
    assert results["ex02"].log_path.read_text() == "Autograding b\nKilled\n"


def test_a_process_that_dies_before_any_assignment_reports_them_all(tmp_path, monkeypatch):
    monkeypatch.setattr(autograde_many, "give_work", lambda proc, runs, bar: (1, split_log(["ImportError\n"])))
    monkeypatch.setattr(autograde_many, "start_process", lambda root: None)
    results = autograde_many.autograde(tmp_path, [{"ex01": [], "ex02": []}], total=0, progress=False)
    assert {a: r.code for a, r in results.items()} == {"ex01": 1, "ex02": 1}
    assert results["ex01"].log_path.read_text() == "ImportError\n"


def test_two_processes_share_the_students_and_their_logs_are_joined(tmp_path, monkeypatch):
    """Each process grades every other student (in order); one failing a student fails
    only that student, and the assignment's log holds both processes' lines."""
    runs = {"ex01": ["ex01", "--CourseDirectory.student_id_exclude=ghost"]}
    shares = autograde_many.share_students(runs, {"ex01": ["a", "b", "c", "d", "e"]}, 2)
    assert shares == [{"ex01": ["ex01", "--CourseDirectory.student_id_exclude=ghost,b,d"]},
                      {"ex01": ["ex01", "--CourseDirectory.student_id_exclude=ghost,a,c,e"]}]

    def fake_process(proc, runs, bar):
        mine = "b" if "a,c,e" in runs["ex01"][-1] else "a"
        failed = ["There was an error processing assignment 'ex01' for student 'c'\n"] if mine == "a" else []
        return (1 if failed else 0), split_log([f"{BEGIN}ex01\n", f"Autograding {mine}\n", *failed,
                                                 f"{END}ex01 {1 if failed else 0}\n"])

    monkeypatch.setattr(autograde_many, "give_work", fake_process)
    monkeypatch.setattr(autograde_many, "start_process", lambda root: None)
    result = autograde_many.autograde(tmp_path, shares, total=5, progress=False)["ex01"]
    assert (result.code, result.failed, result.finished) == (1, ["c"], True)
    assert sorted(line for line in result.log_path.read_text().splitlines() if line.startswith("Autograding")) == [
        "Autograding a", "Autograding b"]
