"""The gradebook step's one-process runner: each assignment's log and exit code stay its own.

(The whole grading path, every assignment graded through it, is in ``test_grading.py``.)
"""

import json
import subprocess
import sys

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
