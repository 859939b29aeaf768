#!/usr/bin/env bash
# The system tools grading needs, from Debian's packages (installed with apt-get when missing
# and run as root; otherwise this says what to install):
#   bubblewrap  - the sandbox that runs learners' answer cells (`bwrap`), always;
#   postgresql  - a PostgreSQL server, only with WITH_POSTGRES=1 (the test suite starts one
#                 to test a gradebook on PostgreSQL; a class uses the server it has).
#
#   bash scripts/setup-grading.sh                   # bubblewrap
#   WITH_POSTGRES=1 bash scripts/setup-grading.sh   # and PostgreSQL (what scripts/test.sh does)
set -euo pipefail

packages=()
command -v bwrap >/dev/null 2>&1 || packages+=(bubblewrap)
if [ "${WITH_POSTGRES:-0}" = "1" ] && ! command -v initdb >/dev/null 2>&1 \
    && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  packages+=(postgresql)
fi
[ "${#packages[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-grading: installing ${packages[*]} with apt-get"
  # (waiting, with a message, while another apt or dpkg holds the lock)
  bash "$(dirname "$0")/apt-get.sh" update -qq
  bash "$(dirname "$0")/apt-get.sh" install -y -qq "${packages[@]}"
else
  echo "setup-grading: missing ${packages[*]}: install them (Debian/Ubuntu: sudo apt-get install ${packages[*]})" >&2
  exit 1
fi
