#!/usr/bin/env bash
# Create .venv (if needed) and install rnn-course into it with everything needed to read,
# run, test and grade the course: the extras lab, book, grading, data and test (see the
# README for which extra is for whom). Safe to run again: it reinstalls only when
# pyproject.toml (or the requested extras) changed.
#
#   bash scripts/setup.sh                # rnn-course[all]: Jupyter, Jupyter Book, nbgrader, data, pytest
#   WITH_TORCH=1 bash scripts/setup.sh   # also PyTorch ([torch]), for the cross-check tests
#
# It also installs Debian's chromium (apt-get, as root) for the browser tests when missing.
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

# The browser tests (tests/test_browser.py) drive Debian's chromium through Playwright,
# which never downloads a browser of its own here. Installed with apt-get when missing and
# running as root; otherwise those tests fail saying how to install it.
if ! command -v chromium >/dev/null 2>&1 && [ "${WITH_BROWSER:-1}" = "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium with apt-get (for the browser tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is missing: the browser tests need it" \
         "(Debian/Ubuntu: sudo apt-get install chromium; WITH_BROWSER=0 skips this note)" >&2
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

echo "setup: installing rnn-course[$extras] into $VENV (pinned versions from pyproject.toml; about a minute)"
echo "setup: the package and numpy, matplotlib, ipywidgets, tqdm; Jupyter ([lab]), Jupyter Book ([book]),"
echo "setup: nbgrader ([grading]), the names data set ([data]), pytest and nbval ([test])$torch_note"
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar on -e ".[$extras]"; then
  echo "setup: pip install failed (its output is above)" >&2
  exit 1
fi
echo "$hash" > "$stamp"
echo "setup: done; run Python, Jupyter and pytest from $VENV/bin"
