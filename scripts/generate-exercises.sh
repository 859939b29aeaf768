#!/usr/bin/env bash
# Regenerate the student notebooks in exercises/ from the instructor notebooks in
# solutions/ with `nbgrader generate_assignment` (solutions replaced by
# `raise NotImplementedError()`, hidden tests removed, outputs cleared, cells locked).
# exercises/ is never edited by hand: edit solutions/, run this, commit both.
#
#   bash scripts/generate-exercises.sh                    # every assignment
#   bash scripts/generate-exercises.sh ex01-recurrence    # just one
#   bash scripts/generate-exercises.sh --gradebook [...]  # instructors, before grading
#
# By default nothing but exercises/ is written. With --gradebook the assignments and
# their hidden tests are also recorded in gradebook.db (git-ignored), which
# `nbgrader autograde` needs: it puts the hidden tests back into every submission.
set -euo pipefail
cd "$(dirname "$0")/.."

NBGRADER=${NBGRADER:-.venv/bin/nbgrader}
if [ ! -x "$NBGRADER" ] && [ "$NBGRADER" = .venv/bin/nbgrader ]; then NBGRADER=nbgrader; fi
# nbgrader runs `alembic` (gradebook migrations) from PATH.
if [ -x .venv/bin/python ]; then PATH="$PWD/.venv/bin:$PATH"; fi

db_flag=--no-db
note=
if [ "${1:-}" = "--gradebook" ]; then
  db_flag=
  note=" (and gradebook.db)"
  shift
fi

if [ "$#" -gt 0 ]; then
  assignments=("$@")
else
  assignments=()
  for dir in solutions/*/; do
    assignments+=("$(basename "$dir")")
  done
  # Remove generated folders whose source is gone.
  for dir in exercises/*/; do
    [ -d "$dir" ] || continue
    name=$(basename "$dir")
    if [ ! -d "solutions/$name" ]; then
      echo "generate-exercises: removing exercises/$name (no solutions/$name)"
      rm -r -- "exercises/$name"
    fi
  done
fi

for name in "${assignments[@]}"; do
  if [ ! -d "solutions/$name" ]; then
    echo "generate-exercises: no such assignment: solutions/$name" >&2
    exit 1
  fi
  "$NBGRADER" generate_assignment "$name" --force $db_flag --log-level=ERROR
  echo "generate-exercises: exercises/$name$note"
done
