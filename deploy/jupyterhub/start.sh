#!/usr/bin/env bash
# Start the course's JupyterHub (as root, after setup.sh), with the settings of
# jupyterhub_config.py (RNN_COURSE_* in the environment). Its log goes to stdout.
#
#   bash deploy/jupyterhub/start.sh      # then open http://127.0.0.1:8000 (RNN_COURSE_HUB_PORT)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
HUB_DIR=${RNN_COURSE_HUB_DIR:-/srv/rnn-course}
VENV=${RNN_COURSE_VENV:-$HUB_DIR/venv}
[ -d "$HUB_DIR/hub" ] || { echo "deploy/jupyterhub: run setup.sh first (no $HUB_DIR/hub)" >&2; exit 1; }
cd "$HUB_DIR/hub"
export PATH="$VENV/bin:$PATH"
exec "$VENV/bin/jupyterhub" -f "$here/jupyterhub_config.py" "$@"
