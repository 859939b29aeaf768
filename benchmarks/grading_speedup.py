"""Does grading a class in parallel pay? rnn-course-grade against plain nbgrader, in one run.

A throwaway course holds a synthetic class of distinct submissions (default: 40 students
of ex01-recurrence and ex04-lstm, 80 notebooks): for ex01 the class of the grading tests
(``tests/grading_class.py``: correct, buggy, hostile and corrupted notebooks) without its
two endless loops (they would time the time limit), for ex04 correct, untouched, buggy and
broken ones; a comment makes each notebook distinct. Copies of the course are graded:

- **plain**: ``nbgrader autograde "*"`` (one process, every verdict computed in it, one
  notebook after the other: what plain nbgrader does with this course's configuration);
- **parallel**: ``rnn-course-grade`` with ``--workers`` workers (verdicts and gradebook at
  the same time);
- **dask**: the same on a local Dask cluster of as many workers (``--dask local``);
- **identical**: a class whose students all handed in the same notebook, both ways.

Prints wall-clock seconds (best of ``--repeat``; the ways alternate, so a busy spell hits
them alike), the CPU seconds of each way (``perf stat`` when installed: the sandboxes
included) and the targets of issue 21:

- parallel at least 1.6 times as fast as plain nbgrader (2 cores);
- the gradebook step (what is left after the last verdict) at most 25% of the total;
- identical submissions computed once;
- the Dask path within 1.3 times the ``--workers`` path;
- no verdict missing from the cache in the gradebook step.

Run with (needs bubblewrap; minutes):

    .venv/bin/python benchmarks/grading_speedup.py [--students 40] [--workers 2] [--repeat 2]

Not a test: nothing here asserts a speed. On a busy machine the ratios drift; run it twice.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import grading_class as gc  # noqa: E402

ASSIGNMENTS = ("ex01-recurrence", "ex04-lstm")
VERDICTS, TAIL, TOTAL = r"verdicts in ([\d.]+) s", r"gradebook done ([\d.]+) s after", r"done in ([\d.]+) s"
PERF = shutil.which("perf")


def run(cmd, cwd, env) -> tuple[float, float | None, str]:
    """(wall seconds, CPU seconds of it and every process it started or None, its output)."""
    prefix = [PERF, "stat", "-x,", "-e", "task-clock", "-o", str(cwd / "perf.csv"), "--"] if PERF else []
    start = time.perf_counter()
    proc = subprocess.run([*prefix, *cmd], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: some submission was flagged or not graded
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    cpu = None
    if PERF:
        match = re.search(r"^([\d.]+),msec,task-clock", (cwd / "perf.csv").read_text(), re.MULTILINE)
        cpu = float(match[1]) / 1000 if match else None
    return wall, cpu, proc.stdout + proc.stderr


def solutions(assignment: str) -> dict[str, str]:
    source = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: gc.SOLUTION.sub("", c.source)
            for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}


def class_of(course: Path, assignment: str) -> list[str]:
    """Submissions (notebook texts) of ``assignment``, honest, buggy, hostile and corrupted."""
    if assignment == gc.A:
        return [text for student, (text, _, kinds) in sorted(gc.build(course).items()) if "time" not in kinds]
    release = nbformat.read(course / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    sol = solutions(assignment)
    wrong = {k: v.replace("sigmoid(", "np.tanh(", 1) for k, v in sol.items()}
    return [nbformat.writes(nb) for nb in (
        gc.with_answers(release, sol), release, gc.with_answers(release, wrong),
        gc.every(release, lambda n, a: f"raise ValueError('I give up on {n}')"))]


def distinct(text: str, number: int) -> str:
    """The notebook with a comment that makes it a submission of its own."""
    return re.sub(r'("source": \[?\s*")def ', lambda m: f"{m[1]}# student {number}\\ndef ", text, count=1)


def build(folder: Path, students: int, env, same: bool = False) -> None:
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for assignment in ASSIGNMENTS:
        shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
        run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"], folder, env)
    ids = [f"s{k:03d}" for k in range(students)]
    for assignment in ASSIGNMENTS[:1] if same else ASSIGNMENTS:
        texts = class_of(folder, assignment)
        for k, sid in enumerate(ids):
            text = texts[0] if same else distinct(texts[k % len(texts)], k)
            path = folder / "submitted" / sid / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(text, encoding="utf-8")
    (folder / "students.csv").write_text("id\n" + "".join(f"{s}\n" for s in ids))
    run([sys.executable, "-m", "nbgrader", "db", "student", "import", "students.csv"], folder, env)


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    return float(match[1]) if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    grade = [sys.executable, "-m", "rnn_course.grading.command", *ASSIGNMENTS, "--no-progress",
             "--workers", str(args.workers)]
    ways = {"plain": [sys.executable, "-m", "nbgrader", "autograde", "*"], "parallel": grade}
    if not args.no_dask:
        ways["dask"] = [*grade, "--dask", "local"]
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        build(template, args.students, env)
        print(f"{args.students} students x {len(ASSIGNMENTS)} assignments = "
              f"{sum(1 for _ in (template / 'submitted').glob('*/*/*.ipynb'))} distinct notebooks; "
              f"{args.workers} workers; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        results: dict[str, list] = {way: [] for way in ways}
        for k in range(args.repeat):
            for way, cmd in ways.items():
                course = Path(tmp) / f"{way}{k}"
                shutil.copytree(template, course)
                wall, cpu, out = run(cmd, course, env)
                results[way].append((wall, cpu, out))
                extra = ""
                if way != "plain":
                    extra = (f"; verdicts {number(VERDICTS, out):.1f} s, gradebook done "
                             f"{number(TAIL, out):.1f} s after the last verdict")
                cpu_text = f", {cpu:.1f} s CPU" if cpu is not None else ""
                print(f"run {k + 1}: {way}: {wall:.1f} s{cpu_text}{extra} (load {os.getloadavg()[0]:.1f})", flush=True)
                shutil.rmtree(course)
        best = {way: min(r, key=lambda x: x[0]) for way, r in results.items()}
        plain, parallel = best["plain"][0], best["parallel"][0]
        out = best["parallel"][2]
        tail, total = number(TAIL, out), number(TOTAL, out)
        misses = 0 if "every verdict came from the cache" in out else number(r"(\d+) verdicts were not in the cache", out)
        print(f"\nparallel: {plain / parallel:.2f}x as fast as plain nbgrader (target >= 1.6)")
        print(f"gradebook step after the last verdict: {tail:.1f} of {total:.1f} s = {tail / total:.0%} "
              f"(target <= 25%)")
        print(f"verdicts missing from the cache in the gradebook step: {misses:g} (target 0)")
        if "dask" in best:
            print(f"dask: {best['dask'][0] / parallel:.2f}x the time of --workers (target <= 1.3)")
        if all(r[1] for r in best.values()):
            print("CPU seconds: " + ", ".join(f"{way} {r[1]:.1f}" for way, r in best.items()))
        # Identical submissions: computed once both ways (plain nbgrader reuses the cached verdict too).
        same = Path(tmp) / "same"
        build(same, args.students, env, same=True)
        shutil.copytree(same, Path(tmp) / "same-plain")
        wall_plain, _, _ = run([sys.executable, "-m", "nbgrader", "autograde", gc.A], Path(tmp) / "same-plain", env)
        wall_ours, _, out = run([*grade[:3], gc.A, *grade[3 + len(ASSIGNMENTS):]], same, env)
        todo = number(r"(\d+) to grade", out)
        print(f"identical submissions: {args.students} students, {todo:g} verdict computed "
              f"(target 1); plain nbgrader {wall_plain:.1f} s, rnn-course-grade {wall_ours:.1f} s")


if __name__ == "__main__":
    main()
