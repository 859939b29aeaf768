"""Limits of the sandbox as a whole, each crossing reported with its cause.

Memory and the number of processes are limits of the whole sandbox (a control group:
forked children share them), the private ``/tmp`` is bounded, an answer cell too large to
run is left out, and memory used up while an answer cell is defined is reported too.
On a machine where no control group can be made (not root, say) the whole-sandbox tests
skip, which CI (RNN_COURSE_NO_SKIPS=1, run as root) counts as a failure.
"""

from __future__ import annotations

import pytest

from rnn_course.grading.cgroup import Group
from rnn_course.grading.sandbox import Limits
from rnn_course.grading.verdicts import grade_cells

#: One worker runs this module's tests (they start sandboxes and use memory).
pytestmark = pytest.mark.xdist_group("sandbox")

GIB = 2**30
TEST = '"""f works."""\nassert f(2) == 4\n'


def _cells(answer: str, test: str = TEST) -> list[dict]:
    def cell(source, **meta):
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": {"schema_version": 3, **meta}},
                "outputs": [], "execution_count": None}

    return [cell("import numpy as np\n", grade_id="imports", locked=True, grade=False, solution=False),
            cell(answer, grade_id="answer", locked=False, grade=False, solution=True),
            cell(test, grade_id="test_f", locked=True, grade=True, solution=False, points=1)]


def _grade(answer: str, **limits) -> dict:
    limits = {"part_seconds": 20, "notebook_seconds": 60, **limits}
    return grade_cells(_cells(answer), limits=Limits(**limits))


def _failed(verdict: dict, cell: str = "test_f") -> bool:
    return any(o.get("output_type") == "error" for o in verdict["cells"].get(cell, []))


def _kinds(verdict: dict) -> set[str]:
    return {p["kind"] for p in verdict["problems"]}


@pytest.fixture(scope="module")
def cgroups():
    group, how = Group.create(GIB, 32)
    if group is None:
        pytest.skip(f"no control group here: {how}")
    group.close()
    return how


FORKS = '''
import os, time
def f(x):
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            block = np.ones(700 * 2**20 // 8)  # 700 MiB each: 2.1 GiB together, under 1 GiB apiece
            time.sleep(5)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return x * x
'''

FORK_BOMB = '''
import os, time
def f(x):
    started = 0
    try:
        for _ in range(200):
            if os.fork() == 0:
                time.sleep(3)
                os._exit(0)
            started += 1
    except OSError:
        pass
    return x * x
'''


def test_forked_children_share_the_memory_limit(cgroups):
    verdict = _grade(FORKS, memory_bytes=GIB)
    assert "memory" in _kinds(verdict), verdict["problems"]
    assert verdict["whole_sandbox_limits"] == cgroups


def test_too_many_processes_are_refused_and_reported(cgroups):
    verdict = _grade(FORK_BOMB, processes=16)
    assert "processes" in _kinds(verdict), verdict["problems"]


def test_a_full_tmp_is_reported():
    answer = ("def f(x):\n    with open('/tmp/big', 'wb') as out:\n"
              "        for _ in range(40):\n            out.write(b'x' * 2**20)\n    return x * x\n")
    verdict = _grade(answer, tmp_bytes=16 * 2**20)
    assert _failed(verdict) and "disk" in _kinds(verdict), verdict["problems"]
    assert not _failed(_grade(answer, tmp_bytes=64 * 2**20))  # 40 MiB fit in 64


def test_an_answer_cell_too_large_is_left_out_and_reported():
    answer = "def f(x):\n    return x * x\n" + "# padding\n" * 200_000
    verdict = _grade(answer, answer_chars=1_000_000)
    assert _failed(verdict, "answer") and _failed(verdict)
    assert [p["kind"] for p in verdict["problems"]] == ["size"]
    assert "2,000,0" in verdict["problems"][0]["cause"] and "1,000,000" in verdict["problems"][0]["cause"]


def test_memory_used_up_while_a_cell_is_defined_is_reported():
    verdict = _grade("waste = np.ones(8 * 2**30 // 8)\ndef f(x):\n    return x * x\n", memory_bytes=GIB)
    assert _failed(verdict, "answer") and _failed(verdict)
    assert "memory" in _kinds(verdict), verdict["problems"]


def test_within_the_limits_nothing_is_reported():
    verdict = _grade("def f(x):\n    return x * x\n")
    assert not _failed(verdict) and verdict["problems"] == []


def test_a_cell_too_deep_to_parse_is_a_syntax_error_not_a_memory_limit():
    """Python's parser raises MemoryError on nesting thousands deep: that is no memory limit."""
    verdict = _grade("x = " + "-" * 10_000 + "1\ndef f(x):\n    return x * x\n")
    assert _failed(verdict, "answer") and _failed(verdict)
    assert verdict["problems"] == []
    error = verdict["cells"]["answer"][0]
    assert error["ename"] == "SyntaxError" and "nested too deeply" in error["evalue"], error
