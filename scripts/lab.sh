#!/usr/bin/env bash
# Start JupyterLab on the exercises, for learners.
#
#   bash scripts/lab.sh                     # JupyterLab, showing exercises/
#   bash scripts/lab.sh ex01-recurrence     # ... with that exercise open
#   bash scripts/lab.sh ex01-recurrence --no-browser   # extra arguments go to jupyter lab
#   bash scripts/lab.sh --instructor [ex01-recurrence]  # with nbgrader's instructor tools
#
# Learners get nbgrader's assignment list (Nbgrader menu) and the Validate button, without
# the instructor's tools (Formgrader, Create Assignment, the course list): the configuration
# in rnn_course/lab/jupyter_config is put on JUPYTER_CONFIG_PATH. `--instructor` starts the
# full set. Jupyter serves the repository root, which is also nbgrader's course folder (where
# nbgrader_config.py is): started from a notebook's own folder instead, nbgrader's
# extensions log "The course directory root is not a subdirectory of the notebook server
# root". Run scripts/setup.sh once first.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/jupyter ]; then
  echo "lab: .venv/bin/jupyter not found; run 'bash scripts/setup.sh' first (once)" >&2
  exit 1
fi

instructor=0
if [ "${1:-}" = "--instructor" ]; then
  instructor=1
  shift
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

args=(--ServerApp.root_dir="$PWD" --LabApp.default_url="/lab/tree/$opened")
if [ "$instructor" = 1 ]; then
  # nbgrader's own configuration (every tool), plus the fix for a kernel connection dropped
  # while the kernel starts (see rnn_course/lab/__init__.py)
  args+=(--ServerApp.jpserver_extensions rnn_course.lab=True)
  who="with nbgrader's instructor tools"
else
  export JUPYTER_CONFIG_PATH="$PWD/rnn_course/lab/jupyter_config${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
  who="for learners (Nbgrader menu: Assignment List; Validate on each notebook)"
fi
if [ "$(id -u)" = "0" ]; then
  echo "lab: running as root (a container or a cloud notebook): starting Jupyter with --allow-root"
  args+=(--allow-root)
fi

echo "lab: starting JupyterLab $who on $opened (stop it with Ctrl-C, twice)"
exec .venv/bin/jupyter lab "${args[@]}" "$@"
