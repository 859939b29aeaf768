#!/usr/bin/env bash
# Regenerate the student notebooks in exercises/ from the instructor notebooks in
# solutions/ with `nbgrader generate_assignment` (solutions replaced by
# `raise NotImplementedError()`, hidden tests removed, outputs cleared, cells locked).
# exercises/ is never edited by hand: edit solutions/, run this, commit both.
#
#   bash scripts/generate-exercises.sh                    # every assignment
#   bash scripts/generate-exercises.sh ex01-recurrence    # just one
#   bash scripts/generate-exercises.sh --gradebook [...]  # instructors, before grading
#   bash scripts/generate-exercises.sh --gradebook --db postgresql+psycopg://grader@dbhost/gradebook [...]
#
# By default nothing but exercises/ is written. With --gradebook the assignments and
# their hidden tests are also recorded in the gradebook, which `nbgrader autograde` needs:
# it puts the hidden tests back into every submission. The gradebook is the course's
# (`c.CourseDirectory.db_url` in nbgrader_config.py; by default gradebook.db, git-ignored),
# or the database --db names.
set -euo pipefail
cd "$(dirname "$0")/.."

NBGRADER=${NBGRADER:-.venv/bin/nbgrader}
if [ ! -x "$NBGRADER" ] && [ "$NBGRADER" = .venv/bin/nbgrader ]; then NBGRADER=nbgrader; fi
# nbgrader runs `alembic` (gradebook migrations) from PATH.
if [ -x .venv/bin/python ]; then PATH="$PWD/.venv/bin:$PATH"; fi

db_flags=(--no-db)
note=
if [ "${1:-}" = "--gradebook" ]; then
  db_flags=()
  note=" (and recorded in the course's gradebook)"
  shift
  if [ "${1:-}" = "--db" ]; then
    if [ -z "${2:-}" ]; then
      echo "generate-exercises: --db needs the gradebook's database URL (e.g. sqlite:///gradebook.db)" >&2
      exit 2
    fi
    db_flags=(--db "$2")
    # The URL as shown: without a password.
    note=" (and recorded in the gradebook $(sed -E 's#//([^:@/]*):[^@/]*@#//\1@#' <<<"$2"))"
    shift 2
  fi
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
  "$NBGRADER" generate_assignment "$name" --force "${db_flags[@]}" --log-level=ERROR
  echo "generate-exercises: exercises/$name$note"
done
