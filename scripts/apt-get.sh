#!/usr/bin/env bash
# apt-get, waiting while another apt-get, apt or dpkg (an unattended upgrade, another setup)
# holds its lock, and saying so, instead of failing at once. Used by setup.sh and
# setup-grading.sh:
#
#   bash scripts/apt-get.sh update -qq
#   bash scripts/apt-get.sh install -y -qq bubblewrap
#
# apt-get's own DPkg::Lock::Timeout waits for dpkg's lock (install) but not for the lock of
# the package lists (update); this waits for either, up to APT_LOCK_WAIT seconds (600).
# Its output is shown only when it fails.
set -uo pipefail

APT_GET=${APT_GET:-apt-get}
wait_max=${APT_LOCK_WAIT:-600}
poll=${APT_LOCK_POLL:-5}
start=$SECONDS
said=
while :; do
  if out=$(DEBIAN_FRONTEND=noninteractive "$APT_GET" -o DPkg::Lock::Timeout="$wait_max" "$@" 2>&1); then
    exit 0
  fi
  if ! grep -qE "Could not get lock|Unable to lock|Unable to acquire the dpkg" <<<"$out" \
      || [ $((SECONDS - start)) -ge "$wait_max" ]; then
    printf '%s\n' "$out" >&2
    [ -n "$said" ] && echo "apt-get: gave up waiting for the lock after $((SECONDS - start)) s" >&2
    exit 1
  fi
  if [ -z "$said" ]; then
    holder=$(grep -oE "held by process [0-9]+( \([^)]*\))?" <<<"$out" | head -n 1)
    echo "apt-get: another process holds apt's lock${holder:+ ($holder)}: waiting for it (up to ${wait_max} s)" >&2
    said=1
  fi
  sleep "$poll"
done
