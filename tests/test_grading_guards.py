"""Each per-submission step of the grading command is guarded (seconds).

One submission that cannot be read or prepared (a folder, a pipe, ``MemoryError`` or
``RecursionError`` while it is prepared) is set aside with its cause and every other one is
prepared; one verdict whose computation raises, or whose process dies every time it runs,
fails alone and every other verdict is computed. ``test_grading.py`` grades a class with
such submissions end to end; ``test_grading_fuzz.py`` corrupts submissions 200 ways.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import nbformat

import grading_class as gc
from rnn_course.grading import command, submissions
from rnn_course.grading.sandbox import Limits
from rnn_course.grading.submissions import Plan
from rnn_course.grading.workers import run_on_pool

ROOT = Path(__file__).resolve().parents[1]
A = gc.A


def _course(tmp_path: Path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "exercises" / A, tmp_path / "exercises" / A)
    return command._coursedir(command._course_config(tmp_path), tmp_path)


def test_a_submission_that_cannot_be_prepared_never_stops_the_others(tmp_path, monkeypatch):
    coursedir = _course(tmp_path)
    release = nbformat.read(tmp_path / "exercises" / A / f"{A}.ipynb", as_version=4)
    good = nbformat.writes(release)
    texts = {"a_good": good, "b_deep": "[" * gc.DEEP + "]" * gc.DEEP,
             "c_memory": good.replace("def rnn_output", "RAISE_MEMORY\\ndef rnn_output", 1),
             "d_recursion": good.replace("def rnn_output", "RAISE_RECURSION\\ndef rnn_output", 1),
             "g_good": good.replace("def rnn_output", "# mine\\ndef rnn_output", 1)}
    students = [*texts, "e_folder", "f_pipe"]
    for student in students:
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, A))
        folder.mkdir(parents=True)
        if student in texts:
            (folder / f"{A}.ipynb").write_text(texts[student], encoding="utf-8")
    (Path(coursedir.format_path(coursedir.submitted_directory, "e_folder", A)) / f"{A}.ipynb").mkdir()
    os.mkfifo(Path(coursedir.format_path(coursedir.submitted_directory, "f_pipe", A)) / f"{A}.ipynb")
    prepare_cells = submissions.prepare_cells

    def failing(nb, *args):
        text = "".join(c.source for c in nb.cells)
        if "RAISE_MEMORY" in text:
            raise MemoryError()
        if "RAISE_RECURSION" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return prepare_cells(nb, *args)

    monkeypatch.setattr(submissions, "prepare_cells", failing)
    plan = Plan({A: gc.gradebook_cells(release)}, students, {})
    found = {}
    # A pipe opened for reading would block until something writes to it: never, here.
    thread = threading.Thread(target=lambda: found.update(
        cells=submissions.prepare(coursedir, A, plan, Limits(sandbox="none"))), daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "preparing the class hangs"
    assert sorted(k.split("/")[0] for k in plan.keys) == ["a_good", "b_deep", "g_good"]
    # The deep one is graded as handed out: the same notebook as a_good's (one job for both).
    assert plan.keys[f"b_deep/{A}"] == plan.keys[f"a_good/{A}"] != plan.keys[f"g_good/{A}"]
    assert len(found["cells"]) == 2
    why = {k.split("/")[0]: v for k, v in plan.unreadable.items()}
    assert sorted(why) == ["c_memory", "d_recursion", "e_folder", "f_pipe"]
    assert why["c_memory"].startswith("MemoryError") and "too large or nested too deep" in why["c_memory"]
    assert why["d_recursion"].startswith("RecursionError: maximum recursion depth exceeded")
    assert "not a regular file" in why["e_folder"] and "not a regular file" in why["f_pipe"]


# --- the worker pool: module-level functions, so that worker processes can run them ------------

def _square(x):
    time.sleep(0.2)  # still running when another job kills its process
    return x * x


def _too_deep(x):
    raise RecursionError("maximum recursion depth exceeded")


def _dies(x):
    os._exit(3)


def test_a_job_that_kills_its_process_fails_alone(tmp_path):
    jobs = [(_dies, 0), *[(_square, k) for k in range(1, 6)], (_too_deep, 6), (_square, 7)]
    results, errors, started = {}, {}, []

    def done(job, result=None, error=None):
        assert job[1] not in results and job[1] not in errors, f"job {job[1]} reported twice"
        if error is None:
            results[job[1]] = result
        else:
            errors[job[1]] = error

    run_on_pool(jobs, lambda job: job, done, workers=2, started=lambda: started.append(1))
    assert started == [1]
    assert results == {k: k * k for k in (1, 2, 3, 4, 5, 7)}, errors
    assert sorted(errors) == [0, 6]
    assert isinstance(errors[6], RecursionError)
    assert "died while computing it" in str(errors[0])
