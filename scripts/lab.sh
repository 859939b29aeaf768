#!/usr/bin/env bash
# Start JupyterLab on the exercises, for learners.
#
#   bash scripts/lab.sh                     # JupyterLab, showing exercises/
#   bash scripts/lab.sh ex01-recurrence     # ... with that exercise open
#   bash scripts/lab.sh ex01-recurrence --no-browser   # extra arguments go to jupyter lab
#
# Jupyter serves the repository root, which is also nbgrader's course folder (where
# nbgrader_config.py is): started from a notebook's own folder instead, nbgrader's
# extensions log "The course directory root is not a subdirectory of the notebook server
# root". Run scripts/setup.sh once first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/jupyter ]; then
  echo "lab: .venv/bin/jupyter not found; run 'bash scripts/setup.sh' first (once)" >&2
  exit 1
fi

opened=exercises
if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
  name=$1
  shift
  opened="exercises/$name/$name.ipynb"
  if [ ! -f "$opened" ]; then
    echo "lab: no such exercise: $opened (the exercises are: $(ls exercises | tr '\n' ' '))" >&2
    exit 1
  fi
fi

echo "lab: starting JupyterLab on $opened (stop it with Ctrl-C, twice)"
exec .venv/bin/jupyter lab --ServerApp.root_dir="$PWD" --LabApp.default_url="/lab/tree/$opened" "$@"
