#!/usr/bin/env bash
# Create .venv (if needed) and install rnn-course into it with everything needed to read,
# run, test and grade the course. Safe to run again: it reinstalls only when
# pyproject.toml (or the requested extras) changed.
#
#   bash scripts/setup.sh            # the course, Jupyter, nbgrader, Jupyter Book, pytest
#   WITH_TORCH=1 bash scripts/setup.sh   # also PyTorch, for the cross-check tests
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
extras="test"
if [ "${WITH_TORCH:-0}" = "1" ]; then extras="test,torch"; fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    echo "setup: '$PYTHON -m venv' failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv)" >&2
    rm -rf "$VENV"
    exit 1
  fi
fi

# One stamp per set of extras; an install with torch also serves a request without it.
hash="$(sha256sum pyproject.toml | cut -c1-16)"
stamp="$VENV/.rnn-course-installed-$extras"
for done_stamp in "$stamp" "$VENV/.rnn-course-installed-test,torch"; do
  if [ -f "$done_stamp" ] && [ "$(cat "$done_stamp")" = "$hash" ]; then
    exit 0
  fi
done

echo "setup: installing rnn-course[$extras] into $VENV (about a minute)"
log=$(mktemp)
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -e ".[$extras]" >"$log" 2>&1; then
  grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -n 40 >&2
  echo "setup: pip install failed (full log: $log)" >&2
  exit 1
fi
rm -f "$log"
echo "$hash" > "$stamp"
echo "setup: done"
