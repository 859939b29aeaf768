"""Execute the book's pages on every core, into the jupyter-cache that the build reads.

    .venv/bin/python scripts/run_pages.py --cache _build/.jupyter_cache [--jobs N]

The book is built with ``execute_notebooks: cache`` (_config.yml): for each page, myst-nb
looks the page up in a jupyter-cache (``<build folder>/.jupyter_cache``) and executes the
pages it does not find, one after another, inside the Sphinx build. scripts/build-book.sh
runs this script first: it executes every page missing from the cache side by side, one
kernel per core, the longest first, and stores each where myst-nb looks for it, so that
the build only renders. tests/page_runs.py uses the same functions for the test suite's
other configurations of the pages.

The same pages, run the same way as in the build: every page of ``_toc.yml`` that myst-nb
would execute (a MyST notebook, not matched by ``execute.exclude_patterns``), read with
myst-nb's own reader and the book's configuration (through Jupyter Book's translation of
_config.yml, so the cache key is the one the build computes), executed in its folder by
jupyter-cache's ``single_nb_execution`` with the build's timeout and ``allow_errors``, and
stored as myst-nb stores it.

Never stale. jupyter-cache keys a page by its code cells (and kernelspec) only, but what a
page shows also depends on the package it imports. So each cache folder carries a
fingerprint (:func:`fingerprint`): every file of ``rnn_course/`` and the records pages
quote (``benchmarks/*.json``), pyproject.toml, the Python version, the installed
distributions and their versions, the Debian packages the speech pages need, and the
environment variables that change results (BLAS threads and kernel, and every
``RNN_COURSE_*`` variable the package reads). When any of it changed,
the cache is emptied first and every page runs again: no page can show results computed
with another version of the package. (Running ``jupyter-book build`` directly skips this
check; scripts/build-book.sh always makes it.)

Exit status: 0 when every page ran (or was in the cache), 1 when a page failed (each
failure is printed with its traceback; with ``--keep-going`` the status is 0, for callers
that report failures themselves).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import re
import resource
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    """Another module of scripts/ (they are run as scripts, not installed)."""
    import importlib.util

    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


steps = _script("steps")  # the run's timing log ($RNN_COURSE_STEPS)
#: The page seconds of earlier runs (kept across fingerprint changes): the longest first.
HISTORY = "rnn-course-page-seconds.json"
STAMP = "rnn-course-fingerprint.json"
#: Environment variables that change what a page computes (besides the RNN_COURSE_* ones
#: the package reads, found in its sources).
NUMERIC_ENV = re.compile(r"^(OPENBLAS_|OMP_|MKL_|GOTO_|BLIS_)")


# --------------------------------------------------------------------------------------
# the pages, read as the build reads them


def book_configs(root: Path = ROOT):
    """The Markdown and notebook parser configurations of the build (myst-parser's
    ``MdParserConfig`` and myst-nb's ``NbParserConfig``), from _config.yml through
    Jupyter Book's own translation into Sphinx settings."""
    from jupyter_book.config import get_final_config
    from myst_nb.core.config import NbParserConfig
    from myst_parser.config.main import MdParserConfig

    sphinx, _ = get_final_config(user_yaml=root / "_config.yml", sourcedir=root,
                                 cli_config={"latex_individualpages": False})
    md = {name: sphinx[f"myst_{name}"] for name, _, field_ in MdParserConfig().as_triple()
          if f"myst_{name}" in sphinx}
    nb = {name: sphinx[f"nb_{name}"] for name, _, field_ in NbParserConfig().as_triple()
          if f"nb_{name}" in sphinx and not field_.metadata.get("sphinx_exclude")}
    return MdParserConfig(**md), NbParserConfig(**nb)


def toc_pages(root: Path = ROOT) -> list[Path]:
    """The source file of every page in _toc.yml, in the order of the table of contents."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    pages = []
    for docname in parse_toc_yaml(root / "_toc.yml"):
        for suffix in (".md", ".ipynb"):
            if (root / f"{docname}{suffix}").is_file():
                pages.append(root / f"{docname}{suffix}")
                break
    return pages


@dataclass
class Page:
    """A page as the build reads it: its notebook and the settings it executes with."""

    path: Path
    notebook: object  # nbformat.NotebookNode
    timeout: int | None
    allow_errors: bool


def read_page(path: Path, md_config=None, nb_config=None) -> Page | None:
    """Read a page with myst-nb's reader; None if the build does not execute it (not a
    notebook, or matched by the exclude patterns). Mirrors myst_nb.sphinx_.Parser.parse
    and myst_nb.core.execute.create_client."""
    from myst_nb.core.read import create_nb_reader
    from myst_nb.core.nb_to_tokens import nb_node_to_dict

    if md_config is None or nb_config is None:
        md_config, nb_config = book_configs()
    path = Path(path).resolve()
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), md_config, nb_config, text)
    if reader is None:
        return None
    for pattern in nb_config.execution_excludepatterns:
        if PurePosixPath(path.as_posix()).match(pattern):
            return None
    notebook = reader.read(text)
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    for rgx, alias in (nb_config.kernel_rgx_aliases or {}).items():
        if kernel is not None and re.fullmatch(rgx, kernel):
            notebook.metadata["kernelspec"]["name"] = alias
            break
    if nb_config.metadata_key in notebook.metadata:
        overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        nb_config = nb_config.copy(**overrides)
    if nb_config.execution_mode != "cache" or nb_config.execution_in_temp:
        return None  # the build handles these itself
    return Page(path, notebook, nb_config.execution_timeout, nb_config.execution_allow_errors)


def book_pages(root: Path = ROOT) -> list[Page]:
    """Every page the build executes, in the order of the table of contents."""
    md_config, nb_config = book_configs(root)
    return [p for p in (read_page(path, md_config, nb_config) for path in toc_pages(root)) if p]


# --------------------------------------------------------------------------------------
# the fingerprint of everything a page's results depend on besides its code


def _digest(chunks) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk if isinstance(chunk, bytes) else str(chunk).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def fingerprint(extra: dict | None = None, root: Path = ROOT) -> dict:
    """What a page's outputs depend on besides its code cells, one entry per kind."""
    package = sorted(p for p in (root / "rnn_course").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    read_vars = sorted({name for p in package if p.suffix == ".py"
                        for name in re.findall(r"\bRNN_COURSE_[A-Z0-9_]+", p.read_text(errors="ignore"))})
    try:
        from rnn_course.tasks.signals.speech import missing_debian_packages
        debian = missing_debian_packages()
    except Exception as exc:  # noqa: BLE001 - the fingerprint must not fail where the page would
        debian = f"unknown ({exc.__class__.__name__})"
    # the environment's own packages (not sys.path's, which depends on how Python started:
    # `python -m pytest` adds the checkout, and with it rnn_course.egg-info)
    site = sorted({sysconfig.get_paths()[key] for key in ("purelib", "platlib")})
    distributions = sorted(f"{d.metadata['Name']}=={d.version}"
                           for d in importlib.metadata.distributions(path=site) if d.metadata["Name"])
    records = sorted((root / "benchmarks").glob("*.json"))
    parts = {
        "rnn_course": _digest(x for p in package for x in (p.relative_to(root).as_posix(), p.read_bytes())),
        "benchmarks/*.json": _digest(x for p in records for x in (p.name, p.read_bytes())),
        "pyproject.toml": _digest([(root / "pyproject.toml").read_bytes()]),
        "python": sys.version.split()[0],
        "distributions": _digest(distributions),
        "missing Debian packages": debian,
        "environment": {k: os.environ[k] for k in sorted(os.environ)
                        if NUMERIC_ENV.match(k) or k in read_vars},
    }
    parts.update(extra or {})
    return json.loads(json.dumps(parts))  # plain JSON types, comparable with a stored one


# --------------------------------------------------------------------------------------
# the cache


def open_cache(folder: Path, stamp: dict, clear: bool = True):
    """The jupyter-cache in ``folder``, emptied first if it was filled under another
    fingerprint (with ``clear=False`` it is left as it is, and must not be used then).
    Returns ``(cache, what_changed)``: the fingerprint's entries that differ, or
    ``["(new cache)"]``."""
    from jupyter_cache import get_cache

    folder = Path(folder)
    cache = get_cache(folder)
    stamp_file = folder / STAMP
    old = json.loads(stamp_file.read_text()) if stamp_file.is_file() else None
    changed = [] if old == stamp else sorted(k for k in set(stamp) | set(old or {})
                                             if (old or {}).get(k) != stamp.get(k))
    if changed and clear:
        for record in cache.list_cache_records():
            cache.remove_cache(record.pk)
        folder.mkdir(parents=True, exist_ok=True)
        stamp_file.write_text(json.dumps(stamp, indent=1) + "\n")
    return cache, changed if old is not None else ["(new cache)"]


def cached(cache, notebook):
    """The executed notebook matching ``notebook``'s code in ``cache``, or None."""
    try:
        return cache.merge_match_into_notebook(notebook)[1]
    except KeyError:
        return None


def store(cache, path: Path, executed, seconds: float, cpu: float) -> None:
    """Cache an executed page as myst-nb does, replacing the page's older versions."""
    from jupyter_cache.base import CacheBundleIn

    uri = str(Path(path).resolve())
    record = cache.cache_notebook_bundle(
        CacheBundleIn(executed, uri, data={"execution_seconds": seconds, "cpu_seconds": cpu}),
        check_validity=False, overwrite=True)
    for old in cache.list_cache_records():
        if old.uri == uri and old.pk != record.pk:
            cache.remove_cache(old.pk)
    history = past_seconds(cache.path)
    history[uri] = round(seconds, 1)
    history_file = Path(cache.path) / HISTORY
    temporary = history_file.with_name(f"{history_file.name}.{os.getpid()}")
    temporary.write_text(json.dumps(history, indent=1, sort_keys=True) + "\n")
    os.replace(temporary, history_file)  # whole, for a process reading it at the same time


def past_seconds(cache_folder: Path) -> dict[str, float]:
    """Each page's seconds in its last run (a scheduling hint: nothing depends on it)."""
    try:
        return json.loads((Path(cache_folder) / HISTORY).read_text())
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------------------
# running pages side by side


@dataclass
class Job:
    """One page to execute in one configuration."""

    page: Page
    cache_folder: Path
    label: str = "build"
    env: dict = field(default_factory=dict)  # set for the kernel (None values: unset)
    estimate: float = 0.0

    @property
    def name(self) -> str:
        where = self.page.path.relative_to(ROOT).as_posix() if self.page.path.is_relative_to(ROOT) \
            else str(self.page.path)
        return where if self.label == "build" else f"{where} ({self.label})"


@dataclass
class Result:
    job: Job
    seconds: float
    cpu: float
    executed: object | None  # the executed notebook, None if it failed
    error: str | None


def execute(page: Page, env: dict | None = None) -> tuple[object | None, float, float, str | None]:
    """Run a page top to bottom in a fresh kernel, in its folder, as the build does.
    Returns ``(executed notebook or None, seconds, cpu seconds, traceback or None)``.
    ``env`` is applied to this process's environment (which the kernel inherits) for
    the run. The CPU time counts this process and the kernel."""
    import copy

    from jupyter_cache.executors.utils import single_nb_execution

    saved = {k: os.environ.get(k) for k in (env or {})}
    for k, v in (env or {}).items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    try:
        result = single_nb_execution(copy.deepcopy(page.notebook), cwd=str(page.path.parent),
                                     timeout=page.timeout, allow_errors=page.allow_errors,
                                     meta_override=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, usage))
    if result.err is not None:
        return None, result.time, cpu, result.exc_string
    return result.nb, result.time, cpu, None


def _work(job: Job):
    import nbformat

    executed, seconds, cpu, error = execute(job.page, job.env)
    return (nbformat.writes(executed) if executed is not None else None), seconds, cpu, error


def run_jobs(jobs: list[Job], workers: int, log=print) -> list[Result]:
    """Execute ``jobs`` on ``workers`` processes, the longest (by estimate) first, each
    stored in its cache as it finishes (failures are not stored). Pages with the same
    cache key in the same cache (the pages without code) run once. Returns the results."""
    import nbformat

    from jupyter_cache import get_cache

    keys, unique = set(), []
    for job in jobs:
        key = (Path(job.cache_folder), get_cache(job.cache_folder).create_hashed_notebook(job.page.notebook)[1])
        if key not in keys:
            keys.add(key)
            unique.append(job)
    jobs = sorted(unique, key=lambda j: -j.estimate)
    caches = {}
    results = []
    start = time.perf_counter()

    def finish(job, payload):
        text, seconds, cpu, error = payload
        executed = nbformat.reads(text, as_version=4) if text is not None else None
        if executed is not None:
            folder = Path(job.cache_folder)
            if folder not in caches:
                caches[folder] = get_cache(folder)
            store(caches[folder], job.page.path, executed, seconds, cpu)
        results.append(Result(job, seconds, cpu, executed, error))
        steps.record(os.environ.get("RNN_COURSE_STEPS"), "part",
                     f"page {job.name}" + ("" if error is None else " (failed)"), seconds, cpu)
        log(f"[{len(results)}/{len(jobs)}] {'ran' if error is None else 'FAILED'} in "
            f"{seconds:.1f} s (CPU {cpu:.1f} s): {job.name}")

    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            finish(job, _work(job))
    else:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = {pool.submit(_work, job): job for job in jobs}
            for future in concurrent.futures.as_completed(futures):
                finish(futures[future], future.result())
    log(f"{len(jobs)} page runs on {min(workers, max(len(jobs), 1))} processes in "
        f"{time.perf_counter() - start:.0f} s (CPU {sum(r.cpu for r in results):.0f} s)")
    return results


def estimate(path: Path, history: dict[str, float], rank: int) -> float:
    """Seconds a page is expected to take: its last run's, else (a page never run here) a
    guess that puts the later chapters, which train models, first."""
    return history.get(str(Path(path).resolve()), 1000.0 + rank)


# --------------------------------------------------------------------------------------
# the build's configuration, from the command line


def prepare_build(cache_folder: Path, log=print) -> tuple[list[Job], bool]:
    """The jobs for the pages of the build missing from its cache (emptied first when the
    fingerprint changed), and whether the cache was emptied (or new)."""
    cache, changed = open_cache(cache_folder, fingerprint())
    if changed and changed != ["(new cache)"]:
        log(f"{', '.join(changed)} changed since the pages were cached: every page runs again")
    history = past_seconds(cache_folder)
    pages = book_pages()
    jobs = [Job(page, Path(cache_folder), estimate=estimate(page.path, history, rank))
            for rank, page in enumerate(pages) if cached(cache, page.notebook) is None]
    log(f"{len(pages)} pages execute in the build; {len(pages) - len(jobs)} already in the cache "
        f"({cache_folder})")
    return jobs, bool(changed)


def report_failures(results: list[Result], log=print) -> int:
    failed = [r for r in results if r.error is not None]
    for r in failed:
        log(f"{r.job.name} failed:\n{r.error[-4000:]}")
    return len(failed)


def report(cache_folder: Path, log=print) -> None:
    """How long each page of the book took to execute, slowest first, and whether the
    build executed any page itself (myst-nb's records have no ``cpu_seconds``)."""
    from jupyter_cache import get_cache

    cache = get_cache(cache_folder)
    rows, by_build = [], []
    for page in book_pages():
        try:
            record = cache.match_cache_notebook(page.notebook)
        except KeyError:
            continue
        name = page.path.relative_to(ROOT).as_posix() if page.path.is_relative_to(ROOT) else str(page.path)
        if "cpu_seconds" not in record.data:
            by_build.append(name)
        rows.append((record.data.get("execution_seconds", 0.0), record.data.get("cpu_seconds"), name, record.pk))
    rows.sort(reverse=True)
    runs = {r[3]: r for r in rows}.values()  # the pages without code share one run
    cpu = sum(r[1] for r in runs if r[1] is not None)
    log(f"{len(rows)} pages took {sum(r[0] for r in runs):.0f} s to execute"
        + (f" (CPU {cpu:.0f} s)" if cpu else "")
        + "; a page taken from the cache keeps the time of its run; slowest first:")
    for seconds, cpu, name, _ in rows:
        log(f"{seconds:7.1f} s  (CPU {cpu:6.1f} s)  {name}" if cpu is not None else f"{seconds:7.1f} s  {name}")
    if by_build:
        log(f"the build executed {len(by_build)} page(s) itself, one after another (their runs "
            f"before it did not match them): {', '.join(by_build)}")
    else:
        log("every page was executed before the build, side by side; the build only rendered")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", required=True, type=Path,
                        help="the build's jupyter-cache folder (<build folder>/_build/.jupyter_cache)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="pages executed at once (default: one per core)")
    parser.add_argument("--doctrees", type=Path,
                        help="Sphinx's saved environment, removed when every page runs again "
                             "(so that the build reads every page again)")
    parser.add_argument("--keep-going", action="store_true",
                        help="exit 0 even when a page failed (the failures are printed)")
    parser.add_argument("--report", action="store_true",
                        help="print the pages' execution times and whether the build executed any itself")
    args = parser.parse_args(argv)

    def log(message):
        print(f"run-pages: {message}", flush=True)

    if args.report:
        report(args.cache.resolve(), log)
        return 0
    jobs, everything = prepare_build(args.cache.resolve(), log)
    if everything and args.doctrees is not None and args.doctrees.exists():
        import shutil

        shutil.rmtree(args.doctrees)  # Sphinx would otherwise keep the pages it read before
    failed = report_failures(run_jobs(jobs, args.jobs, log), log) if jobs else 0
    return 1 if failed and not args.keep_going else 0


if __name__ == "__main__":
    sys.exit(main())
