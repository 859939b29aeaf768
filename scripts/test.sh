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

# --- Timing: each step's wall and CPU time, and the parts inside (each page run, each
# test), go to $RNN_COURSE_STEPS; at the end, whatever the outcome, scripts/steps.py
# prints the steps, the ten slowest parts and the total.
mkdir -p _build
export RNN_COURSE_STEPS=${RNN_COURSE_STEPS:-$(pwd)/_build/test-steps.tsv}
: > "$RNN_COURSE_STEPS"
started=$(date +%s.%N)
start_load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
step() { python3 scripts/steps.py run "$RNN_COURSE_STEPS" "$@"; }
trap 'python3 scripts/steps.py table "$RNN_COURSE_STEPS" --since "$started" --start-load "$start_load" || true' EXIT
# ---

step "install (scripts/setup.sh)" -- env WITH_TORCH=1 bash scripts/setup.sh
# The grading tests need bubblewrap (the sandbox) and a PostgreSQL server (a gradebook on it).
step "grading setup (scripts/setup-grading.sh)" -- env WITH_POSTGRES=1 bash scripts/setup-grading.sh
# A quick unit pass on the oldest and newest supported Python that pyenv has (PYTHONS=0: not).
# The version .venv has is left out there (the whole suite runs on it). It runs in the
# background, beside the page runs and pytest (it installs a small environment, mostly
# waiting on pip, and fills the cores those leave idle); its output goes to
# _build/test-pythons.log, printed and its status counted at the end.
pythons_pid=""
if [ "${PYTHONS:-1}" = "1" ]; then
  step "other Pythons (scripts/test-pythons.sh, in the background)" -- \
    env -u RNN_COURSE_STEPS PYTHONS_COVERED="$(.venv/bin/python -c 'import platform; print(platform.python_version())')" \
    bash scripts/test-pythons.sh > _build/test-pythons.log 2>&1 &
  pythons_pid=$!
fi

# --- The book's pages, before pytest: each page once in every configuration the tests
# need (the build's, and test_book_robust.py's: perturbed, without PyTorch, without the
# Debian packages), side by side on every core, the longest first, into one jupyter-cache
# per configuration under $RNN_COURSE_PAGE_RUNS (tests/page_runs.py). The book build of
# test_book.py then only renders, and each robustness test reads its run. A page whose
# code, the package or the environment changed since its run there runs again; a page that
# failed is run again by its test, which reports the error. Only for the whole suite: with
# pytest arguments (a selection), the selected tests run the pages they need themselves.
# --- The JupyterHub class (tests/test_jupyterhub_class.py) mostly waits, on the hub, the
# users' servers and the browser: for the whole suite it runs in the background beside the
# page runs, in a pytest of its own (output in _build/test-hub.log, printed and its status
# counted at the end), and the main pytest leaves it out. HUB_BESIDE=0: in the main pytest.
HUB_TESTS=tests/test_jupyterhub_class.py
hub_pid=""
leave_out=()
if [ $# -eq 0 ] && [ "${HUB_BESIDE:-1}" = "1" ]; then
  step "JupyterHub class ($HUB_TESTS, in the background)" -- \
    .venv/bin/python -m pytest -p no:cacheprovider "$HUB_TESTS" > _build/test-hub.log 2>&1 &
  hub_pid=$!
  leave_out=(--deselect "$HUB_TESTS")
fi
# ---

export RNN_COURSE_PAGE_RUNS=${RNN_COURSE_PAGE_RUNS:-$(pwd)/_build/page-runs}
if [ $# -eq 0 ]; then
  step "page runs (tests/page_runs.py)" -- .venv/bin/python tests/page_runs.py --jobs "${TEST_WORKERS:-$(nproc)}"
  export RNN_COURSE_PAGE_RUNS_READY=1  # a test that does not find its run's fingerprint fails
fi
# ---

# One pytest worker per core (pytest-xdist): the book's build, the grading run and the
# browser tests are separate jobs. Tests that share a built book or a graded course stay
# in one worker (--dist loadgroup), the longest groups handed out first (tests/conftest.py
# orders them; --no-loadscope-reorder keeps that order). TEST_WORKERS=1 runs them in turn.
status=0
step "pytest" -- .venv/bin/python -m pytest -n "${TEST_WORKERS:-$(nproc)}" --dist loadgroup \
  --no-loadscope-reorder "${leave_out[@]}" "$@" || status=$?

# background NAME PID LOG: wait for a job started in the background, print its log, and
# count its failure in $status (the first failure's code is the one test.sh exits with)
background() {
  local code=0
  wait "$2" || code=$?
  echo "--- $1 (ran in the background; $3):"
  grep -v "IPKernelApp" "$3" || true
  if [ "$code" != 0 ]; then
    echo "test.sh: $1 failed (exit $code)" >&2
    [ "$status" != 0 ] || status=$code
  fi
}
[ -z "$hub_pid" ] || background "$HUB_TESTS" "$hub_pid" _build/test-hub.log
[ -z "$pythons_pid" ] || background scripts/test-pythons.sh "$pythons_pid" _build/test-pythons.log
exit "$status"
