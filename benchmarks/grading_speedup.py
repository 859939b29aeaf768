"""Speed-up of rnn-course-grade with more workers, on this machine, in one run.

Builds a throwaway course with the synthetic class of the grading tests
(tests/grading_class.py: 32 submissions of ex01-recurrence, loops and crashes included),
copied ``--copies`` times with a comment that makes each copy a distinct submission, then
times the verdict step (``--recompute``: every verdict computed) with 1 worker and with
``--workers`` workers, and the gradebook step (one serial nbgrader run) once. Prints the
seconds and the ratio. Run with:

    .venv/bin/python benchmarks/grading_speedup.py [--copies 2] [--workers 2]

Not a test: nothing here asserts a speed. On a busy machine, run it twice.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import grading_class as gc  # noqa: E402


def run(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        shutil.copy(ROOT / "nbgrader_config.py", course)
        (course / "solutions").mkdir()
        shutil.copytree(ROOT / "solutions" / gc.A, course / "solutions" / gc.A)
        run([sys.executable, "-m", "nbgrader", "generate_assignment", gc.A, "--force"], course, env)
        cls = gc.build(course)
        students = []
        for copy in range(args.copies):
            for student, (text, _, _) in cls.items():
                sid = f"{student}-{copy}"
                folder = course / "submitted" / sid / gc.A
                folder.mkdir(parents=True)
                # A comment in the first answer cell makes each copy its own submission.
                (folder / f"{gc.A}.ipynb").write_text(text.replace('"def rnn_cell_forward', f'"# copy {copy}\\n'
                                                                  f'def rnn_cell_forward', 1))
                students.append(sid)
        (course / "students.csv").write_text("id\n" + "".join(f"{s}\n" for s in students))
        run([sys.executable, "-m", "nbgrader", "db", "student", "import", "students.csv"], course, env)
        seconds = {}
        for workers in (1, args.workers):
            out = run([sys.executable, "-m", "rnn_course.grading.command", gc.A, "--recompute", "--no-progress",
                       "--workers", str(workers)], course, env)
            seconds[workers] = float(re.search(r"verdicts in ([\d.]+) s", out)[1])
            gradebook = float(re.search(r"gradebook in ([\d.]+) s", out)[1])
            print(f"{len(students)} submissions, {workers} worker(s): verdicts {seconds[workers]:.1f} s, "
                  f"gradebook {gradebook:.1f} s")
        print(f"speed-up of the verdicts with {args.workers} workers: {seconds[1] / seconds[args.workers]:.2f}x")


if __name__ == "__main__":
    main()
