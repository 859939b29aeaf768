"""The gradebook step: ``nbgrader autograde`` of several assignments in one process.

``rnn-course-grade`` writes the gradebook by running nbgrader's own autograder, which takes
every verdict from the cache, waiting for each one the command is still computing. Started
once per assignment, nbgrader spends about two seconds importing and configuring itself
each time; here it starts once for all of them, while the command prepares the work, and
grades alongside the workers computing the verdicts (:func:`autograde`).

The process reads, from a line of standard input, a JSON list of ``{"assignment": ..., "argv": [...]}`` (``argv``
as for ``nbgrader autograde``), runs them in turn from the current folder (the course's),
and frames each one's log between two lines::

    rnn-course-grade: begin <assignment>
    ...nbgrader's log...
    rnn-course-grade: end <assignment> <exit code>

Every ``Gradebook`` nbgrader opens in this process shares one database engine per URL
(:func:`share_engines`): nbgrader opens about ten per notebook, and a new engine each
time means a new connection (to PostgreSQL, over the network) and every query compiled
anew. What is written is the same.

Run as ``python -m rnn_course.grading.autograde_many`` (:func:`start_process` does).
The command's side, :func:`autograde`, reads what it did: each assignment's log, the
submissions nbgrader failed on and why, the verdicts it had to compute itself.

Book: the instructor guide (grading in parallel).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path

BEGIN, END = "rnn-course-grade: begin ", "rnn-course-grade: end "
_END = re.compile(r"^rnn-course-grade: end (\S+) (-?\d+)$")
_GRADING = re.compile(r"Autograding (.*)")
_FAILED = re.compile(r"There was an error processing assignment '([^']*)' for student '([^']*)'")
_FAILED_AT = re.compile(r"There was an error processing assignment: (.*)$")
#: What ``SandboxedExecute`` logs when a verdict was not in the cache (counted here).
COMPUTED_HERE = "verdict not in the cache: computed here"
#: Seconds a gradebook process waits for another one's lock on a SQLite gradebook.
SQLITE_WAIT = 300


def share_engines() -> None:
    """Make every nbgrader ``Gradebook`` of one database URL, in this process, use one engine.

    nbgrader's ``Gradebook`` creates its engine with ``nbgrader.api.create_engine`` and
    disposes of it on ``close()``; here that name returns one engine per URL and arguments,
    whose ``dispose`` keeps its connections for the next ``Gradebook``. (Relies on how
    nbgrader 0.9 opens its database; ``tests/test_grading_command.py`` pins it.) A SQLite
    gradebook waits up to :data:`SQLITE_WAIT` seconds for another process's lock.
    """
    import nbgrader.api
    from sqlalchemy import create_engine

    engines = {}

    def shared_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            if str(url).startswith("sqlite"):  # other gradebook processes write too: wait for their locks
                kwargs = {**kwargs, "connect_args": {"timeout": SQLITE_WAIT}}
            engine = create_engine(url, **kwargs)
            engine.dispose = lambda *args, **kw: None  # kept for the next Gradebook
            engines[key] = engine
        return engines[key]

    nbgrader.api.create_engine = shared_engine


def run_one(argv: list[str]) -> int:
    """Run ``nbgrader autograde argv`` in this process; its exit code."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    AutogradeApp.clear_instance()
    try:
        app = AutogradeApp.instance()
        app.initialize(argv)
        app.start()
    except SystemExit as exc:  # nbgrader's apps exit on errors
        return exc.code if isinstance(exc.code, int) else 1
    except Exception:  # noqa: BLE001 - logged; the other assignments still run
        traceback.print_exc()
        return 1
    finally:
        AutogradeApp.clear_instance()
    return 0


def split_log(lines):
    """``{assignment: (exit code or None, [its lines])}`` from the framed output of :func:`main`;
    lines outside every frame go to the key ``None``. An assignment without its end line
    (the process died) has the exit code ``None``."""
    logs, current = {None: (None, [])}, None
    for line in lines:
        if line.startswith(BEGIN):
            current = line[len(BEGIN):].strip()
            logs[current] = (None, [])
            continue
        match = _END.match(line.rstrip("\n"))
        if match and match.group(1) == current:
            logs[current] = (int(match.group(2)), logs[current][1])
            current = None
            continue
        logs[current][1].append(line)
    return logs


def without_iri_grammar() -> None:
    """Spare this process a second of CPU: jsonschema imports ``rfc3987_syntax`` (when it is
    installed) for its ``iri`` format, which builds a grammar at import; nothing grading
    checks has that format. Call it before anything imports jsonschema (nbformat does)."""
    sys.modules.setdefault("rfc3987_syntax", None)


def main() -> int:
    without_iri_grammar()
    # Import nbgrader while rnn-course-grade prepares the work it then sends.
    from nbgrader.apps.autogradeapp import AutogradeApp  # noqa: F401

    from . import nbgrader_plugins  # noqa: F401

    share_engines()
    # One line, not "until the end of input": worker processes forked later by the command
    # hold a copy of the pipe's other end, so the end of input comes only when they end.
    runs = json.loads(sys.stdin.readline() or "[]")
    worst = 0
    for item in runs:
        assignment, argv = item["assignment"], [str(a) for a in item["argv"]]
        print(f"{BEGIN}{assignment}", flush=True)
        code = run_one(argv)
        sys.stderr.flush()
        print(f"{END}{assignment} {code}", flush=True)
        worst = worst or code
    return worst


if __name__ == "__main__":
    sys.exit(main())


# --- the command's side -----------------------------------------------------------------------

def autograde_argv(assignment: str, limits, *, db: str | None = None, force: bool = False,
                   exclude=()) -> list[str]:
    """The arguments of ``nbgrader autograde`` for one assignment: the sandbox's ``limits``,
    verdicts waited for while this process computes them, ``exclude``d folders left out."""
    argv = [assignment,
            f"--SandboxedExecute.part_seconds={limits.part_seconds}",
            f"--SandboxedExecute.notebook_seconds={limits.notebook_seconds}",
            f"--SandboxedExecute.memory_mb={limits.memory_bytes // 2**20}",
            f"--SandboxedExecute.sandbox={limits.sandbox}",
            f"--SandboxedExecute.wait_for_pid={os.getpid()}"]
    if db:
        argv.append(f"--db={db}")
    if force:
        argv.append("--force")
    if exclude:
        argv.append(f"--CourseDirectory.student_id_exclude={','.join(exclude)}")
    return argv


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
    failed: list[str]  # students nbgrader failed on
    log_path: Path
    finished: bool = True  # False: the process died during it
    computed_here: int = 0  # verdicts that were not in the cache
    causes: dict[str, str] = field(default_factory=dict)  # submission folder -> exception line


def start_process(root: Path) -> subprocess.Popen:
    """This module's process, in the course folder (it imports nbgrader while it waits for work)."""
    return subprocess.Popen([sys.executable, "-m", __name__], cwd=root, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def share_students(runs: dict[str, list[str]], students: dict[str, list[str]], processes: int) -> list[dict]:
    """``runs`` for each of ``processes`` gradebook processes: each grades every
    ``processes``-th student of each assignment (in order, so that all follow the verdicts)
    and leaves the others out (``--CourseDirectory.student_id_exclude``)."""
    shares = []
    for k in range(processes):
        share = {}
        for assignment, argv in runs.items():
            others = [s for i, s in enumerate(students[assignment]) if i % processes != k]
            if others:
                argv = _excluding(argv, others)
            share[assignment] = argv
        shares.append(share)
    return shares


def _excluding(argv: list[str], students: list[str]) -> list[str]:
    flag = "--CourseDirectory.student_id_exclude="
    before = [a[len(flag):] for a in argv if a.startswith(flag)]
    excluded = [s for group in before for s in group.split(",") if s] + students
    return [a for a in argv if not a.startswith(flag)] + [flag + ",".join(excluded)]


def autograde(root: Path, shares: list[dict[str, list[str]]], *, total: int, progress: bool = True,
              procs=(), stop: threading.Event | None = None) -> dict[str, Autograded]:
    """Run ``nbgrader autograde`` of every assignment of each share (assignment -> argv, see
    :func:`share_students`) in its own process (``procs``: those already started), all at
    once; what each assignment gave, the processes' logs joined, with a progress bar of
    ``total`` notebooks.

    Each assignment's log goes to ``grading-report/<assignment>.log``. Should a process die,
    the assignment it was on gets a non-zero code (and everything the process said last), and
    the assignments after it run in a new process (unless ``stop`` is set): one cannot take
    the others down.
    """
    from tqdm.auto import tqdm

    from . import store

    bar = tqdm(total=total, desc="gradebook", unit="notebook", disable=not progress, position=1)
    procs = list(procs) + [None] * (len(shares) - len(procs))
    parts: list[dict] = [{} for _ in shares]
    threads = [threading.Thread(target=lambda k=k: parts[k].update(_autograde_share(root, shares[k], bar, procs[k],
                                                                                    stop)), daemon=True)
               for k in range(len(shares))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bar.close()
    results = {}
    for assignment in (shares[0] if shares else {}):
        got = [part[assignment] for part in parts if assignment in part]
        lines = [line for _, part_lines, _ in got for line in part_lines]
        log_path = Path(root) / store.REPORT_DIR / f"{assignment}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("".join(lines))
        results[assignment] = Autograded(
            next((code for code, _, _ in got if code), 0) if len(got) == len(shares) else 1,
            [m.group(2) for m in map(_FAILED.search, lines) if m], log_path,
            len(got) == len(shares) and all(finished for _, _, finished in got),
            sum(COMPUTED_HERE in line for line in lines), failure_causes(lines))
    return results


def _autograde_share(root: Path, runs: dict[str, list[str]], bar, proc, stop) -> dict[str, tuple]:
    """``{assignment: (exit code, log lines, finished)}`` of one share, in one process (a new
    one for what is left if it dies)."""
    results, pending = {}, list(runs)
    while pending:
        code, logs = give_work(proc or start_process(root), {a: runs[a] for a in pending}, bar)
        proc = None
        started = [a for a in pending if a in logs]
        if not started:  # it died before its first assignment began: report them all, stop
            for assignment in pending:
                results[assignment] = (code or 1, logs[None][1], False)
            break
        for assignment in started:
            own_code, own_lines = logs[assignment]
            if own_code is None:  # it died during this one: keep everything it said
                results[assignment] = (code or 1, own_lines + logs[None][1], False)
            else:
                results[assignment] = (own_code, own_lines, True)
        pending = [a for a in pending if a not in logs]
        if stop is not None and stop.is_set():
            break
    return results


def give_work(proc, runs: dict[str, list[str]], bar):
    """Give ``runs`` to one process of this module: its exit code and its log, split per
    assignment (see :func:`split_log`); ``bar`` counts the notebooks graded."""
    try:
        proc.stdin.write(json.dumps([{"assignment": a, "argv": argv} for a, argv in runs.items()]) + "\n")
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if _GRADING.search(line):
            bar.update(1)
    return proc.wait(), split_log(lines)
