"""Where grading keeps what it computed: cached verdicts and the report of problems.

Book: the instructor guide (grading in parallel, the failure report).

A verdict is cached under a key that hashes everything it depends on: the learner's answer
cells, the locked cells that test them (hidden tests included), the allow-list, the limits
and the grader's own code. So grading again, or the serial ``nbgrader autograde`` run that
follows a parallel one, reuses it, and any change to what a verdict depends on regrades.

While ``rnn-course-grade`` computes a verdict, a marker says so (``pending/<key>``), so that
nbgrader's gradebook step, running at the same time, waits for it instead of computing it
again; a verdict that could not be computed leaves its cause in the marker.

The report lists, per student and notebook, what went wrong while grading (a repair, a
time limit, a crash, output cut short), in ``grading-report/<assignment>.json`` and, for
reading and spreadsheets, ``grading-report/<assignment>.csv``.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import hashlib
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from .verdicts import FORMAT, is_answer, is_trusted, nbgrader_meta

PACKAGE = Path(__file__).resolve().parents[1]
CACHE_DIR = ".grading-cache"
REPORT_DIR = "grading-report"


@functools.cache
def code_version() -> str:
    """A hash of the package's code that verdicts depend on (checks, layers, training, grading)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        if "book" in path.relative_to(PACKAGE).parts[:1]:
            continue
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _answers(cells) -> list:
    return [[nbgrader_meta(c).get("grade_id"), c["source"]] for c in cells if is_answer(c)]


def verdict_key(cells, allowed: dict, limits: dict) -> str:
    trusted = [[nbgrader_meta(c).get("grade_id"), c["source"]] for c in cells if is_trusted(c)]
    blob = json.dumps([FORMAT, code_version(), _answers(cells), trusted, allowed, limits], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def answers_digest(cells) -> str:
    """A hash of the learner's answer cells alone (what a resubmission changes)."""
    return hashlib.sha256(json.dumps(_answers(cells)).encode()).hexdigest()


def cache_path(root, assignment: str, key: str) -> Path:
    return Path(root) / CACHE_DIR / assignment / f"{key}.json"


def load_verdict(root, assignment: str, key: str) -> dict | None:
    try:
        verdict = json.loads(cache_path(root, assignment, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return verdict if isinstance(verdict, dict) and verdict.get("format") == FORMAT else None


def save_verdict(root, assignment: str, key: str, verdict: dict) -> None:
    path = cache_path(root, assignment, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(verdict), encoding="utf-8")
    os.replace(tmp, path)


def pending_path(root, assignment: str, key: str) -> Path:
    return Path(root) / CACHE_DIR / assignment / "pending" / key


def mark_pending(root, assignment: str, key: str) -> None:
    """Say that the verdict ``key`` is being computed (see :func:`pending`)."""
    path = pending_path(root, assignment, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")


def mark_failed(root, assignment: str, key: str, cause: str) -> None:
    """Say that the verdict ``key`` could not be computed, and why."""
    path = pending_path(root, assignment, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(cause or "the grader failed", encoding="utf-8")
    os.replace(tmp, path)


def clear_pending(root, assignment: str, key: str) -> None:
    pending_path(root, assignment, key).unlink(missing_ok=True)


def pending(root, assignment: str, key: str) -> str | None:
    """None if the verdict ``key`` is not being computed; "" while it is; the cause if it failed."""
    try:
        return pending_path(root, assignment, key).read_text(encoding="utf-8")
    except OSError:
        return None


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def graded_path(root, assignment: str) -> Path:
    """The file that records what the gradebook last received (see :func:`load_graded`)."""
    return Path(root) / CACHE_DIR / assignment / "graded.json"


def load_graded(root, assignment: str) -> dict[str, dict]:
    """``{"student/notebook": {"key": verdict key, "answers": answers digest}}`` of what the
    gradebook last received (see :func:`verdict_key`, :func:`answers_digest`)."""
    try:
        graded = json.loads(graded_path(root, assignment).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(graded, dict):
        return {}
    return {k: v if isinstance(v, dict) else {"key": v, "answers": None} for k, v in graded.items()}


def save_graded(root, assignment: str, graded: dict[str, dict]) -> None:
    """Record what the gradebook received (as :func:`load_graded` reads it)."""
    path = graded_path(root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(graded, sort_keys=True, indent=1), encoding="utf-8")


def report_path(root, assignment: str) -> Path:
    return Path(root) / REPORT_DIR / f"{assignment}.json"


def read_report(root, assignment: str) -> dict:
    try:
        return json.loads(report_path(root, assignment).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record_problems(root, assignment: str, student: str, notebook: str, problems: list[dict]) -> None:
    """Replace what the report says about one student's notebook (an empty list clears it)."""
    path = report_path(root, assignment)
    with _locked(path):
        report = read_report(root, assignment)
        entry = report.setdefault(student, {})
        entry[notebook] = {"problems": problems, "graded": time.strftime("%Y-%m-%d %H:%M:%S")}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(report, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
        with open(path.with_suffix(".csv"), "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["student_id", "notebook", "cell", "kind", "cause"])
            for sid in sorted(report):
                for nb_name, info in sorted(report[sid].items()):
                    for p in info.get("problems", []):
                        writer.writerow([sid, nb_name, p.get("cell") or "", p.get("kind", ""), p.get("cause", "")])


def problems_by_student(root, assignment: str) -> dict[str, list[str]]:
    """Student -> one line per problem, for the end-of-run summary and the export."""
    out: dict[str, list[str]] = {}
    for sid, notebooks in read_report(root, assignment).items():
        for nb_name, info in notebooks.items():
            for p in info.get("problems", []):
                where = f"{nb_name}/{p['cell']}" if p.get("cell") else nb_name
                out.setdefault(sid, []).append(f"{where}: {p.get('kind')}: {p.get('cause')}")
    return out
