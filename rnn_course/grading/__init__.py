"""Grading a class: verdicts computed outside the submission's reach, in parallel, resumable.

- :mod:`~rnn_course.grading.wire`, :mod:`~rnn_course.grading.harness`,
  :mod:`~rnn_course.grading.sandbox` and :mod:`~rnn_course.grading.bwrap`: the learner's
  answer cells run in a bubblewrap sandbox that answers calls; values cross in a
  pickle-free format;
- :mod:`~rnn_course.grading.replies`: every reply of the sandbox checked against its
  request (the sandbox is the learner's from the moment their code runs);
- :mod:`~rnn_course.grading.cgroup`: limits of the sandbox as a whole (memory, processes);
- :mod:`~rnn_course.grading.streams` and :mod:`~rnn_course.grading.stand_ins`: the
  sandbox's answers and prints as the grader reads them, and its stand-ins for values and
  exceptions that stay in the sandbox;
- :mod:`~rnn_course.grading.verdicts`: the locked test cells (hidden tests included) run in
  the grader with proxies for the learner's functions;
- :mod:`~rnn_course.grading.repair`: a submission read leniently and matched to the
  release notebook (invalid JSON, edited metadata), with what was repaired;
- :mod:`~rnn_course.grading.allowlist`: the few helpers of ``rnn_course`` an assignment's
  answers may use while grading;
- :mod:`~rnn_course.grading.nbgrader_plugins`: the pieces nbgrader's ``autograde`` and
  ``export`` use (configured in ``nbgrader_config.py``);
- :mod:`~rnn_course.grading.store`: the cached verdicts and the report of problems;
- :mod:`~rnn_course.grading.submissions`: a class's submissions read and prepared as
  nbgrader's sanitize step would, one job per distinct notebook, and what changed;
- :mod:`~rnn_course.grading.workers`: the verdicts computed on all cores or a Dask cluster;
- :mod:`~rnn_course.grading.autograde_many`: the gradebook step, nbgrader's ``autograde``
  of every assignment in two processes, alongside the workers;
- :mod:`~rnn_course.grading.command`: ``rnn-course-grade``, every submission of an
  assignment on all cores (or a Dask cluster), resumable, with a report of what went wrong.

The instructor guide in the book says how to use it.
"""
