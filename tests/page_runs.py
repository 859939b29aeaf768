"""The book's pages run in the test suite's configurations, each page once per
configuration, and kept in jupyter-caches so that a run is shared by whoever needs it.

The configurations (what test_book_robust.py asserts in them is said there):

- ``build``: the build's own setting (scripts/build-book.sh, the same pages, the same cache
  key); test_book.py's build reads these runs and only renders;
- ``perturbed``: another OpenBLAS kernel (:data:`NO_FMA`: without fused multiply-adds, so
  the last bits of every product differ) and every integer seed given to
  ``numpy.random.default_rng`` replaced by another one; every page;
- ``no-torch``: ``import torch`` fails; the pages that import torch;
- ``no-debian``: espeak-ng and the asterisk recordings missing; the speech pages.

``scripts/test.sh`` runs every configuration's pages before pytest, side by side on every
core, longest first (``python tests/page_runs.py --jobs N``), into ``$RNN_COURSE_PAGE_RUNS``
(one jupyter-cache per configuration; ``build`` is the book's cache). A test then finds its
run there (:func:`run`), matched by the page's code cells and by the fingerprint of the
package and the environment (scripts/run_pages.py), or runs the page itself when it is not
there (a test run on its own, or a page that failed before, to report its error).
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("run_pages", ROOT / "scripts" / "run_pages.py")
run_pages = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("run_pages", run_pages)
_spec.loader.exec_module(run_pages)

#: Replaces numpy.random.default_rng in the kernel: an integer seed s becomes the seed
#: sequence (s, SALT), a different stream for every s, the same on every run.
RESEED = """
import numpy as _np

_default_rng = _np.random.default_rng


def _reseeded(seed=None):
    if isinstance(seed, (int, _np.integer)) and not isinstance(seed, bool):
        seed = _np.random.SeedSequence([int(seed), {salt}])
    return _default_rng(seed)


_np.random.default_rng = _reseeded
"""
NO_TORCH = "import sys\nsys.modules['torch'] = None  # `import torch` now raises ImportError\n"
NO_DEBIAN = ("import os\nos.environ['RNN_COURSE_ESPEAK_NG'] = '/nonexistent/espeak-ng'\n"
             "os.environ['RNN_COURSE_ASTERISK_DIGITS'] = '/nonexistent'\n")


def _has_avx() -> bool:
    try:
        return any(line.startswith("flags") and " avx " in f"{line} "
                   for line in Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return False


#: An OpenBLAS kernel without FMA: Sandybridge's (AVX) where the processor has AVX, as fast
#: as the usual Haswell one here; else Prescott's (SSE3, about twice as slow on the pages'
#: products). Both round the products the same way (measured: identical bits), unlike the
#: FMA kernels of the build (Haswell and later).
NO_FMA = "Sandybridge" if _has_avx() else "Prescott"


@dataclass(frozen=True)
class Configuration:
    """A way to run pages: a first cell, environment variables for the kernel, and the
    pages it applies to (a test on their source text)."""

    prelude: str = ""
    env: dict = field(default_factory=dict)
    applies: object = staticmethod(lambda text: True)


CONFIGURATIONS = {
    "build": Configuration(),
    "perturbed": Configuration(
        RESEED.format(salt=20261130),
        # one BLAS thread: the runs go side by side, more threads would oversubscribe the cores
        {"OPENBLAS_CORETYPE": NO_FMA, "OPENBLAS_NUM_THREADS": "1"}),
    "no-torch": Configuration(NO_TORCH, applies=lambda text: "import torch" in text),
    "no-debian": Configuration(NO_DEBIAN, applies=lambda text: "missing_debian_packages()" in text),
}


@functools.cache
def _configs():
    return run_pages.book_configs()


@functools.cache
def pages(configuration: str) -> list[Path]:
    """The pages a configuration runs: those the build executes, that it applies to."""
    applies = CONFIGURATIONS[configuration].applies
    return [p.path for p in run_pages.book_pages() if applies(p.path.read_text(encoding="utf-8"))]


def page(path: Path, configuration: str):
    """A page read as the build reads it, with the configuration's first cell."""
    found = run_pages.read_page(path, *_configs())
    assert found is not None, f"{path} is not a page the build executes"
    prelude = CONFIGURATIONS[configuration].prelude
    if prelude:
        found.notebook.cells.insert(0, nbformat.v4.new_code_cell(prelude))
    return found


def kernel_env(configuration: str) -> dict:
    """The configuration's variables, and this checkout's package and executables first
    (as conftest's ``kernel_env`` gives the other notebook tests)."""
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in paths if p),
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            **CONFIGURATIONS[configuration].env}


@functools.cache
def _stamp(configuration: str) -> dict:
    conf = CONFIGURATIONS[configuration]
    extra = {} if configuration == "build" else {"configuration": {"env": conf.env, "prelude": conf.prelude}}
    return run_pages.fingerprint(extra)


def cache_folder(configuration: str) -> Path | None:
    folder = os.environ.get("RNN_COURSE_PAGE_RUNS")
    return Path(folder).resolve() / configuration if folder else None


class PageFailed(Exception):
    """A page raised (a failed assertion included) in a configuration."""


class PageRunsMismatch(Exception):
    """The page runs made before pytest do not match this process's fingerprint."""


def run(path: Path, configuration: str):
    """The executed notebook of a page in a configuration: from ``$RNN_COURSE_PAGE_RUNS``
    when it ran there with the same code, package and environment, otherwise run now.
    Raises PageFailed, with the page, the configuration and the traceback.

    After scripts/test.sh ran the pages (``RNN_COURSE_PAGE_RUNS_READY=1``), runs made
    under another fingerprint than this process's are an error (PageRunsMismatch): every
    test would run its page again, unseen."""
    todo = page(path, configuration)
    folder = cache_folder(configuration)
    cache = None
    if folder is not None:
        ready = os.environ.get("RNN_COURSE_PAGE_RUNS_READY") == "1"
        cache, changed = run_pages.open_cache(folder, _stamp(configuration), clear=not ready)
        if ready and changed:
            raise PageRunsMismatch(
                f"the page runs in {folder} were made under another fingerprint than this test "
                f"process's ({', '.join(changed)} differ): see {folder / run_pages.STAMP}")
        executed = run_pages.cached(cache, todo.notebook)
        if executed is not None:
            return executed
    executed, seconds, cpu, error = run_pages.execute(todo, kernel_env(configuration))
    if error is not None:
        raise PageFailed(f"{Path(path).relative_to(ROOT)} failed in the {configuration!r} "
                         f"configuration:\n{error[-6000:]}")
    if cache is not None:
        run_pages.store(cache, todo.path, executed, seconds, cpu)
    return executed


def jobs() -> list:
    """Every configuration's pages missing from their caches, as run_pages jobs."""
    root = Path(os.environ["RNN_COURSE_PAGE_RUNS"]).resolve()
    todo = []
    for name in CONFIGURATIONS:
        cache, changed = run_pages.open_cache(root / name, _stamp(name))
        history = run_pages.past_seconds(root / name)
        for rank, path in enumerate(pages(name)):
            configured = page(path, name)
            if run_pages.cached(cache, configured.notebook) is None:
                todo.append(run_pages.Job(configured, root / name, name, kernel_env(name),
                                          run_pages.estimate(path, history, rank)))
    return todo


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the book's pages in every test configuration "
                                     "into $RNN_COURSE_PAGE_RUNS, side by side.")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    def log(message):
        print(f"page-runs: {message}", flush=True)

    todo = jobs()
    log(f"{len(todo)} page runs to do in {', '.join(CONFIGURATIONS)} "
        f"(the others are in {os.environ['RNN_COURSE_PAGE_RUNS']})")
    results = run_pages.run_jobs(todo, args.jobs, log)
    failed = [r for r in results if r.error is not None]
    if failed:
        log(f"{len(failed)} failed; their tests run them again and report the error: "
            + ", ".join(r.job.name for r in failed))
    return 0  # the tests report failures


if __name__ == "__main__":
    sys.exit(main())
