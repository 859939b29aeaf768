"""The pieces of grading that plug into nbgrader (configured in ``nbgrader_config.py``).

Book: the instructor guide (setting up; the failure report; export).

- :class:`TolerantExporter` (``Autograde.exporter_class``): reads a submission that is not
  valid JSON or whose metadata was edited, matched to the release notebook (see
  :mod:`~rnn_course.grading.repair`), instead of failing the whole submission.
- :class:`SandboxedExecute` (replaces nbgrader's ``Execute`` in
  ``Autograde.autograde_preprocessors``): never runs the notebook in a kernel; writes each
  graded cell's verdict (computed by :mod:`~rnn_course.grading.verdicts`, or taken from the
  cache the parallel command filled) as that cell's output, so ``SaveAutoGrades``,
  formgrader, ``generate_feedback`` and ``export`` work as before.
- :class:`FlagProblems` (after ``SaveAutoGrades``): flags the notebook in the gradebook,
  marks each affected cell as needing a look in formgrader, and writes the report.
- :class:`FlaggedCsvExport` (``ExportApp.plugin_class``): nbgrader's CSV with two more
  columns, ``flagged`` and ``grading_problems``, so no problem is exported as a plain 0.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import CsvExportPlugin
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer, Unicode

from . import store
from .allowlist import allowed_sources
from .repair import METADATA_KEY, read_submission
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


class TolerantExporter(NotebookExporter):
    """Reads each submission with :func:`~rnn_course.grading.repair.read_submission`."""

    def from_filename(self, filename, resources=None, **kw):
        converter = self.parent
        info = (resources or {}).get("nbgrader", {})
        if not getattr(converter, "_sanitizing", False) or not info:
            return super().from_filename(filename, resources, **kw)
        coursedir = converter.coursedir
        release = Path(coursedir.format_path(coursedir.release_directory, ".", info["assignment"])) / (
            info["notebook"] + ".ipynb")
        if not release.exists():
            return super().from_filename(filename, resources, **kw)
        nb, repairs = read_submission(Path(filename).read_bytes(), nbformat.read(release, as_version=4))
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

    def limits(self) -> Limits:
        return Limits(part_seconds=self.part_seconds, notebook_seconds=self.notebook_seconds,
                      memory_bytes=self.memory_mb * 2**20, output_chars=self.output_chars, sandbox=self.sandbox)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        root = _course_root(self)
        repairs = nb.metadata.pop(METADATA_KEY, {}).get("repairs", [])
        allowed = allowed_sources(info["assignment"])
        limits = self.limits()
        key = store.verdict_key(nb.cells, allowed, limits.as_dict())
        verdict = store.load_verdict(root, info["assignment"], key) if self.use_cache else None
        if verdict is None:
            verdict = grade_cells(nb.cells, allowed=allowed, limits=limits, hidden=[root])
            store.save_verdict(root, info["assignment"], key, verdict)
        apply_verdict(nb, verdict)
        problems = [{"cell": None, "kind": "repaired", "cause": r} for r in repairs] + verdict["problems"]
        resources[RESOURCES_KEY] = {"problems": problems, "root": root}
        return nb, resources


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
        problems = found["problems"]
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
