"""``rnn-course-grade``: grade every submission of an assignment, in parallel, resumably.

Book: the instructor guide (grading in parallel).

1. Check the class: warn about folders under ``submitted/`` that are not students of the
   gradebook (a mistyped name would otherwise become a phantom student) and skip them.
2. Compute the verdicts that are not cached yet, on every core (``--workers``) or on a Dask
   cluster (``--dask``), with a progress bar and an ETA. Each is cached as soon as it is
   done, so an interrupted run resumes where it stopped.
3. Run ``nbgrader autograde`` of every assignment, serially and in one process (nbgrader
   starts once, ``autograde_many``): it takes every verdict from the cache and writes the
   gradebook (scores, with manual adjustments kept, and flags) exactly as a
   plain ``nbgrader autograde`` of the same submissions would.
4. Print what went wrong, per student, with its cause; the same is in
   ``grading-report/<assignment>.csv`` and ``.json``, and in the export's columns.

Run it from the course folder (where ``nbgrader_config.py`` is).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
from tqdm.auto import tqdm

from . import store
from .allowlist import allowed_sources
from .autograde_many import split_log
from .repair import read_submission
from .sandbox import Limits
from .verdicts import grade_cells


def prepare_cells(nb, source_cells: dict) -> list[dict]:
    """The cells nbgrader's sanitize step would give the autograder (see OverwriteCells).

    ``source_cells`` maps grade_id -> {"source", "locked", "cell_type"} from the gradebook.
    """
    cells = []
    for cell in nb.cells:
        cell = nbformat.from_dict(cell.copy())
        meta = cell.get("metadata", {}).get("nbgrader")
        grade_id = meta.get("grade_id") if meta else None
        if grade_id is not None:
            cell.metadata = {**cell.metadata, "nbgrader": dict(meta)}
            source = source_cells.get(grade_id)
            if source is None:
                del cell.metadata["nbgrader"]["grade_id"]
            else:
                cell.metadata["nbgrader"]["locked"] = source["locked"]
                if source["locked"]:
                    cell.source = source["source"]
        cells.append(cell)
    return cells


def compute_verdict(cells, allowed: dict, limits: dict, hidden=()) -> dict:
    """One job: the verdict for one submitted notebook (runs on a worker)."""
    return grade_cells(cells, allowed=allowed, limits=Limits(**limits), hidden=hidden)


def _course_config(root: Path):
    from traitlets.config.loader import PyFileConfigLoader

    path = root / "nbgrader_config.py"
    if not path.exists():
        raise SystemExit(f"rnn-course-grade: no nbgrader_config.py in {root}: run it from the course folder")
    return PyFileConfigLoader(path.name, path=str(root)).load_config()


def _limits(config, args) -> Limits:
    from .nbgrader_plugins import SandboxedExecute

    pp = SandboxedExecute(config=config)
    return Limits(
        part_seconds=args.part_seconds if args.part_seconds is not None else pp.part_seconds,
        notebook_seconds=args.notebook_seconds if args.notebook_seconds is not None else pp.notebook_seconds,
        memory_bytes=(args.memory_mb if args.memory_mb is not None else pp.memory_mb) * 2**20,
        output_chars=pp.output_chars,
        sandbox="none" if args.unsafe_no_sandbox else pp.sandbox,
    )


def find_phantoms(submitted: list[str], known: list[str]) -> dict[str, str]:
    """Submitted folder names that are not students, with the closest student id (or '')."""
    if not known:
        return {}
    return {s: (difflib.get_close_matches(s, known, n=1) or [""])[0] for s in submitted if s not in set(known)}


def _class(root: Path, db_url: str, assignment: str):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(
                f"rnn-course-grade: the gradebook has no assignment {assignment!r}: record it first "
                f"(bash scripts/generate-exercises.sh --gradebook {assignment})") from None
        notebooks = {nb.name: {c.name: {"source": c.source, "locked": bool(c.locked), "cell_type": c.cell_type}
                               for c in nb.source_cells} for nb in found.notebooks}
        students = [s.id for s in gb.students]
    return notebooks, students


def _jobs(root: Path, assignment: str, students, notebooks, allowed, limits, recompute: bool):
    """(student, notebook, key, cells) for every submitted notebook whose verdict is not cached,
    the number cached, and the verdict key of every submitted notebook ("student/notebook")."""
    release_dir = root / "exercises" / assignment
    jobs, cached, keys = [], 0, {}
    for student in students:
        for name, source_cells in notebooks.items():
            path = root / "submitted" / student / assignment / f"{name}.ipynb"
            release = release_dir / f"{name}.ipynb"
            if not path.exists() or not release.exists():
                continue
            nb, _ = read_submission(path.read_bytes(), nbformat.read(release, as_version=4))
            cells = prepare_cells(nb, source_cells)
            key = keys[f"{student}/{name}"] = store.verdict_key(cells, allowed, limits.as_dict())
            if not recompute and store.load_verdict(root, assignment, key) is not None:
                cached += 1
                continue
            jobs.append((assignment, student, name, key, [dict(c) for c in cells]))
    return jobs, cached, keys


def _stale(root: Path, assignment: str, keys: dict[str, str]) -> list[str]:
    """Students whose submission changed since the gradebook last received it.

    nbgrader regrades a submission only when its ``timestamp.txt`` is newer (or with
    --force); a notebook copied into ``submitted/`` by hand has none, so its old grade would
    stay. Their autograded folder is removed, so the serial autograde grades them again.
    """
    graded = store.load_graded(root, assignment)
    stale = sorted({k.split("/", 1)[0] for k, key in keys.items() if graded.get(k) != key})
    removed = []
    for student in stale:
        folder = root / "autograded" / student / assignment
        if folder.is_dir():
            shutil.rmtree(folder)
            removed.append(student)
    return removed


def _run_jobs(jobs, root: Path, limits: Limits, args) -> list[str]:
    """Compute and cache every job's verdict; return the failures (one line each)."""
    failures = []
    bar = tqdm(total=len(jobs), desc="verdicts", unit="notebook", disable=args.no_progress)

    def submit(submitter, job):
        assignment, _, _, _, cells = job
        return submitter(compute_verdict, cells, allowed_sources(assignment), limits.as_dict(), [str(root)])

    def done(job, future):
        assignment, student, name, key, _ = job
        try:
            store.save_verdict(root, assignment, key, future.result())
        except Exception as exc:  # noqa: BLE001 - reported, and nbgrader tries this one again
            failures.append(f"{assignment}/{student}/{name}: the grader failed: {type(exc).__name__}: {exc}")
        bar.update(1)

    if args.dask:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed

        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None) if args.dask == "local" else None
        try:
            with Client(cluster or args.dask) as client:
                futures = {submit(lambda *a: client.submit(*a, pure=False), job): job for job in jobs}
                for future in dask_completed(futures):
                    done(futures[future], future)
        finally:
            if cluster is not None:
                cluster.close()
    else:
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            futures = {submit(pool.submit, job): job for job in jobs}
            for future in as_completed(futures):
                done(futures[future], future)
    bar.close()
    return failures


_GRADING = re.compile(r"Autograding (.*)")
_FAILED = re.compile(r"There was an error processing assignment '([^']*)' for student '([^']*)'")


def _autograde_argv(assignment: str, args, limits: Limits, exclude: list[str]) -> list[str]:
    """The arguments of ``nbgrader autograde`` for one assignment (verdicts from the cache)."""
    argv = [assignment,
            f"--SandboxedExecute.part_seconds={limits.part_seconds}",
            f"--SandboxedExecute.notebook_seconds={limits.notebook_seconds}",
            f"--SandboxedExecute.memory_mb={limits.memory_bytes // 2**20}",
            f"--SandboxedExecute.sandbox={limits.sandbox}"]
    if args.db:
        argv.append(f"--db={args.db}")
    if args.force:
        argv.append("--force")
    if exclude:
        argv.append(f"--CourseDirectory.student_id_exclude={','.join(exclude)}")
    return argv


def _autograde(root: Path, runs: dict[str, list[str]], args, total: int) -> dict:
    """Run ``nbgrader autograde`` of every assignment of ``runs`` (assignment -> argv) serially,
    in one process (``autograde_many``: nbgrader starts once), verdicts from the cache.

    Each assignment's log goes to ``grading-report/<assignment>.log``. Returns, per assignment,
    ``(exit code, students nbgrader failed on, log path)``. Should the process die, the
    assignment it was on gets a non-zero code (and everything the process said last), and
    the assignments after it run in a new process: one cannot take the others down.
    """
    bar = tqdm(total=total, desc="gradebook", unit="notebook", disable=args.no_progress)
    results, pending = {}, list(runs)

    def record(assignment, code, lines):
        log_path = root / store.REPORT_DIR / f"{assignment}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("".join(lines))
        results[assignment] = (code, [m.group(2) for m in map(_FAILED.search, lines) if m], log_path)

    while pending:
        code, logs = _autograde_process(root, {a: runs[a] for a in pending}, bar)
        started = [a for a in pending if a in logs]
        if not started:  # it died before its first assignment began: report them all, stop
            for assignment in pending:
                record(assignment, code or 1, logs[None][1])
            break
        for assignment in started:
            own_code, own_lines = logs[assignment]
            if own_code is None:  # it died during this one: keep everything it said
                own_code, own_lines = code or 1, own_lines + logs[None][1]
            record(assignment, own_code, own_lines)
        pending = [a for a in pending if a not in logs]
    bar.close()
    return results


def _autograde_process(root: Path, runs: dict[str, list[str]], bar):
    """One ``autograde_many`` process over ``runs``: its exit code and its log, split per
    assignment (see ``autograde_many.split_log``)."""
    cmd = [sys.executable, "-m", "rnn_course.grading.autograde_many"]
    proc = subprocess.Popen(cmd, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    proc.stdin.write(json.dumps([{"assignment": a, "argv": argv} for a, argv in runs.items()]))
    proc.stdin.close()
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if _GRADING.search(line):
            bar.update(1)
    return proc.wait(), split_log(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnn-course-grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="+", metavar="assignment")
    parser.add_argument("--course", default=".", help="the course folder (default: the current one)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: every core)")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run the jobs on a Dask cluster: a scheduler address, or 'local' for one on this machine")
    parser.add_argument("--db", help="the gradebook's database URL (default: the course's, e.g. sqlite:///gradebook.db)")
    parser.add_argument("--force", action="store_true",
                        help="write every submission into the gradebook again (nbgrader autograde --force); "
                             "cached verdicts are reused, manual grades are kept")
    parser.add_argument("--recompute", action="store_true", help="compute every verdict again, ignoring the cache")
    parser.add_argument("--create-students", action="store_true",
                        help="grade folders under submitted/ that are not students of the gradebook (they are added)")
    parser.add_argument("--part-seconds", type=float, help="time limit of the learner's code per graded cell")
    parser.add_argument("--notebook-seconds", type=float, help="time limit of the learner's code per notebook")
    parser.add_argument("--memory-mb", type=int, help="memory limit of the sandbox")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run the learner's code without bubblewrap (only for a class you trust)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    root = Path(args.course).resolve()
    config = _course_config(root)
    db_url = args.db or (config.CourseDirectory.db_url if "db_url" in config.CourseDirectory else
                         f"sqlite:///{root / 'gradebook.db'}")
    limits = _limits(config, args)
    start = time.monotonic()
    plan, jobs = {}, []
    for assignment in args.assignments:
        notebooks, known = _class(root, db_url, assignment)
        submitted = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}") if p.is_dir())
        phantoms = {} if args.create_students else find_phantoms(submitted, known)
        if not known and submitted:
            print("rnn-course-grade: the gradebook has no students yet; each submitted folder becomes one "
                  "(import the class first: nbgrader db student import students.csv)")
        for folder, close in phantoms.items():
            hint = f" (did you mean {close!r}?)" if close else ""
            print(f"rnn-course-grade: WARNING: submitted/{folder} is not a student of the gradebook{hint}; "
                  f"not graded (rename the folder, add the student, or pass --create-students)")
        students = [s for s in submitted if s not in phantoms]
        todo, cached, keys = _jobs(root, assignment, students, notebooks, allowed_sources(assignment),
                                   limits, args.recompute)
        jobs += todo
        plan[assignment] = (notebooks, students, phantoms, keys)
        print(f"rnn-course-grade: {assignment}: {len(students)} submissions: {len(todo)} notebooks to grade, "
              f"{cached} already graded (cached)")
    where = f"on Dask ({args.dask})" if args.dask else f"on {args.workers} workers"
    failures = _run_jobs(jobs, root, limits, args) if jobs else []
    verdict_time = time.monotonic() - start
    print(f"rnn-course-grade: verdicts in {verdict_time:.1f} s {where}")

    status = 1 if failures else 0
    begin = time.monotonic()
    runs, total = {}, 0
    for assignment, (notebooks, students, _phantoms, keys) in plan.items():
        if not args.force:
            for student in _stale(root, assignment, keys):
                print(f"rnn-course-grade: {assignment}: {student}'s submission changed since it was "
                      f"graded: grading it again")
        runs[assignment] = _autograde_argv(assignment, args, limits, sorted(phantoms))
        total += len(students) * len(notebooks)
    results = _autograde(root, runs, args, total)
    print(f"rnn-course-grade: gradebook in {time.monotonic() - begin:.1f} s (nbgrader's logs: "
          f"{root / store.REPORT_DIR}/<assignment>.log)")
    for assignment, (notebooks, students, _phantoms, keys) in plan.items():
        code, failed, log_path = results[assignment]
        if code == 0:
            graded = store.load_graded(root, assignment)
            graded.update({k: v for k, v in keys.items() if k.split("/", 1)[0] not in failed})
            store.save_graded(root, assignment, graded)
        for student in failed:
            for name in notebooks:
                store.record_problems(root, assignment, student, name, [
                    {"cell": None, "kind": "not graded", "cause": f"nbgrader autograde failed; see {log_path}"}])
        problems = {s: lines for s, lines in store.problems_by_student(root, assignment).items() if s in students}
        if problems:
            print(f"rnn-course-grade: {assignment}: {len(problems)} submissions need a look (flagged in the "
                  f"gradebook; {store.report_path(root, assignment).with_suffix('.csv')}):")
            for student in sorted(problems):
                for line in problems[student]:
                    print(f"  {student}: {line}")
        if code != 0 or failed:
            print(f"rnn-course-grade: ERROR: nbgrader autograde {assignment} exited {code}" +
                  (f"; not graded: {', '.join(failed)}" if failed else "") + f"; see {log_path}")
            status = 1
    for line in failures:
        print(f"rnn-course-grade: ERROR: {line}")
    return status


if __name__ == "__main__":
    sys.exit(main())
