"""``rnn-course-grade``: grade every submission of an assignment, in parallel, resumably.

Book: the instructor guide (grading in parallel).

1. Check the class: warn about folders of nbgrader's submitted folder that are not students
   of the gradebook (a mistyped name would otherwise become a phantom student) and skip them.
2. Read each submission leniently (:mod:`~rnn_course.grading.repair`) and give it the
   cells nbgrader's sanitize step gives the autograder (nbgrader's own ``DeduplicateIds``
   and ``OverwriteCells``, with the gradebook's cells read once). Every step of one
   submission is guarded: one that cannot be read at all is reported and left out, and
   never stops the others.
3. Compute the verdicts that are not cached yet, each distinct notebook once, on every core
   (``--workers``) or on a Dask cluster (``--dask``), with a progress bar. Each is cached
   as soon as it is done, so an interrupted run resumes where it stopped.
4. Meanwhile ``nbgrader autograde`` of every assignment runs in one process
   (``autograde_many``: nbgrader starts once) and takes each verdict from the cache as soon
   as it is there: the verdicts are computed in the order nbgrader grades the submissions.
   It writes the gradebook (scores, with manual adjustments kept, and flags) exactly as a
   plain ``nbgrader autograde`` of the same submissions would.
5. Print what went wrong, per student, with its cause; the same is in
   ``grading-report/<assignment>.csv`` and ``.json``, and in the export's columns.

Run it from the course folder (where ``nbgrader_config.py`` is).
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import nbformat
from tqdm.auto import tqdm

from . import store
from .allowlist import allowed_sources
from .autograde_many import split_log
from .nbgrader_plugins import COMPUTED_HERE, release_notebook
from .repair import DEPTH_ERRORS, read_submission_file
from .sandbox import Limits
from .verdicts import grade_cells

_QUIET = logging.getLogger("rnn_course.grading.prepare")
_QUIET.setLevel(logging.ERROR)


class GradebookCells:
    """One notebook's cells as the gradebook holds them, read once: what nbgrader's
    ``OverwriteCells`` asks the gradebook about each cell of each submission."""

    def __init__(self, notebook):
        self.source = {c.name: SimpleNamespace(name=c.name, cell_type=c.cell_type, locked=bool(c.locked),
                                               source=c.source, checksum=c.checksum) for c in notebook.source_cells}
        self.graded = {c.name: SimpleNamespace(name=c.name, max_score=c.max_score)
                       for c in [*notebook.grade_cells, *notebook.task_cells]}

    @staticmethod
    def _find(table: dict, name: str):
        from nbgrader.api import MissingEntry

        try:
            return table[name]
        except KeyError:
            raise MissingEntry() from None

    def find_source_cell(self, name: str, notebook: str, assignment: str):
        return self._find(self.source, name)

    def find_graded_cell(self, name: str, notebook: str, assignment: str):
        return self._find(self.graded, name)


def prepare_cells(nb, cells: GradebookCells, assignment: str, notebook: str) -> list[dict]:
    """The cells nbgrader's sanitize step gives the autograder: nbgrader's ``DeduplicateIds``
    and ``OverwriteCells`` (locked cells restored, hidden tests included; cell types, points
    and locks as in the gradebook), with ``cells`` standing for the gradebook."""
    from nbconvert.preprocessors import Preprocessor
    from nbgrader.preprocessors import DeduplicateIds, OverwriteCells

    nb = copy.deepcopy(nb)
    resources = {"nbgrader": {"notebook": notebook, "assignment": assignment}}
    nb, resources = DeduplicateIds(log=_QUIET).preprocess(nb, resources)
    overwrite = OverwriteCells(log=_QUIET)
    overwrite.gradebook, overwrite.notebook_id, overwrite.assignment_id = cells, notebook, assignment
    nb, resources = Preprocessor.preprocess(overwrite, nb, resources)
    return [dict(c) for c in nb.cells]


def compute_verdict(cells, allowed: dict, limits: dict, hidden=()) -> dict:
    """One job: the verdict for one submitted notebook (runs on a worker)."""
    return grade_cells(cells, allowed=allowed, limits=Limits(**limits), hidden=hidden)


def _course_config(root: Path):
    from traitlets.config.loader import PyFileConfigLoader

    path = root / "nbgrader_config.py"
    if not path.exists():
        raise SystemExit(f"rnn-course-grade: no nbgrader_config.py in {root}: run it from the course folder")
    return PyFileConfigLoader(path.name, path=str(root)).load_config()


def _coursedir(config, root: Path):
    """nbgrader's ``CourseDirectory`` of the course: where submissions, releases and grades are."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    coursedir.root = str(root)
    return coursedir


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


def _class(db_url: str, assignment: str) -> tuple[dict[str, GradebookCells], list[str]]:
    """The assignment's notebooks (name -> their cells in the gradebook) and the students."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(
                f"rnn-course-grade: the gradebook has no assignment {assignment!r}: record it first "
                f"(bash scripts/generate-exercises.sh --gradebook {assignment})") from None
        notebooks = {nb.name: GradebookCells(nb) for nb in found.notebooks}
        students = [s.id for s in gb.students]
    return notebooks, students


def submitted_students(coursedir, assignment: str) -> list[str]:
    """Every folder of nbgrader's submitted folder for ``assignment``, in the order nbgrader
    grades them (by path)."""
    import glob

    prefix, suffix = coursedir.format_path(coursedir.submitted_directory, "\0", assignment).split("\0")
    found = []
    for path in sorted(glob.glob(coursedir.format_path(coursedir.submitted_directory, "*", assignment))):
        student = path[len(prefix):len(path) - len(suffix)]
        if path.startswith(prefix) and path.endswith(suffix) and student and os.sep not in student \
                and os.path.isdir(path):
            found.append(student)
    return found


@dataclass
class Plan:
    """What one run does for one assignment."""

    notebooks: dict
    students: list[str]
    phantoms: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)  # "student/notebook" -> verdict key
    unreadable: dict[str, str] = field(default_factory=dict)  # "student/notebook" -> why
    cached: int = 0


def _prepare(coursedir, assignment: str, plan: Plan, allowed, limits: Limits) -> dict[str, list]:
    """Verdict key of every submitted notebook (``plan.keys``) and the cells of each distinct
    key (returned, in the order nbgrader grades them). A notebook that cannot be prepared is
    put in ``plan.unreadable`` with the cause: it never stops the others."""
    cells_of: dict[str, list] = {}
    for name in sorted(plan.notebooks):
        release = release_notebook(coursedir, assignment, name)
        if not release.exists():
            raise SystemExit(f"rnn-course-grade: {release} is missing: generate the assignment first "
                             f"(bash scripts/generate-exercises.sh --gradebook {assignment})")
        plan.notebooks[name] = (plan.notebooks[name], nbformat.read(release, as_version=4))
    for student in plan.students:
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        for name in sorted(plan.notebooks):
            path = folder / f"{name}.ipynb"
            if not path.exists():
                continue
            gradebook_cells, release = plan.notebooks[name]
            try:
                nb, _ = read_submission_file(path, release)
                cells = prepare_cells(nb, gradebook_cells, assignment, name)
                key = store.verdict_key(cells, allowed, limits.as_dict())
            except (Exception, *DEPTH_ERRORS) as exc:  # noqa: BLE001 - reported; the others go on
                plan.unreadable[f"{student}/{name}"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                continue
            plan.keys[f"{student}/{name}"] = key
            cells_of.setdefault(key, [dict(c) for c in cells])
    for name, (gradebook_cells, _) in plan.notebooks.items():
        plan.notebooks[name] = gradebook_cells
    return cells_of


def _stale(coursedir, assignment: str, keys: dict[str, str]) -> tuple[list[str], list[str]]:
    """Students whose submission changed since the gradebook last received it, and those
    graded before without a record of what (by a plain ``nbgrader autograde``, say).

    nbgrader regrades a submission only when its ``timestamp.txt`` is newer (or with
    --force); a notebook copied into the submitted folder by hand has none, so its old grade
    would stay. Their autograded folder is removed, so nbgrader grades them again. (A
    student nbgrader failed on has no autograded folder: it is graded again anyway.)
    """
    graded = store.load_graded(coursedir.root, assignment)
    changed, unrecorded = set(), set()
    for k, key in keys.items():
        student = k.split("/", 1)[0]
        if k not in graded:
            unrecorded.add(student)
        elif graded[k] != key:
            changed.add(student)
    removed = ([], [])
    for found, out in ((changed, removed[0]), (unrecorded - changed, removed[1])):
        for student in sorted(found):
            folder = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
            if folder.is_dir():
                shutil.rmtree(folder)
                out.append(student)
    return removed


def _run_jobs(jobs: list[tuple], root: Path, limits: Limits, args, started=lambda: None) -> list[str]:
    """Compute and cache every job's verdict, in order; return the failures (one line each).

    A job is ``(assignment, key, cells, students)``. Its ``pending`` marker is cleared when
    its verdict is cached, or says why it could not be computed (the gradebook step, which
    waits for it, then reports that submission as not graded). ``started()`` is called once
    the workers are started.
    """
    failures = []
    bar = tqdm(total=len(jobs), desc="verdicts", unit="notebook", disable=args.no_progress, position=0)

    def call(job):
        assignment, _, cells, _ = job
        return compute_verdict, cells, allowed_sources(assignment), limits.as_dict(), [str(root)]

    def done(job, result=None, error=None):
        assignment, key, _, students = job
        if error is None:
            try:
                store.save_verdict(root, assignment, key, result)
                store.clear_pending(root, assignment, key)
            except (OSError, TypeError, ValueError) as exc:
                error = exc
        if error is not None:
            cause = f"the grader failed: {type(error).__name__}: {str(error)[:300]}"
            store.mark_failed(root, assignment, key, cause)
            failures.append(f"{assignment}/{', '.join(students)}: {cause}")
        bar.update(1)

    if not jobs:
        started()
    elif args.dask:
        _run_on_dask(jobs, call, done, args, started)
    else:
        _run_on_pool(jobs, call, done, args.workers, started)
    bar.close()
    return failures


def _run_on_pool(jobs, call, done, workers: int, started, restarts: int = 3) -> None:
    """The jobs on a pool of processes; should one die (and the pool with it), the jobs not
    done yet run in a new pool, up to ``restarts`` times.

    The pool forks all its workers at its first job, before ``started()`` starts any thread.
    """
    remaining = list(range(len(jobs)))
    for _ in range(restarts + 1):
        broken = []
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {}
            for i in remaining:
                futures[pool.submit(*call(jobs[i]))] = i
                if started is not None:
                    started()
                    started = None
            for future in as_completed(futures):
                i = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken.append(i)
                    continue
                except (Exception, *DEPTH_ERRORS) as exc:  # noqa: BLE001 - that job fails, the others go on
                    done(jobs[i], error=exc)
                    continue
                done(jobs[i], result)
        if not broken:
            return
        remaining = sorted(broken)
    for i in remaining:
        done(jobs[i], error=RuntimeError(f"a grading process died {restarts + 1} times while computing it "
                                         f"(out of memory?)"))


def _run_on_dask(jobs, call, done, args, started) -> None:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None) if args.dask == "local" else None
    started()
    try:
        with Client(cluster or args.dask) as client:
            # Higher priority first: the order nbgrader grades in.
            futures = {client.submit(*call(job), pure=False, priority=len(jobs) - i): job
                       for i, job in enumerate(jobs)}
            for future in dask_completed(futures):
                try:
                    result = future.result()
                except (Exception, *DEPTH_ERRORS) as exc:  # noqa: BLE001 - that job fails, the others go on
                    done(futures[future], error=exc)
                    continue
                done(futures[future], result)
    finally:
        if cluster is not None:
            cluster.close()


_GRADING = re.compile(r"Autograding (.*)")
_FAILED = re.compile(r"There was an error processing assignment '([^']*)' for student '([^']*)'")
_FAILED_AT = re.compile(r"There was an error processing assignment: (.*)$")


def failure_causes(lines: list[str]) -> dict[str, str]:
    """``{submission folder: the exception's line}`` of each submission nbgrader failed on,
    from its log (the last line of the traceback it logs after saying so)."""
    causes, current = {}, None
    for line in lines:
        match = _FAILED_AT.search(line)
        if match:
            current = os.path.normpath(match.group(1).strip())
            continue
        if current is None:
            continue
        if line.startswith("[") and "Traceback" not in line:
            current = None
            continue
        text = line.rstrip("\n")
        if text and not text[0].isspace() and not text.startswith(("Traceback", "[")):
            causes[current] = text[:300]
    return causes


@dataclass
class Autograded:
    """What nbgrader's autograde of one assignment did."""

    code: int
    failed: list[str]
    log_path: Path
    finished: bool = True  # False: the process died during it
    computed_here: int = 0  # verdicts that were not in the cache
    causes: dict[str, str] = field(default_factory=dict)  # submission folder -> exception line


def _autograde_argv(assignment: str, args, limits: Limits, exclude: list[str]) -> list[str]:
    """The arguments of ``nbgrader autograde`` for one assignment (verdicts from the cache)."""
    argv = [assignment,
            f"--SandboxedExecute.part_seconds={limits.part_seconds}",
            f"--SandboxedExecute.notebook_seconds={limits.notebook_seconds}",
            f"--SandboxedExecute.memory_mb={limits.memory_bytes // 2**20}",
            f"--SandboxedExecute.sandbox={limits.sandbox}",
            f"--SandboxedExecute.wait_for_pid={os.getpid()}"]
    if args.db:
        argv.append(f"--db={args.db}")
    if args.force:
        argv.append("--force")
    if exclude:
        argv.append(f"--CourseDirectory.student_id_exclude={','.join(exclude)}")
    return argv


def _start_gradebook_process(root: Path) -> subprocess.Popen:
    """The ``autograde_many`` process (it imports nbgrader while the rest is prepared)."""
    cmd = [sys.executable, "-m", "rnn_course.grading.autograde_many"]
    return subprocess.Popen(cmd, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _autograde(root: Path, runs: dict[str, list[str]], args, total: int, proc=None,
               stop: threading.Event | None = None) -> dict[str, Autograded]:
    """Run ``nbgrader autograde`` of every assignment of ``runs`` (assignment -> argv) serially,
    in one process (``autograde_many``: nbgrader starts once; ``proc`` if already started).

    Each assignment's log goes to ``grading-report/<assignment>.log``. Should the process die,
    the assignment it was on gets a non-zero code (and everything the process said last), and
    the assignments after it run in a new process (unless ``stop`` is set): one cannot take
    the others down.
    """
    bar = tqdm(total=total, desc="gradebook", unit="notebook", disable=args.no_progress, position=1)
    results, pending = {}, list(runs)

    def record(assignment, code, lines, finished):
        log_path = root / store.REPORT_DIR / f"{assignment}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("".join(lines))
        results[assignment] = Autograded(
            code, [m.group(2) for m in map(_FAILED.search, lines) if m], log_path, finished,
            sum(COMPUTED_HERE in line for line in lines), failure_causes(lines))

    while pending:
        code, logs = _autograde_process(proc or _start_gradebook_process(root), {a: runs[a] for a in pending}, bar)
        proc = None
        started = [a for a in pending if a in logs]
        if not started:  # it died before its first assignment began: report them all, stop
            for assignment in pending:
                record(assignment, code or 1, logs[None][1], False)
            break
        for assignment in started:
            own_code, own_lines = logs[assignment]
            finished = own_code is not None
            if not finished:  # it died during this one: keep everything it said
                own_code, own_lines = code or 1, own_lines + logs[None][1]
            record(assignment, own_code, own_lines, finished)
        pending = [a for a in pending if a not in logs]
        if stop is not None and stop.is_set():
            break
    bar.close()
    return results


def _autograde_process(proc, runs: dict[str, list[str]], bar):
    """Give ``runs`` to one ``autograde_many`` process: its exit code and its log, split per
    assignment (see ``autograde_many.split_log``)."""
    try:
        proc.stdin.write(json.dumps([{"assignment": a, "argv": argv} for a, argv in runs.items()]))
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if _GRADING.search(line):
            bar.update(1)
    return proc.wait(), split_log(lines)


class _Background(threading.Thread):
    """Runs a function on a thread; its result (or exception) when joined."""

    def __init__(self, fn, *args):
        super().__init__(daemon=True)
        self.fn, self.args, self.result, self.error = fn, args, None, None

    def run(self):
        try:
            self.result = self.fn(*self.args)
        except BaseException as exc:  # noqa: BLE001 - handed to the joining thread
            self.error = exc

    def value(self):
        self.join()
        if self.error is not None:
            raise self.error
        return self.result


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


def _plan(coursedir, db_url: str, assignment: str, args, limits: Limits) -> tuple[Plan, dict]:
    """The class of one assignment, checked, and each submission prepared (see :func:`_prepare`)."""
    notebooks, known = _class(db_url, assignment)
    submitted = submitted_students(coursedir, assignment)
    phantoms = {} if args.create_students else find_phantoms(submitted, known)
    if not known and submitted:
        print("rnn-course-grade: the gradebook has no students yet; each submitted folder becomes one "
              "(import the class first: nbgrader db student import students.csv)")
    for folder, close in phantoms.items():
        hint = f" (did you mean {close!r}?)" if close else ""
        print(f"rnn-course-grade: WARNING: {Path(coursedir.submitted_directory) / folder} is not a student of "
              f"the gradebook{hint}; not graded (rename the folder, add the student, or pass --create-students)")
    plan = Plan(notebooks, [s for s in submitted if s not in phantoms], phantoms)
    cells_of = _prepare(coursedir, assignment, plan, allowed_sources(assignment), limits)
    return plan, cells_of


def _jobs(root: Path, assignment: str, plan: Plan, cells_of: dict, recompute: bool) -> list[tuple]:
    """One job per distinct verdict not cached yet (every one with ``recompute``), in the order
    nbgrader grades the submissions; each marked pending."""
    students_of: dict[str, list[str]] = {}
    for k, key in plan.keys.items():
        students_of.setdefault(key, []).append(k.split("/", 1)[0])
    jobs = []
    for key, cells in cells_of.items():
        if recompute:
            store.cache_path(root, assignment, key).unlink(missing_ok=True)
        elif store.load_verdict(root, assignment, key) is not None:
            plan.cached += 1
            continue
        store.mark_pending(root, assignment, key)
        jobs.append((assignment, key, cells, students_of[key]))
    return jobs


def _record(root: Path, coursedir, assignment: str, plan: Plan, result: Autograded) -> None:
    """Keep what the gradebook received (for the next run's check of changed submissions),
    and report each submission that could not be graded, with its cause."""
    graded = store.load_graded(root, assignment)
    for k, key in plan.keys.items():
        student, name = k.split("/", 1)
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment)) / f"{name}.ipynb"
        if student in result.failed:
            graded.pop(k, None)
        elif result.finished and autograded.exists():
            graded[k] = key
    for k in plan.unreadable:
        graded.pop(k, None)
    store.save_graded(root, assignment, graded)
    for k, why in plan.unreadable.items():
        student, name = k.split("/", 1)
        store.record_problems(root, assignment, student, name, [
            {"cell": None, "kind": "not graded", "cause": f"the submission could not be read ({why})"}])
    for student in result.failed:
        folder = os.path.normpath(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        why = result.causes.get(folder)
        for name in plan.notebooks:
            if f"{student}/{name}" in plan.unreadable:
                continue
            store.record_problems(root, assignment, student, name, [
                {"cell": None, "kind": "not graded",
                 "cause": f"nbgrader autograde failed{f' ({why})' if why else ''}; see {result.log_path}"}])


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    root = Path(args.course).resolve()
    config = _course_config(root)
    coursedir = _coursedir(config, root)
    db_url = args.db or coursedir.db_url
    limits = _limits(config, args)
    start = time.monotonic()
    proc = _start_gradebook_process(root)
    stop = threading.Event()
    plans, jobs = {}, []
    try:
        for assignment in args.assignments:
            plan, cells_of = _plan(coursedir, db_url, assignment, args, limits)
            todo = _jobs(root, assignment, plan, cells_of, args.recompute)
            jobs += todo
            plans[assignment] = plan
            same = len(plan.keys) - len(cells_of)
            print(f"rnn-course-grade: {assignment}: {len(plan.students)} submissions: {len(todo)} notebooks to grade"
                  + (f" ({same} more identical to one of them)" if same else "")
                  + f", {plan.cached} already graded (cached)"
                  + (f", {len(plan.unreadable)} unreadable" if plan.unreadable else ""), flush=True)
        runs, total = {}, 0
        for assignment, plan in plans.items():
            changed, unrecorded = ([], []) if args.force else _stale(coursedir, assignment, plan.keys)
            for student in changed:
                print(f"rnn-course-grade: {assignment}: {student}'s submission changed since it was graded: "
                      f"grading it again")
            if unrecorded:
                print(f"rnn-course-grade: {assignment}: {len(unrecorded)} submissions were graded without "
                      f"rnn-course-grade (no record of what): grading them again")
            unreadable = sorted({k.split("/", 1)[0] for k in plan.unreadable})
            runs[assignment] = _autograde_argv(assignment, args, limits, sorted({*plan.phantoms, *unreadable}))
            total += len(plan.keys)
        gradebook = _Background(_autograde, root, runs, args, total, proc, stop)
        failures = _run_jobs(jobs, root, limits, args, started=gradebook.start)
        verdicts_done = time.monotonic()
        where = f"on Dask ({args.dask})" if args.dask else f"on {args.workers} workers"
        print(f"rnn-course-grade: verdicts in {verdicts_done - start:.1f} s {where}", flush=True)
        results = gradebook.value()
        proc = None
    finally:
        if proc is not None:  # an error before the gradebook step ended: stop it
            stop.set()
            proc.kill()
            proc.wait()
        for job in jobs:
            store.clear_pending(root, job[0], job[1])
    end = time.monotonic()
    misses = sum(r.computed_here for r in results.values())
    print(f"rnn-course-grade: gradebook done {end - verdicts_done:.1f} s after the last verdict; "
          + ("every verdict came from the cache" if not misses else
             f"{misses} verdicts were not in the cache and were computed in the gradebook step")
          + f" (nbgrader's logs: {root / store.REPORT_DIR}/<assignment>.log)")
    print(f"rnn-course-grade: done in {end - start:.1f} s")
    status = 1 if failures else 0
    for assignment, plan in plans.items():
        result = results[assignment]
        _record(root, coursedir, assignment, plan, result)
        problems = {s: lines for s, lines in store.problems_by_student(root, assignment).items() if s in plan.students}
        if problems:
            print(f"rnn-course-grade: {assignment}: {len(problems)} submissions need a look (flagged in the "
                  f"gradebook; {store.report_path(root, assignment).with_suffix('.csv')}):")
            for student in sorted(problems):
                for line in problems[student]:
                    print(f"  {student}: {line}")
        if result.code != 0 or result.failed or plan.unreadable:
            not_graded = sorted({*result.failed, *(k.split("/", 1)[0] for k in plan.unreadable)})
            print(f"rnn-course-grade: ERROR: {assignment}: nbgrader autograde exited {result.code}"
                  + (f"; not graded: {', '.join(not_graded)}" if not_graded else "") + f"; see {result.log_path}")
            status = 1
    for line in failures:
        print(f"rnn-course-grade: ERROR: {line}")
    return status


if __name__ == "__main__":
    sys.exit(main())
