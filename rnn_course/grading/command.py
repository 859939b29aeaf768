"""``rnn-course-grade``: grade every submission of an assignment, in parallel, resumably.

Book: the instructor guide (grading in parallel).

1. Check the class: warn about folders of nbgrader's submitted folder that are not students
   of the gradebook (a mistyped name would otherwise become a phantom student) and skip them.
2. Read and prepare each submission as nbgrader's sanitize step would
   (:mod:`~rnn_course.grading.submissions`); one that cannot be read at all is reported and
   left out, and never stops the others.
3. Compute the verdicts that are not cached yet, each distinct notebook once, on every core
   (``--workers``) or on a Dask cluster (``--dask``), with a progress bar
   (:mod:`~rnn_course.grading.workers`). Each is cached as soon as it is done, so an
   interrupted run resumes where it stopped.
4. Meanwhile ``nbgrader autograde`` of every assignment runs in two processes
   (:mod:`~rnn_course.grading.autograde_many`: nbgrader starts once in each; each grades
   every other student) and takes each verdict from the cache as soon as it is there, the
   verdicts being computed in the order nbgrader grades. It writes the gradebook (scores,
   with manual adjustments kept, and flags) exactly as a plain ``nbgrader autograde`` of
   the same submissions would.
5. Print what went wrong, per student, with its cause; the same is in
   ``grading-report/<assignment>.csv`` and ``.json``, and in the export's columns.

Run it from the course folder (where ``nbgrader_config.py`` is).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from . import autograde_many


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


def _limits(config, args):
    from .nbgrader_plugins import SandboxedExecute
    from .sandbox import Limits

    pp = SandboxedExecute(config=config)
    return Limits(
        part_seconds=args.part_seconds if args.part_seconds is not None else pp.part_seconds,
        notebook_seconds=args.notebook_seconds if args.notebook_seconds is not None else pp.notebook_seconds,
        memory_bytes=(args.memory_mb if args.memory_mb is not None else pp.memory_mb) * 2**20,
        output_chars=pp.output_chars,
        sandbox="none" if args.unsafe_no_sandbox else pp.sandbox,
    )


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
    parser.add_argument("--gradebook-processes", type=int, default=2,
                        help="processes writing the gradebook, each for every n-th student (default: 2)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser


def _plan(coursedir, db_url: str, assignment: str, args, limits):
    """The class of one assignment, checked (a ``submissions.Plan``), and each submission prepared."""
    from . import submissions

    notebooks, known = submissions.read_class(db_url, assignment)
    submitted = submissions.submitted_students(coursedir, assignment)
    phantoms = {} if args.create_students else submissions.find_phantoms(submitted, known)
    if not known and submitted:
        print("rnn-course-grade: the gradebook has no students yet; each submitted folder becomes one "
              "(import the class first: nbgrader db student import students.csv)")
    for folder, close in phantoms.items():
        hint = f" (did you mean {close!r}?)" if close else ""
        print(f"rnn-course-grade: WARNING: {Path(coursedir.submitted_directory) / folder} is not a student of "
              f"the gradebook{hint}; not graded (rename the folder, add the student, or pass --create-students)")
    plan = submissions.Plan(notebooks, [s for s in submitted if s not in phantoms], phantoms)
    return plan, submissions.prepare(coursedir, assignment, plan, limits)


def _report_not_graded(root: Path, coursedir, assignment: str, plan, result) -> None:
    """Each submission that could not be graded goes in the report, with its cause."""
    from . import store

    for k, why in plan.unreadable.items():
        student, name = k.split("/", 1)
        store.record_problems(root, assignment, student, name, [
            {"cell": None, "kind": "not graded",
             "cause": f"the submission could not be read or prepared for grading ({why})"}])
    for student in result.failed:
        folder = os.path.normpath(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        why = result.causes.get(folder)
        for name in plan.notebooks:
            if f"{student}/{name}" not in plan.unreadable:
                store.record_problems(root, assignment, student, name, [
                    {"cell": None, "kind": "not graded",
                     "cause": f"nbgrader autograde failed{f' ({why})' if why else ''}; see {result.log_path}"}])


def summary(report: dict, students) -> dict[str, list[str]]:
    """Student -> what the end of the run prints about them: per notebook and kind of
    problem, the first one and how many more the report holds."""
    out: dict[str, list[str]] = {}
    for student in sorted(set(report) & set(students)):
        for name, info in sorted(report[student].items()):
            kinds: dict[str, list[dict]] = {}
            for problem in info.get("problems", []):
                kinds.setdefault(str(problem.get("kind")), []).append(problem)
            for kind, found in kinds.items():
                first = found[0]
                where = f"{name}/{first['cell']}" if first.get("cell") else name
                more = f" (and {len(found) - 1} more like it in the report)" if len(found) > 1 else ""
                out.setdefault(student, []).append(f"{where}: {kind}: {first.get('cause')}{more}")
    return out


class _Background(threading.Thread):
    """Runs a function on a thread; its result (or exception) when joined."""

    def __init__(self, fn, *args, **kwargs):
        super().__init__(daemon=True)
        self.fn, self.args, self.kwargs, self.result, self.error = fn, args, kwargs, None, None

    def run(self):
        try:
            self.result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the joining thread
            self.error = exc

    def value(self):
        self.join()
        if self.error is not None:
            raise self.error
        return self.result


def whole_sandbox_limits(limits) -> bool:
    """Whether memory and processes can be limited for each sandbox as a whole (a cgroup);
    if not, say so once: the limits then hold per process, and why is printed."""
    from .cgroup import Group

    group, how = Group.create(limits.memory_bytes, limits.processes)
    if group is not None:
        group.close()
        return True
    print(f"rnn-course-grade: warning: memory and process limits hold per process only, not for each "
          f"sandbox as a whole: {how}. A submission that forks can use more than its limit in total "
          f"(the instructor guide, 'What the sandbox protects').", flush=True)
    return False


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    root = Path(args.course).resolve()
    config = _course_config(root)
    start = time.monotonic()
    autograde_many.without_iri_grammar()
    # The gradebook processes import nbgrader while this one prepares their work.
    procs = [autograde_many.start_process(root) for _ in range(max(1, args.gradebook_processes))]
    stop = threading.Event()
    plans, jobs = {}, []
    try:
        from . import store, submissions
        from .workers import run_jobs

        coursedir = _coursedir(config, root)
        db_url = args.db or coursedir.db_url
        limits = _limits(config, args)
        whole_sandbox_limits(limits)
        for assignment in args.assignments:
            plan, cells_of = _plan(coursedir, db_url, assignment, args, limits)
            todo = submissions.jobs(root, assignment, plan, cells_of, args.recompute)
            jobs += todo
            plans[assignment] = plan
            print(f"rnn-course-grade: {assignment}: {len(plan.students)} submissions, {len(cells_of)} distinct "
                  f"notebooks: {len(todo)} to grade, {plan.cached} already graded (cached)"
                  + (f"; {len(plan.unreadable)} could not be read or prepared" if plan.unreadable else ""), flush=True)
        runs = {}
        for assignment, plan in plans.items():
            again = {} if args.force else submissions.changed_since_graded(coursedir, assignment, plan)
            for student in again.get("changed", []):
                print(f"rnn-course-grade: {assignment}: {student}'s submission changed since it was graded: "
                      f"grading it again")
            if again.get("regraded"):
                print(f"rnn-course-grade: {assignment}: the tests, the limits or the course's code changed since "
                      f"{len(again['regraded'])} submissions were graded: grading them again")
            if again.get("unrecorded"):
                print(f"rnn-course-grade: {assignment}: {len(again['unrecorded'])} submissions were graded "
                      f"without rnn-course-grade (no record of what): grading them again")
            unreadable = {k.split("/", 1)[0] for k in plan.unreadable}
            runs[assignment] = autograde_many.autograde_argv(assignment, limits, db=args.db, force=args.force,
                                                             exclude=sorted({*plan.phantoms, *unreadable}))
        prepared = time.monotonic()
        print(f"rnn-course-grade: submissions read and prepared in {prepared - start:.1f} s", flush=True)
        shares = autograde_many.share_students(runs, {a: p.students for a, p in plans.items()}, len(procs))
        gradebook = _Background(autograde_many.autograde, root, shares, total=sum(len(p.keys) for p in plans.values()),
                                progress=not args.no_progress, procs=procs, stop=stop)
        failures = run_jobs(jobs, root, limits, workers=args.workers, dask=args.dask, progress=not args.no_progress,
                            started=gradebook.start)
        verdicts_done = time.monotonic()
        where = f"on Dask ({args.dask})" if args.dask else f"on {args.workers} workers"
        print(f"rnn-course-grade: {len(jobs)} verdicts in {verdicts_done - prepared:.1f} s {where}", flush=True)
        results = gradebook.value()
        procs = []
    finally:
        stop.set()
        for proc in procs:  # an error before the gradebook step ended: stop it
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
        submissions.record_graded(coursedir, assignment, plan, result.failed, result.finished)
        _report_not_graded(root, coursedir, assignment, plan, result)
        problems = summary(store.read_report(root, assignment), plan.students)
        if problems:
            print(f"rnn-course-grade: {assignment}: {len(problems)} submissions need a look (flagged in the "
                  f"gradebook; {store.report_path(root, assignment).with_suffix('.csv')}):")
            for student in sorted(problems):
                for line in problems[student]:
                    print(f"  {student}: {line}")
        not_graded = sorted({*result.failed, *(k.split("/", 1)[0] for k in plan.unreadable)})
        if not_graded:
            print(f"rnn-course-grade: ERROR: {assignment}: not graded: {', '.join(not_graded)} (the causes are "
                  f"above; fix them and grade again)")
            status = 1
        if result.code != 0:
            print(f"rnn-course-grade: ERROR: {assignment}: nbgrader autograde exited {result.code}; "
                  f"see {result.log_path}")
            status = 1
    for line in failures:
        print(f"rnn-course-grade: ERROR: {line}")
    return status


if __name__ == "__main__":
    sys.exit(main())
