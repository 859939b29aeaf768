#!/usr/bin/env bash
# A quick pass of unit tests on the oldest and the newest Python that rnn-course supports
# (requires-python in pyproject.toml) among those installed with pyenv: each gets its own
# environment (.venv-pythons/<version>) with the package's core and pytest, and runs a
# handful of fast unit tests (the layers, the checks, gradient checking). scripts/test.sh
# runs it beside the whole suite, which runs on .venv's Python (PYTHONS_COVERED=<version>
# leaves that version out here).
#
#   bash scripts/test-pythons.sh            # PYTHONS=0 bash scripts/test.sh leaves it out
#
# Without pyenv (or with fewer than one supported version in it) it says so and exits 0,
# unless RNN_COURSE_NO_SKIPS=1 (CI), where a pass that did not run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

TESTS=(tests/test_rnn.py tests/test_lstm.py tests/test_gru.py tests/test_checks.py tests/test_gradcheck.py)
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}

# The installed pyenv versions inside requires-python: "oldest newest" (full versions).
read -r oldest newest < <(.venv/bin/python - "$PYENV_ROOT" <<'EOF'
import re, sys, tomllib
from pathlib import Path
from packaging.specifiers import SpecifierSet
from packaging.version import Version

spec = SpecifierSet(tomllib.load(open("pyproject.toml", "rb"))["project"]["requires-python"])
versions = sorted(Version(p.name) for p in (Path(sys.argv[1]) / "versions").glob("*")
                  if re.fullmatch(r"\d+\.\d+\.\d+", p.name) and (p / "bin" / "python").exists()
                  and Version(p.name) in spec)
print(f"{versions[0]} {versions[-1]}" if versions else "")
EOF
) || true

if [ -z "${oldest:-}" ]; then
  echo "test-pythons: no Python inside requires-python under $PYENV_ROOT/versions (pyenv): nothing run" >&2
  [ "${RNN_COURSE_NO_SKIPS:-0}" = "1" ] && exit 1
  exit 0
fi

hash="$(sha256sum pyproject.toml | cut -c1-16)"
for version in $(printf '%s\n' "$oldest" "$newest" | uniq); do
  # scripts/test.sh names the Python the whole suite runs on (.venv's): not run twice here
  if [ "$version" = "${PYTHONS_COVERED:-}" ]; then
    echo "test-pythons: Python $version: the whole suite runs on it (.venv), not again here"
    continue
  fi
  venv=".venv-pythons/$version"
  if [ ! -f "$venv/.installed" ] || [ "$(cat "$venv/.installed")" != "$hash" ]; then
    echo "test-pythons: installing rnn-course and pytest for Python $version into $venv"
    rm -rf "$venv"
    "$PYENV_ROOT/versions/$version/bin/python" -m venv "$venv"
    # pytest, and nbformat and nbclient (tests/conftest.py imports them), at the versions
    # pinned in pyproject.toml; the notebook options of the configuration (nbval) are left out
    pins=$("$venv/bin/python" - <<'EOF'
import re, tomllib
extras = tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]
wanted = ("pytest", "nbclient", "nbformat")
pins = {re.split("[=<>]", r)[0]: r for group in extras.values() for r in group}
print(" ".join(pins[name] for name in wanted))
EOF
)
    # no bytecode for the whole install (most of pip's time): pytest compiles what it imports
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-compile -e . $pins
    echo "$hash" > "$venv/.installed"
  fi
  echo "test-pythons: Python $version: ${TESTS[*]} (-m 'not slow')"
  OPENBLAS_NUM_THREADS=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider -m "not slow" \
    -o addopts="-ra --strict-markers --strict-config" "${TESTS[@]}"
done
