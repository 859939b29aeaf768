#!/usr/bin/env bash
# Build the HTML book from a fresh checkout, with everything it needs to read offline.
#
#   bash scripts/build-book.sh                  # -> _build/html/index.html
#   BOOK_OUT=/tmp/book bash scripts/build-book.sh   # -> /tmp/book/_build/html/index.html
#   bash scripts/build-book.sh --all            # extra arguments go to `jupyter-book build`
#
# Steps: the Python environment (scripts/setup.sh makes .venv), Node.js and npm (installed
# with apt-get when missing and running as root), the pinned JavaScript from the npm
# registry (`npm ci`), copied into book/_offline/, the pages executed on every core
# (scripts/run_pages.py, into the build's jupyter-cache), then
# `jupyter-book build -n -W --keep-going`, which only renders them.
# Any Sphinx warning fails the build (non-zero exit). BOOK_JOBS=N executes N pages at once
# (default: one per core).
set -euo pipefail
cd "$(dirname "$0")/.."
# The course's matrices are small: one BLAS thread per process is faster and steadier.
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
root=$(pwd)

# 1. Python: .venv with the course, Jupyter Book and friends, and PyTorch (the CPU build
#    pinned in pyproject.toml), so that the pages comparing the course's layers with
#    torch.nn run their comparisons.
WITH_TORCH=1 bash scripts/setup.sh
VENV=${VENV:-.venv}

# 2. Node.js and npm, only to fetch the offline JavaScript.
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "build-book: installing Node.js and npm with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "build-book: npm is missing; install Node.js (18 or newer) and npm, then run this again" >&2
    exit 1
  fi
fi

# 3. The JavaScript the pages load (MathJax, require.js, the widget manager), and axe-core
#    for the browser tests' accessibility checks (a devDependency: tests/browser_a11y.py
#    reads it from node_modules/, the book never loads it), at the versions pinned in
#    package-lock.json. `npm ci` runs only when the lock file changed.
stamp=node_modules/.rnn-course-lock
want=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "build-book: npm ci (pinned MathJax, require.js, @jupyter-widgets/html-manager, axe-core)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# 4. Copy what the pages need into book/_offline/ (git-ignored; listed in html_static_path,
#    so it lands in _build/html/_static/). Skipped when it is already up to date; a fresh
#    copy is assembled under node_modules/ and swapped in, so a concurrent build never
#    sees a half-copied folder.
offline=book/_offline
if [ ! -f "$offline/.rnn-course-lock" ] || [ "$(cat "$offline/.rnn-course-lock")" != "$want" ]; then
  tmp=$(mktemp -d node_modules/.offline.tmp.XXXXXX)  # git-ignored if interrupted
  chmod 755 "$tmp"
  mkdir -p "$tmp/mathjax/output" "$tmp/requirejs" "$tmp/html-manager"
  mj=node_modules/mathjax/es5
  # MathJax: the TeX-to-HTML component, its fonts, and the parts it loads on demand
  # (TeX extensions, the menu, accessibility)
  cp "$mj/tex-chtml.js" "$tmp/mathjax/"
  cp -r "$mj/output/chtml" "$tmp/mathjax/output/"
  cp -r "$mj/input" "$mj/ui" "$mj/a11y" "$mj/adaptors" "$mj/sre" "$tmp/mathjax/"
  cp node_modules/requirejs/require.js "$tmp/requirejs/"
  hm=node_modules/@jupyter-widgets/html-manager/dist
  cp "$hm/embed-amd.js" "$tmp/html-manager/"
  # the Font Awesome files the widget bundle references next to itself
  find "$hm" -maxdepth 1 -type f \( -name '*.woff' -o -name '*.woff2' -o -name '*.ttf' \
    -o -name '*.eot' -o -name '*.svg' \) -exec cp {} "$tmp/html-manager/" \;
  echo "$want" > "$tmp/.rnn-course-lock"
  rm -rf "$offline"
  mv "$tmp" "$offline"
fi

# 5. Where the build goes. BOOK_OUT moves the _build folder elsewhere (tests build into a
#    temporary folder).
args=(build . -n -W --keep-going)
if [ -n "${BOOK_OUT:-}" ]; then
  mkdir -p "$BOOK_OUT"
  args+=(--path-output "$BOOK_OUT")
  out=$(cd "$BOOK_OUT" && pwd)
else
  out=$root
fi

# 6. Execute the pages side by side, one kernel per core, into the jupyter-cache the build
#    reads (`execute_notebooks: cache`): the pages missing from it, or all of them when the
#    package or the environment changed since they were cached (the cache is then emptied,
#    and Sphinx's saved environment with it, so that no page keeps results of another
#    version of the package). A failing page stops here, with its traceback.
cache="$out/_build/.jupyter_cache"
"$VENV/bin/python" scripts/run_pages.py --cache "$cache" --doctrees "$out/_build/.doctrees" \
  --jobs "${BOOK_JOBS:-$(nproc)}"

# 7. Build: Sphinx reads every page's outputs from the cache and renders.
"$VENV/bin/jupyter-book" "${args[@]}" "$@"

index="$out/_build/html/index.html"
if [ ! -f "$index" ]; then
  echo "build-book: the build finished but $index is missing" >&2
  exit 1
fi
# How long each page took to execute, slowest first, and whether the build had to execute
# any page itself (it should not: step 6 ran them all).
"$VENV/bin/python" scripts/run_pages.py --cache "$cache" --report | sed "s/^run-pages:/build-book:/" || true
echo "build-book: open $index"
