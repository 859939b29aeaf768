"""nbgrader configuration for rnn-course (run nbgrader from the repository root).

Exercises are written once, with solutions and hidden tests, in ``solutions/``;
``bash scripts/generate-exercises.sh`` writes the student versions to ``exercises/``.
Grading folders (``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``) are
created here by the instructor commands and are not committed.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "rnn-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Every graded notebook runs with a per-cell timeout: an infinite loop costs that
# cell's points, not the grading run. Set on ExecutePreprocessor (the parent class of
# nbgrader's Execute) so `--ExecutePreprocessor.timeout=N` on the command line overrides it.
c.ExecutePreprocessor.timeout = 60

# While grading, kernels print only the last line of a traceback ("FeedbackError: <what is
# wrong>"). IPython's default tracebacks show the lines around the failing call, which in a
# test cell are the hidden tests (and the checks' internals): they would appear in feedback.
# Learners working in Jupyter keep the full tracebacks; this applies to nbgrader's runs only.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]

# Feedback never shows hidden tests: strip the BEGIN/END HIDDEN TESTS regions from the
# autograded notebook's cells before it is rendered to HTML (nbgrader shows them by default).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]
