"""nbgrader configuration for rnn-course (run nbgrader from the repository root).

Exercises are written once, with solutions and hidden tests, in ``solutions/``;
``bash scripts/generate-exercises.sh`` writes the student versions to ``exercises/``.
Grading folders (``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``) are
created here by the instructor commands and are not committed.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "rnn-course"
# The gradebook: gradebook.db (SQLite) here, unless RNN_COURSE_GRADEBOOK gives another
# SQLAlchemy URL, e.g. postgresql+psycopg://user@host/gradebook (deploy/jupyterhub's setting).
if os.environ.get("RNN_COURSE_GRADEBOOK"):
    c.CourseDirectory.db_url = os.environ["RNN_COURSE_GRADEBOOK"]
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# `nbgrader validate` (and learners' own runs) execute notebooks in a kernel with a per-cell
# timeout; set on ExecutePreprocessor so `--ExecutePreprocessor.timeout=N` overrides it.
c.ExecutePreprocessor.timeout = 60
# Kernels started by nbgrader print only the last line of a traceback ("FeedbackError: <what
# is wrong>"), not the lines around the failing call (the tests and the checks' internals).
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]

# Autograding never runs a submission in a kernel (see rnn_course.grading and the book's
# instructor guide). A submission is read leniently and matched to the release notebook
# (invalid JSON, edited metadata); its answer cells run in a bubblewrap sandbox that only
# answers calls; the locked test cells, hidden tests included, run in the grader with
# proxies for the learner's functions, and each verdict becomes that cell's output.
# Problems (a repair, a time limit, a crash, output cut short) flag the notebook in the
# gradebook and go to grading-report/<assignment>.csv.
c.Autograde.exporter_class = "rnn_course.grading.nbgrader_plugins.TolerantExporter"
c.Autograde.autograde_preprocessors = [
    "rnn_course.grading.nbgrader_plugins.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "rnn_course.grading.nbgrader_plugins.FlagProblems",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Limits on the learner's code while grading (wall-clock seconds; memory of the sandbox).
c.SandboxedExecute.part_seconds = 10
c.SandboxedExecute.notebook_seconds = 60
c.SandboxedExecute.memory_mb = 2048

# `nbgrader export` adds the columns `flagged` and `grading_problems` to the CSV.
c.ExportApp.plugin_class = "rnn_course.grading.nbgrader_plugins.FlaggedCsvExport"

# Feedback never shows hidden tests: strip the BEGIN/END HIDDEN TESTS regions from the
# autograded notebook's cells before it is rendered to HTML (nbgrader shows them by default).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]
