"""Fixtures shared by the notebook tests (test_book.py, test_exercises.py, test_grading.py),
the built book (test_book.py, test_browser.py), the browser tests (test_browser.py,
test_lab_browser.py: Debian's chromium through Playwright, screenshots kept), the marking of nbval's notebook items
(the solution notebooks) as slow, and, for the tests of the feedback checks, a look at the
first line of every message they make."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import page_runs

ROOT = Path(__file__).resolve().parents[1]


#: Tests that were skipped in this session (node ids), reported at the end.
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """With RNN_COURSE_NO_SKIPS=1 (scripts/test.sh, hence CI) a skipped test fails the run:
    a check that did not run (PyTorch missing, a data package missing) must not look like
    one that passed."""
    if os.environ.get("RNN_COURSE_NO_SKIPS") == "1" and _SKIPPED and session.exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(
                f"RNN_COURSE_NO_SKIPS=1 and {len(_SKIPPED)} test(s) were skipped: "
                + ", ".join(_SKIPPED[:10]), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    """nbval runs every notebook in ``testpaths`` (the solutions) with ``--nbval-lax``; its
    items (a notebook's cells, run in order in one kernel) are slow tests, like the other
    notebook tests, and a notebook's items stay in one pytest-xdist worker."""
    for item in items:
        if type(item).__module__.startswith("nbval"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(f"nbval-{item.path.parent.name}"))


#: The xdist groups that take longest, longest first (wall seconds in fresh-clone runs of
#: scripts/test.sh on 2 cores at load average 4-7, from their timing tables: the book's
#: render and browser pass 271, the graded course 239, the class on JupyterHub 101, the
#: hostile submissions 54, the sandbox 30, the lab in a browser 15).
LONG_GROUPS = ("book", "grading", "jupyterhub", "grading-hostile", "sandbox", "lab-browser")


class _XdistGroups:
    """In a pytest-xdist worker run with ``--dist loadgroup``, each test marked
    ``xdist_group(name)`` gets the node id suffix ``@name`` by which the scheduler keeps a
    group in one worker (a built book, a graded course, a notebook's cells). pytest-xdist
    3.8 sets it through ``item._nodeid``, which pytest 9 no longer reads, so every group
    would be split and each worker would build the book (tests/test_parallel.py checks it)."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        if not getattr(config.option, "loadgroup", False):
            return
        from _pytest.nodeid import NodeId

        for item in items:
            mark = item.get_closest_marker("xdist_group")
            if mark is not None and "@" not in item.nodeid.rpartition("]")[2]:
                item._id = NodeId.parse(f"{item.nodeid}@{mark.args[0]}")
        # The long groups first, the longest first (scripts/test.sh passes
        # --no-loadscope-reorder, so the scheduler hands groups out in this order): each
        # worker starts on one, and the short modules fill in around them. Left to itself
        # the scheduler orders groups by their number of tests, and a group of a few long
        # tests (the class on JupyterHub) starts last and runs alone at the end.
        def rank(item):
            mark = item.get_closest_marker("xdist_group")
            return LONG_GROUPS.index(mark.args[0]) if mark and mark.args[0] in LONG_GROUPS else len(LONG_GROUPS)

        items.sort(key=rank)  # stable: a group's tests, and the other tests, keep their order


def pytest_configure(config):
    config.pluginmanager.register(_XdistGroups(), "rnn-course-xdist-groups")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """With ``$RNN_COURSE_STEPS`` (scripts/test.sh), each test's wall and CPU time (this
    process and the children it waited for: kernels, builds, nbgrader), its fixtures' setup
    included, goes to the run's timing log (scripts/steps.py prints the slowest)."""
    log = os.environ.get("RNN_COURSE_STEPS")
    if not log:
        yield
        return
    steps = page_runs.run_pages.steps
    start = time.perf_counter()
    cpu = steps.cpu_seconds(steps.resource.RUSAGE_SELF) + steps.cpu_seconds()
    yield
    steps.record(log, "part", f"test {item.nodeid}", time.perf_counter() - start,
                 steps.cpu_seconds(steps.resource.RUSAGE_SELF) + steps.cpu_seconds() - cpu)


@pytest.fixture(autouse=True)
def feedback_headlines(request, monkeypatch):
    """In the tests of the checks (test_checks*.py), every FeedbackError made, whether it reaches
    the test or not, starts with a line complete on its own and short enough for
    ``nbgrader validate``, which cuts the lines it prints at 87 characters."""
    if not request.module.__name__.startswith("test_checks"):
        yield
        return
    from rnn_course.checks import FeedbackError
    from rnn_course.checks._core import HEADLINE

    made: list[str] = []
    original = FeedbackError.__init__

    def recording(self, *args):
        made.append(str(args[0]) if args else "")
        original(self, *args)

    monkeypatch.setattr(FeedbackError, "__init__", recording)
    yield
    for message in made:
        headline = message.split("\n", 1)[0]
        assert len(headline) <= HEADLINE, f"first line longer than {HEADLINE} characters: {headline!r}"
        assert not headline.rstrip().endswith((":", ",", ";", "(", "-")), f"first line cut short: {headline!r}"


#: The browser tests launch the system's chromium: Playwright never downloads one here.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium (``$CHROMIUM``), driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: pip install -e '.[test]' "
                    "(or run scripts/setup.sh)")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"no chromium at {CHROMIUM}: install Debian's chromium "
                    "(apt-get install chromium, which scripts/setup.sh does as root) "
                    "or point $CHROMIUM at a Chromium executable")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    """Where the browser tests keep screenshots and logs: ``$BROWSER_ARTIFACTS``, or a
    pytest temporary folder."""
    folder = os.environ.get("BROWSER_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("browser-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def kernel_env(monkeypatch) -> dict[str, str]:
    """Make kernels and nbgrader subprocesses import this checkout's ``rnn_course``
    and find this environment's executables.

    Returns the environment (also applied to ``os.environ`` for in-process nbclient kernels).
    """
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    # nbgrader runs `alembic` (the gradebook migrations) from PATH: put this venv's bin first.
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return dict(os.environ)


@pytest.fixture
def run_nbgrader(kernel_env):
    """Run ``nbgrader <args>`` in a course folder; fail with its output if it exits non-zero."""

    def run(course: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=course,
            env=kernel_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            pytest.fail(f"nbgrader {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


@pytest.fixture
def execute_notebook(kernel_env):
    """Run a notebook (an ``nbformat`` node) top to bottom in a fresh kernel, in ``folder``.

    For what nbval cannot do: the student notebooks, whose test cells must fail
    (test_exercises.py), and notebooks a test makes. (The book's pages run through
    tests/page_runs.py, the build's own way.) The kernel inherits this process's environment.
    ``allow_errors=False`` stops at the first failing cell. Returns the executed notebook.
    """

    def execute(nb: nbformat.NotebookNode, folder: Path, *, allow_errors: bool = False,
                timeout: int = 60):
        client = NotebookClient(
            nb,
            timeout=timeout,
            startup_timeout=60,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(folder)}},
        )
        client.execute()  # raises CellExecutionError on the first failing cell unless allowed
        return nb

    return execute


@pytest.fixture(scope="session")
def built_html(tmp_path_factory) -> Path:
    """The whole book, built once per test session with the README's command into a
    temporary folder (``BOOK_OUT``); returns the folder of the HTML.

    The build executes every page first, side by side (scripts/run_pages.py), then Sphinx
    renders them. When scripts/test.sh ran the pages before pytest (``$RNN_COURSE_PAGE_RUNS``,
    tests/page_runs.py), the build takes them from there and only renders; either way no
    page may be left for Sphinx to execute one after another.

    ``RNN_COURSE_BUILT_HTML=<folder>`` uses a book built before instead (to rerun the HTML
    and browser tests while working on them); it is never set in CI.
    """
    if os.environ.get("RNN_COURSE_BUILT_HTML"):
        html = Path(os.environ["RNN_COURSE_BUILT_HTML"]).resolve()
        assert (html / "index.html").is_file(), f"RNN_COURSE_BUILT_HTML={html}: no index.html there"
        return html
    out = tmp_path_factory.mktemp("book")
    runs = page_runs.cache_folder("build")
    prepared = runs is not None and (runs / "global.db").is_file()
    if runs is not None:
        runs.mkdir(parents=True, exist_ok=True)
        (out / "_build").mkdir()
        (out / "_build" / ".jupyter_cache").symlink_to(runs, target_is_directory=True)
    env = dict(os.environ, BOOK_OUT=str(out))
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-book.sh")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=2400,  # a guard against hangs
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"book build failed (exit {proc.returncode}):\n{log[-6000:]}"
    html = out / "_build" / "html"
    assert f"build-book: open {html / 'index.html'}" in log
    assert "build-book: every page was executed before the build" in log, (
        "Sphinx executed pages itself (scripts/run_pages.py did not read them as myst-nb does):\n"
        + "\n".join(line for line in log.splitlines() if "run-pages" in line or "build-book" in line))
    if prepared:
        found = re.search(r"run-pages: (\d+) pages execute in the build; (\d+) already in the cache", log)
        assert found and found[1] == found[2], (
            f"the build did not find every page in the runs of tests/page_runs.py ({runs}):\n"
            + "\n".join(line for line in log.splitlines() if line.startswith("run-pages")))
    return html
