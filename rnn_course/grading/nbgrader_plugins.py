"""The pieces of grading that plug into nbgrader (configured in ``nbgrader_config.py``).

Book: the instructor guide (setting up; the failure report; export).

- :class:`TolerantExporter` (``Autograde.exporter_class``): reads a submission that is not
  valid JSON or whose metadata was edited, matched to the release notebook (see
  :mod:`~rnn_course.grading.repair`), instead of failing the whole submission.
- :class:`SandboxedExecute` (replaces nbgrader's ``Execute`` in
  ``Autograde.autograde_preprocessors``): never runs the notebook in a kernel; writes each
  graded cell's verdict (computed by :mod:`~rnn_course.grading.verdicts`, or taken from the
  cache the parallel command fills, waiting for it while the command computes it) as that
  cell's output, so ``SaveAutoGrades``, formgrader, ``generate_feedback`` and ``export``
  work as before.
- :class:`FlagProblems` (after ``SaveAutoGrades``): flags the notebook in the gradebook,
  marks each affected cell as needing a look in formgrader, and writes the report; a
  manual score kept while the automatic score changed under it is reported too.
- :class:`FlaggedCsvExport` (``ExportApp.plugin_class``): nbgrader's CSV with two more
  columns, ``flagged`` and ``grading_problems``, so no problem is exported as a plain 0.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import CsvExportPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from . import store
from .allowlist import allowed_sources
from .autograde_many import COMPUTED_HERE
from .repair import METADATA_KEY, read_submission_file
from .sandbox import Limits
from .verdicts import grade_cells

RESOURCES_KEY = "rnn_course_grading"


def _course_root(configurable) -> str:
    node = configurable
    while node is not None:
        coursedir = getattr(node, "coursedir", None)
        if coursedir is not None:
            return coursedir.root
        node = node.parent
    return os.getcwd()


def release_notebook(coursedir, assignment: str, notebook: str) -> Path:
    """The notebook as handed out (nbgrader's release folder, ``exercises/`` here)."""
    return Path(coursedir.format_path(coursedir.release_directory, ".", assignment)) / f"{notebook}.ipynb"


class TolerantExporter(NotebookExporter):
    """Reads each submission with :func:`~rnn_course.grading.repair.read_submission`.

    Only the files nbgrader reads from the submitted folder (its sanitize step) are read
    leniently; what nbgrader wrote itself (the autograde step reads it back) is read as usual.
    """

    def from_filename(self, filename, resources=None, **kw):
        info = (resources or {}).get("nbgrader", {})
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is None or not {"student", "assignment", "notebook"} <= set(info):
            return super().from_filename(filename, resources, **kw)
        submitted = coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"])
        release = release_notebook(coursedir, info["assignment"], info["notebook"])
        if Path(filename).resolve().parent != Path(submitted).resolve() or not release.exists():
            return super().from_filename(filename, resources, **kw)
        nb, repairs = read_submission_file(filename, nbformat.read(release, as_version=4))
        for line in repairs:
            self.log.warning("%s/%s: repaired: %s", info.get("student"), info.get("notebook"), line)
        nb.metadata[METADATA_KEY] = {"repairs": repairs}
        return self.from_notebook_node(nb, resources, **kw)


class SandboxedExecute(NbGraderPreprocessor):
    """Grades the notebook without a kernel: verdicts from the sandboxed grader (or its cache)."""

    part_seconds = Float(10.0, help="Time the learner's code may take for one graded cell (s)").tag(config=True)
    notebook_seconds = Float(60.0, help="Time the learner's code may take for the whole notebook (s)").tag(config=True)
    memory_mb = Integer(2048, help="Memory the sandbox may use (MiB)").tag(config=True)
    output_chars = Integer(20_000, help="What the learner's prints may add to the notebook").tag(config=True)
    sandbox = Unicode("bwrap", help="'bwrap', or 'none' to grade without isolation (trusted class only)").tag(
        config=True)
    use_cache = Bool(True, help="Reuse verdicts cached by an earlier run (or by rnn-course-grade)").tag(config=True)
    wait_for_pid = Integer(0, help="While this process (rnn-course-grade) runs and computes a verdict that is "
                                   "not cached yet, wait for it instead of computing it again").tag(config=True)

    def limits(self) -> Limits:
        return Limits(part_seconds=self.part_seconds, notebook_seconds=self.notebook_seconds,
                      memory_bytes=self.memory_mb * 2**20, output_chars=self.output_chars, sandbox=self.sandbox)

    def _waited_verdict(self, root, assignment: str, key: str) -> dict | None:
        """The cached verdict, once the command computing it is done (None if nobody is)."""
        while True:
            verdict = store.load_verdict(root, assignment, key)
            if verdict is not None or not self.wait_for_pid:
                return verdict
            state = store.pending(root, assignment, key)
            if state is None or not _alive(self.wait_for_pid):
                return store.load_verdict(root, assignment, key)
            if state:
                raise RuntimeError(f"the verdict of this notebook could not be computed: {state}")
            time.sleep(0.02)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        root = _course_root(self)
        repairs = nb.metadata.pop(METADATA_KEY, {}).get("repairs", [])
        allowed = allowed_sources(info["assignment"])
        limits = self.limits()
        key = store.verdict_key(nb.cells, allowed, limits.as_dict())
        verdict = self._waited_verdict(root, info["assignment"], key) if self.use_cache else None
        if verdict is None:
            self.log.info("%s/%s: %s", info["student"], info["notebook"], COMPUTED_HERE)
            verdict = grade_cells(nb.cells, allowed=allowed, limits=limits, hidden=[root])
            store.save_verdict(root, info["assignment"], key, verdict)
        apply_verdict(nb, verdict)
        problems = [{"cell": None, "kind": "repaired", "cause": r} for r in repairs] + verdict["problems"]
        resources[RESOURCES_KEY] = {"problems": problems, "root": root, "before": _scores_before(info)}
        return nb, resources


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _scores_before(info) -> dict:
    """{graded cell: (automatic score, manual score)} the gradebook holds before this grading."""
    with Gradebook(info["db_url"]) as gb:
        try:
            notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
        except MissingEntry:
            return {}
        return {g.name: (g.auto_score, g.manual_score) for g in notebook.grades}


def kept_manual_scores(nb, before: dict, reported=()) -> list[dict]:
    """A problem for each graded cell whose manual score is kept while its automatic score changed.

    nbgrader keeps a manual score over any new automatic one (``SaveAutoGrades``), which is
    right for a cell graded by hand, but hides a resubmission: the instructor must decide.
    ``before`` is ``{cell: (automatic score, manual score)}`` before this grading; a problem
    ``reported`` by an earlier grading stays as long as that manual score stands unchanged
    and differs from the automatic one.
    """
    earlier = {p.get("cell"): p for p in reported if p.get("kind") == "manual score"}
    problems = []
    for cell in nb.cells:
        if not utils.is_grade(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        old_auto, manual = before.get(grade_id, (None, None))
        new_auto, _ = utils.determine_grade(cell)
        if manual is None:
            continue
        if old_auto is not None and new_auto != old_auto:
            problems.append({"cell": grade_id, "kind": "manual score", "manual": manual, "cause": (
                f"the manual score {manual:g} is kept, but the automatic score changed from {old_auto:g} to "
                f"{'none' if new_auto is None else format(new_auto, 'g')} (the submission or its tests "
                f"changed since it was graded by hand); set the score again in formgrader")})
        elif grade_id in earlier and earlier[grade_id].get("manual") == manual and new_auto != manual:
            problems.append(earlier[grade_id])
    return problems


def apply_verdict(nb, verdict: dict) -> None:
    """Put each cell's verdict in as its outputs; clear the outputs of every other code cell."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        outputs = verdict["cells"].get(grade_id) if grade_id else None
        cell.outputs = [nbformat.from_dict(o) for o in outputs] if outputs is not None else []
        if outputs is not None:
            count += 1
            cell.execution_count = count
        else:
            cell.execution_count = None


class FlagProblems(NbGraderPreprocessor):
    """Makes grading problems visible: notebook flagged, cells to look at, the report file."""

    def preprocess(self, nb, resources):
        found = resources.get(RESOURCES_KEY)
        if found is None:
            return nb, resources
        info = resources["nbgrader"]
        reported = store.read_report(found["root"], info["assignment"]).get(info["student"], {}).get(
            info["notebook"], {}).get("problems", [])
        problems = found["problems"] + kept_manual_scores(nb, found.get("before", {}), reported)
        store.record_problems(found["root"], info["assignment"], info["student"], info["notebook"], problems)
        if problems:
            with Gradebook(info["db_url"]) as gb:
                notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
                notebook.flagged = True
                for cell in {p["cell"] for p in problems if p.get("cell")}:
                    try:
                        grade = gb.find_grade(cell, info["notebook"], info["assignment"], info["student"])
                    except MissingEntry:
                        continue
                    grade.needs_manual_grade = True
                gb.db.commit()
            for p in problems:
                self.log.warning("%s/%s: %s: %s", info["student"], p.get("cell") or info["notebook"],
                                 p["kind"], p["cause"])
        return nb, resources


class FlaggedCsvExport(CsvExportPlugin):
    """nbgrader's CSV export plus ``flagged`` and ``grading_problems`` columns."""

    def export(self, gradebook) -> None:
        super().export(gradebook)
        dest = self.to or "grades.csv"
        root = _course_root(self)
        import csv

        with open(dest, newline="") as f:
            rows = list(csv.DictReader(f))
        problems = {}
        flagged = {}
        for assignment in gradebook.assignments:
            for sid, lines in store.problems_by_student(root, assignment.name).items():
                problems[(assignment.name, sid)] = lines
            for notebook in assignment.notebooks:
                for sub in notebook.submissions:
                    if sub.flagged:
                        flagged[(assignment.name, sub.student.id)] = True
        with open(dest, "w", newline="") as f:
            fields = [*(rows[0].keys() if rows else []), "flagged", "grading_problems"]
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            for row in rows:
                key = (row["assignment"], row["student_id"])
                row["flagged"] = "yes" if flagged.get(key) or problems.get(key) else ""
                row["grading_problems"] = " | ".join(problems.get(key, []))
                writer.writerow(row)
