"""A class's submissions, read and prepared as nbgrader's sanitize step would, and what the
gradebook last received of each.

Book: the instructor guide (grading in parallel).

- which students handed in an assignment (nbgrader's ``CourseDirectory`` says where), and
  which folders are not students of the gradebook;
- each submission read leniently (:mod:`~rnn_course.grading.repair`) and given the cells
  nbgrader's sanitize step gives the autograder: nbgrader's own ``DeduplicateIds`` and
  ``OverwriteCells``, with the gradebook's cells read once (:class:`GradebookCells`);
  every step of one submission is guarded, so one that cannot be read at all is set aside
  with its cause and never stops the others;
- the verdict key of each, one job per distinct key not cached yet;
- which submissions changed since the gradebook last received them.
"""

from __future__ import annotations

import copy
import difflib
import glob
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import nbformat

from . import store
from .allowlist import allowed_sources
from .nbgrader_plugins import release_notebook
from .repair import read_submission_file
from .sandbox import Limits

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


def find_phantoms(submitted: list[str], known: list[str]) -> dict[str, str]:
    """Submitted folder names that are not students, with the closest student id (or '')."""
    if not known:
        return {}
    return {s: (difflib.get_close_matches(s, known, n=1) or [""])[0] for s in submitted if s not in set(known)}


def read_class(db_url: str, assignment: str) -> tuple[dict[str, GradebookCells], list[str]]:
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

    notebooks: dict  # name -> GradebookCells
    students: list[str]
    phantoms: dict[str, str]  # folder -> the student it is closest to
    keys: dict[str, str] = field(default_factory=dict)  # "student/notebook" -> verdict key
    answers: dict[str, str] = field(default_factory=dict)  # "student/notebook" -> answers digest
    unreadable: dict[str, str] = field(default_factory=dict)  # "student/notebook" -> why
    cached: int = 0


def prepare(coursedir, assignment: str, plan: Plan, limits: Limits) -> dict[str, list]:
    """Verdict key of every submitted notebook (``plan.keys``) and the cells of each distinct
    key (returned, in the order nbgrader grades them). A notebook that cannot be prepared is
    put in ``plan.unreadable`` with the cause: it never stops the others."""
    allowed = allowed_sources(assignment)
    releases = {}
    for name in sorted(plan.notebooks):
        path = release_notebook(coursedir, assignment, name)
        if not path.exists():
            raise SystemExit(f"rnn-course-grade: {path} is missing: generate the assignment first "
                             f"(bash scripts/generate-exercises.sh --gradebook {assignment})")
        releases[name] = nbformat.read(path, as_version=4)
    cells_of: dict[str, list] = {}
    for student in plan.students:
        folder = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        for name in sorted(plan.notebooks):
            path = folder / f"{name}.ipynb"
            if not path.exists():
                continue
            try:
                nb, _ = read_submission_file(path, releases[name])
                cells = prepare_cells(nb, plan.notebooks[name], assignment, name)
                key = store.verdict_key(cells, allowed, limits.as_dict())
            except Exception as exc:  # noqa: BLE001 - reported; the others go on (MemoryError, RecursionError too)
                plan.unreadable[f"{student}/{name}"] = _cause(exc)
                continue
            plan.keys[f"{student}/{name}"] = key
            plan.answers[f"{student}/{name}"] = store.answers_digest(cells)
            cells_of.setdefault(key, [dict(c) for c in cells])
    return cells_of


def _cause(exc: BaseException) -> str:
    """One line saying what went wrong, for the report."""
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    hint = {"MemoryError": " (the notebook is too large or nested too deep to prepare)",
            "RecursionError": " (the notebook is nested too deep to prepare)"}.get(type(exc).__name__, "")
    return f"{type(exc).__name__}: {text}{hint}" if text else f"{type(exc).__name__}{hint}"


def jobs(root: Path, assignment: str, plan: Plan, cells_of: dict, recompute: bool) -> list[tuple]:
    """``(assignment, key, cells, students)`` for each distinct verdict not cached yet (every
    one with ``recompute``), in the order nbgrader grades the submissions; each marked pending."""
    students_of: dict[str, list[str]] = {}
    for k, key in plan.keys.items():
        students_of.setdefault(key, []).append(k.split("/", 1)[0])
    found = []
    for key, cells in cells_of.items():
        if recompute:
            store.cache_path(root, assignment, key).unlink(missing_ok=True)
        elif store.load_verdict(root, assignment, key) is not None:
            plan.cached += 1
            continue
        store.mark_pending(root, assignment, key)
        found.append((assignment, key, cells, students_of[key]))
    return found


def changed_since_graded(coursedir, assignment: str, plan: Plan) -> dict[str, list[str]]:
    """The students graded again, by why: ``changed`` (their answers changed since the
    gradebook last received them), ``regraded`` (the answers did not, but what grades them
    did: the tests, the limits, the course's code) and ``unrecorded`` (graded before without
    a record of what, by a plain ``nbgrader autograde``, say).

    nbgrader regrades a submission only when its ``timestamp.txt`` is newer (or with
    --force); a notebook copied into the submitted folder by hand has none, so its old grade
    would stay. Their autograded folder is removed, so nbgrader grades them again. (A
    student nbgrader failed on has no autograded folder: it is graded again anyway.)
    """
    graded = store.load_graded(coursedir.root, assignment)
    why: dict[str, str] = {}
    for k, key in plan.keys.items():
        student, before = k.split("/", 1)[0], graded.get(k)
        if before is None:
            reason = "unrecorded"
        elif before.get("answers") not in (None, plan.answers.get(k)):
            reason = "changed"
        elif before.get("key") != key:
            reason = "changed" if before.get("answers") is None else "regraded"
        else:
            continue
        if why.get(student) != "changed":
            why[student] = reason
    removed: dict[str, list[str]] = {"changed": [], "regraded": [], "unrecorded": []}
    for student, reason in sorted(why.items()):
        folder = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        if folder.is_dir():
            shutil.rmtree(folder)
            removed[reason].append(student)
    return removed


def record_graded(coursedir, assignment: str, plan: Plan, failed: list[str], finished: bool) -> None:
    """Keep what the gradebook received: each submission nbgrader wrote an autograded
    notebook of (not one it ``failed`` on, nothing new when the process died during the
    assignment, so not ``finished``), for the next run's :func:`changed_since_graded`."""
    graded = store.load_graded(coursedir.root, assignment)
    for k, key in plan.keys.items():
        student, name = k.split("/", 1)
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment)) / f"{name}.ipynb"
        if student in failed:
            graded.pop(k, None)
        elif finished and autograded.exists():
            graded[k] = {"key": key, "answers": plan.answers.get(k)}
    for k in plan.unreadable:
        graded.pop(k, None)
    store.save_graded(coursedir.root, assignment, graded)
