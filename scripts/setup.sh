#!/usr/bin/env bash
# Create .venv (if needed) and install rnn-course into it with everything needed to read,
# run, test and grade the course: the extras lab, book, grading, data and test (see the
# README for which extra is for whom). Safe to run again: it reinstalls only when
# pyproject.toml (or the requested extras) changed.
#
#   bash scripts/setup.sh                # rnn-course[all]: Jupyter, Jupyter Book, nbgrader, data, pytest
#   WITH_TORCH=1 bash scripts/setup.sh   # also PyTorch ([torch]), for the cross-check tests
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
extras="all"
torch_note=""
if [ "${WITH_TORCH:-0}" = "1" ]; then extras="all,torch"; torch_note=", PyTorch ([torch])"; fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the virtual environment $VENV with $PYTHON"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    echo "setup: '$PYTHON -m venv' failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv)" >&2
    rm -rf "$VENV"
    exit 1
  fi
fi

# One stamp per set of extras; an install with torch also serves a request without it.
hash="$(sha256sum pyproject.toml | cut -c1-16)"
stamp="$VENV/.rnn-course-installed-$extras"
for done_stamp in "$stamp" "$VENV/.rnn-course-installed-all,torch"; do
  if [ -f "$done_stamp" ] && [ "$(cat "$done_stamp")" = "$hash" ]; then
    exit 0
  fi
done

echo "setup: installing rnn-course[$extras] into $VENV, at the versions pinned in pyproject.toml:"
echo "setup: the package and numpy, matplotlib, ipywidgets, tqdm; Jupyter ([lab]), Jupyter Book ([book]),"
echo "setup: nbgrader ([grading]), the names data set ([data]), pytest and nbval ([test])$torch_note"
echo "setup: pip lists each package as it collects it, then installs them all at once"
echo "setup: ('Installing collected packages ...', the longest step, which prints nothing until it ends)."
echo "setup: This takes a few minutes (two on a shared 2-core machine, three when it is busy)."
start=$SECONDS
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar on -e ".[$extras]"; then
  echo "setup: pip install failed (its output is above)" >&2
  exit 1
fi
echo "$hash" > "$stamp"
echo "setup: done in $((SECONDS - start)) s; run Python, Jupyter and pytest from $VENV/bin"
echo "setup: learners: bash scripts/lab.sh ex01-recurrence"
