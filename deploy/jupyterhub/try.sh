#!/usr/bin/env bash
# Try the course's JupyterHub on this machine, in one command (as root):
#
#   sudo bash deploy/jupyterhub/try.sh            # then open http://127.0.0.1:8000
#   sudo bash deploy/jupyterhub/try.sh --remove   # remove the try-out's accounts and folder
#
# It makes four Unix accounts, rnn-instructor and rnn-student1..3, with random passwords that
# it prints (and keeps in $RNN_COURSE_HUB_DIR/try-out-passwords, root only), runs setup.sh in
# $RNN_COURSE_HUB_DIR (default /srv/rnn-course-try) and starts the hub on 127.0.0.1 only.
# For a real class, see the instructor guide: your accounts (or OAuth), TLS, shared storage.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export RNN_COURSE_HUB_DIR=${RNN_COURSE_HUB_DIR:-/srv/rnn-course-try}
export RNN_COURSE_INSTRUCTOR=rnn-instructor
export RNN_COURSE_STUDENTS="rnn-student1 rnn-student2 rnn-student3"
accounts="$RNN_COURSE_INSTRUCTOR $RNN_COURSE_STUDENTS"
[ "$(id -u)" = 0 ] || { echo "deploy/jupyterhub: run as root (sudo)" >&2; exit 1; }

if [ "${1:-}" = "--remove" ]; then
  for user in $accounts; do
    if id -u "$user" >/dev/null 2>&1; then
      pkill -u "$user" 2>/dev/null || true
      userdel --remove "$user" 2>/dev/null || true
    fi
  done
  rm -rf "$RNN_COURSE_HUB_DIR"
  echo "deploy/jupyterhub: removed the accounts $accounts and $RNN_COURSE_HUB_DIR"
  exit 0
fi

install -d -m 755 "$RNN_COURSE_HUB_DIR"
passwords="$RNN_COURSE_HUB_DIR/try-out-passwords"
for user in $accounts; do
  if ! id -u "$user" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$user"
    password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
    echo "$user:$password" | chpasswd
    echo "$user $password" >> "$passwords"
  fi
done
chmod 600 "$passwords"
bash "$here/setup.sh"
echo "deploy/jupyterhub: log in at http://127.0.0.1:${RNN_COURSE_HUB_PORT:-8000} with one of these"
echo "(the instructor's formgrader: http://127.0.0.1:${RNN_COURSE_HUB_PORT:-8000}/services/rnn-course/formgrader):"
cat "$passwords"
exec bash "$here/start.sh"
