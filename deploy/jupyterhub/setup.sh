#!/usr/bin/env bash
# Prepare a JupyterHub deployment of the course (run as root; see jupyterhub_config.py for the
# settings, all from the environment): the Python environment that the hub, every user's
# server and the grader run in, the proxy from npm, the deployment's folder with the hub's
# state, the exchange and the course folder, and private home folders for the accounts.
#
#   RNN_COURSE_INSTRUCTOR=alice RNN_COURSE_STUDENTS="bob carol" bash deploy/jupyterhub/setup.sh
#
# The environment (RNN_COURSE_VENV, default $RNN_COURSE_HUB_DIR/venv) is made with a Python that
# every account may run (RNN_COURSE_PYTHON, default /usr/bin/python3: a pyenv Python under
# /root is not), with rnn-course[lab,grading,hub] installed from this repository (not in
# editable mode: the users' servers never read the repository).
#
# The accounts must exist (useradd -m; try.sh creates demo ones). The course folder is a copy
# of the repository's nbgrader_config.py and solutions/, owned by the instructor and readable
# by nobody else; an existing one is left as it is (it holds the gradebook), unless
# RNN_COURSE_REFRESH=1 copies solutions/ and nbgrader_config.py again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

HUB_DIR=${RNN_COURSE_HUB_DIR:-/srv/rnn-course}
VENV=${RNN_COURSE_VENV:-$HUB_DIR/venv}
PYTHON=${RNN_COURSE_PYTHON:-/usr/bin/python3}
INSTRUCTOR=${RNN_COURSE_INSTRUCTOR:-instructor}
STUDENTS=${RNN_COURSE_STUDENTS:-}
STUDENTS=${STUDENTS//,/ }

say() { echo "deploy/jupyterhub: $*"; }
fail() { echo "deploy/jupyterhub: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: the hub starts each user's server as that user"
command -v npm >/dev/null || fail "npm is missing (Debian/Ubuntu: apt-get install npm)"
for user in $INSTRUCTOR $STUDENTS; do
  id -u "$user" >/dev/null 2>&1 || fail "no Unix account $user (useradd -m $user)"
done
runuser -u "$INSTRUCTOR" -- "$PYTHON" -c "" 2>/dev/null ||
  fail "$INSTRUCTOR cannot run $PYTHON: set RNN_COURSE_PYTHON to a Python every account may run"

# The Python environment, with rnn-course[lab,grading,hub] from this repository: made again
# when pyproject.toml changes, the course's package alone installed again when it changes.
# RNN_COURSE_WHEELHOUSE: a folder of wheels to install from instead of the package index.
# RNN_COURSE_UV: a uv executable to install with instead of pip (the same packages, much
# faster; it reads uv's configuration, not pip's), compiling to bytecode as pip does.
pip_from=()
[ -n "${RNN_COURSE_WHEELHOUSE:-}" ] && pip_from=(--no-index --find-links "$RNN_COURSE_WHEELHOUSE")
if [ -n "${RNN_COURSE_UV:-}" ]; then
  [ -x "$RNN_COURSE_UV" ] || fail "RNN_COURSE_UV=$RNN_COURSE_UV is not an executable"
  install_all() { "$RNN_COURSE_UV" pip install -q --compile-bytecode --python "$VENV/bin/python" "$@"; }
  install_again() { "$RNN_COURSE_UV" pip install -q --compile-bytecode --python "$VENV/bin/python" \
                      --no-deps --reinstall-package rnn-course "$@"; }
else
  pip() { "$VENV/bin/python" -m pip -q --disable-pip-version-check "$@"; }
  install_all() { pip install --no-warn-conflicts "$@"; }
  install_again() { pip install --no-deps --force-reinstall "$@"; }
fi
deps=$(sha256sum "$repo/pyproject.toml" | cut -c1-16)
package=$(cd "$repo" && find rnn_course -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum |
          sha256sum | cut -c1-16)
if [ ! -f "$VENV/.rnn-course-deps" ] || [ "$(cat "$VENV/.rnn-course-deps")" != "$deps" ]; then
  say "installing rnn-course[lab,grading,hub] into $VENV (with $PYTHON; minutes the first time)"
  if [ -e "$VENV" ]; then
    [ -f "$VENV/pyvenv.cfg" ] || fail "$VENV exists and is not a Python environment: not replacing it"
    rm -rf "$VENV"
  fi
  "$PYTHON" -m venv "$VENV"
  install_all "${pip_from[@]}" "$repo[lab,grading,hub]"
  chmod -R a+rX "$VENV"
  echo "$deps" > "$VENV/.rnn-course-deps"
  echo "$package" > "$VENV/.rnn-course-package"
elif [ "$(cat "$VENV/.rnn-course-package" 2>/dev/null)" != "$package" ]; then
  say "installing this repository's rnn_course into $VENV again"
  install_again "${pip_from[@]}" "$repo"
  chmod -R a+rX "$VENV"
  echo "$package" > "$VENV/.rnn-course-package"
fi

# configurable-http-proxy, at the version of package-lock.json
if [ ! -x "$here/node_modules/.bin/configurable-http-proxy" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
  say "installing configurable-http-proxy (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The deployment's folder: readable by all (the exchange is in it); the hub's state: root only.
install -d -m 755 "$HUB_DIR"
install -d -m 700 "$HUB_DIR/hub"
# nbgrader's exchange: every user writes into it; nbgrader makes the course's folders in it
# (submissions go to an inbound folder nobody but the instructor can list).
install -d -m 1777 "$HUB_DIR/exchange"
# nbgrader's settings for every server of the hub (the course, the exchange), where all can read them
install -d -m 755 "$HUB_DIR/etc"
install -m 644 "$here/nbgrader_config.py" "$HUB_DIR/etc/nbgrader_config.py"

course="$HUB_DIR/course"
if [ ! -d "$course" ] || [ "${RNN_COURSE_REFRESH:-0}" = 1 ]; then
  say "course folder $course (solutions/ and nbgrader_config.py from $repo), for $INSTRUCTOR only"
  install -d -m 700 "$course"
  cp -r "$repo/solutions" "$repo/nbgrader_config.py" "$course/"
  chown -R "$INSTRUCTOR:" "$course"
  chmod 700 "$course"
fi

# Home folders: each user's alone (useradd's default lets others read them on some systems).
for user in $INSTRUCTOR $STUDENTS; do
  home=$(getent passwd "$user" | cut -d: -f6)
  install -d -m 700 -o "$user" -g "$(id -gn "$user")" "$home"
  chmod 700 "$home"
done
if runuser -u "${STUDENTS%% *}" -- test -r "$repo/solutions" 2>/dev/null && [ -n "$STUDENTS" ]; then
  say "WARNING: the students can read this repository, $repo, and its solutions/ with it:"
  say "on a real server keep it where they cannot (chmod o-rx on a folder above it)"
fi
say "ready in $HUB_DIR; start the hub with: bash $here/start.sh"
