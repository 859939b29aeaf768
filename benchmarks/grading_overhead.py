"""What grading one learner costs over stock nbgrader, on this machine, in one run.

Issue 16 asks that autograding one learner's set of exercises take at most 1.5 times what
nbgrader takes for the same notebooks with nothing in them to grade. Two throwaway courses
hold every assignment of ``solutions/`` for one student:

- **stock**: plain nbgrader (none of the course's plugins: no sandbox, no verdicts) of the
  untouched notebooks as handed out, whose answers only raise ``NotImplementedError``: a
  kernel per notebook, every cell run, the gradebook written. Timed both ways an
  instructor runs it: one ``nbgrader autograde "*"`` (nbgrader starts once), and one
  ``nbgrader autograde <assignment>`` per assignment;
- **course**: ``rnn-course-grade`` of every assignment on one worker (the sandbox, every
  verdict computed, then nbgrader's gradebook step for all of them in one process) of the
  correct answers.

Prints the times and the ratios. Run with:

    .venv/bin/python benchmarks/grading_overhead.py [--repeat 2]

Not a test: nothing here asserts a speed. On a busy machine, run it twice; the best of
``--repeat`` runs of each side is kept. Needs bubblewrap (``bash scripts/setup-grading.sh``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_grading as tg  # noqa: E402  (the grading tests' course helpers)

STOCK_CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.ExecutePreprocessor.timeout = 60
"""


def run(cmd, cwd, env, show: str = "") -> float:
    """Seconds ``cmd`` took; prints the lines of its output that contain ``show``."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    for line in (proc.stdout + proc.stderr).splitlines():
        if show and show in line:
            print("  " + line)
    return time.perf_counter() - start


def course(folder: Path, config: str, which: str, env) -> list[str]:
    """A course with every assignment and one student's ``which`` submission of each."""
    folder.mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(config)
    shutil.copytree(ROOT / "solutions", folder / "solutions")
    run([sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force"], folder, env)
    (folder / "students.csv").write_text("id,first_name,last_name\nlearner,A,Learner\n")
    run([sys.executable, "-m", "nbgrader", "db", "student", "import", "students.csv"], folder, env)
    names = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    for name in names:
        tg.write(folder, "learner", name, tg.coverage_submissions(folder, name)[which])
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    stock_all, stock_each, ours = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            base = Path(tmp) / f"run{k}"
            names = course(base / "stock-all", STOCK_CONFIG, "untouched", env)
            # stock nbgrader's quickest way: one `nbgrader autograde "*"` for every assignment
            stock_all.append(run([sys.executable, "-m", "nbgrader", "autograde", "*"], base / "stock-all", env))
            course(base / "stock-each", STOCK_CONFIG, "untouched", env)
            stock_each.append(sum(run([sys.executable, "-m", "nbgrader", "autograde", name], base / "stock-each", env)
                                  for name in names))
            course(base / "course", (ROOT / "nbgrader_config.py").read_text(), "correct", env)
            ours.append(run([sys.executable, "-m", "rnn_course.grading.command", *names, "--workers", "1",
                             "--no-progress"], base / "course", env, show=" in "))
            print(f"run {k + 1}: stock nbgrader {stock_all[-1]:.1f} s in one run, {stock_each[-1]:.1f} s in one "
                  f"run per assignment; rnn-course-grade {ours[-1]:.1f} s ({len(names)} notebooks)", flush=True)
    best, best_all, best_each = min(ours), min(stock_all), min(stock_each)
    print(f"best of {args.repeat}: rnn-course-grade {best:.1f} s; stock nbgrader {best_all:.1f} s in one run "
          f"(ratio {best / best_all:.2f}), {best_each:.1f} s in one run per assignment (ratio "
          f"{best / best_each:.2f}); issue 16's target: 1.5 or less")

if __name__ == "__main__":
    main()
