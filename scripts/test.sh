#!/usr/bin/env bash
# Install everything (the course, Jupyter, nbgrader, Jupyter Book, pytest, and PyTorch for
# the cross-checks) into .venv, then run the whole test suite: unit tests, PyTorch
# cross-checks, notebook execution, the exercise generation check, the grading pipeline
# end to end and the book build. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# The course's matrices are small: one BLAS thread per process is faster and steadier.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# Every test must run: a skipped one (PyTorch or a data package missing) fails the run.
export RNN_COURSE_NO_SKIPS=${RNN_COURSE_NO_SKIPS:-1}
WITH_TORCH=1 bash scripts/setup.sh
# The grading tests need bubblewrap (the sandbox) and a PostgreSQL server (a gradebook on it).
WITH_POSTGRES=1 bash scripts/setup-grading.sh
# A quick unit pass on the oldest and newest supported Python that pyenv has (PYTHONS=0: not).
if [ "${PYTHONS:-1}" = "1" ]; then bash scripts/test-pythons.sh; fi
# One pytest worker per core (pytest-xdist): the book's build, the grading run and the
# page-robustness runs are separate single-threaded jobs. Tests that share a built book or
# a graded course stay in one worker (--dist loadgroup). TEST_WORKERS=1 runs them in turn.
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-$(nproc)}" --dist loadgroup "$@"
