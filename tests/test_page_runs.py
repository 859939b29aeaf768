"""The machinery that runs the book's pages before the build (scripts/run_pages.py,
tests/page_runs.py) and times the test run (scripts/steps.py): a cached run is never
taken for a page whose package or environment changed, every page of the table of
contents is run, and the timing table shows the slowest steps.

(That the runs are the ones the build looks up is checked by the build itself:
``built_html`` in conftest.py requires that Sphinx executed no page.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from page_runs import CONFIGURATIONS, pages, run_pages
from page_runs import page as configured

ROOT = Path(__file__).resolve().parents[1]
steps = run_pages.steps


def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "rnn_course").mkdir(parents=True)
    (root / "rnn_course" / "layer.py").write_text("SCALE = 1.0\n")
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return root


def executed_notebook(source: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1.0\n")]
    nb.cells = [cell]
    return nb


def test_a_change_in_the_package_empties_the_cache(tmp_path):
    root = fake_root(tmp_path)
    page = tmp_path / "page.md"
    cache, changed = run_pages.open_cache(tmp_path / "cache", run_pages.fingerprint(root=root))
    assert changed == ["(new cache)"]
    run_pages.store(cache, page, executed_notebook("print(SCALE)"), 1.0, 1.0)
    unexecuted = executed_notebook("print(SCALE)")
    unexecuted.cells[0].outputs = []

    cache, changed = run_pages.open_cache(tmp_path / "cache", run_pages.fingerprint(root=root))
    assert changed == []
    assert run_pages.cached(cache, unexecuted).cells[0].outputs[0].text == "1.0\n"

    (root / "rnn_course" / "layer.py").write_text("SCALE = 2.0\n")  # the page's code is the same
    cache, changed = run_pages.open_cache(tmp_path / "cache", run_pages.fingerprint(root=root))
    assert changed == ["rnn_course"]
    assert run_pages.cached(cache, unexecuted) is None
    assert json.loads((tmp_path / "cache" / run_pages.STAMP).read_text())["rnn_course"] \
        == run_pages.fingerprint(root=root)["rnn_course"]


def test_the_fingerprint_covers_what_changes_results(tmp_path, monkeypatch):
    root = fake_root(tmp_path)
    (root / "rnn_course" / "speech.py").write_text("import os\nos.environ.get('RNN_COURSE_VOICE')\n")
    before = run_pages.fingerprint(root=root)
    monkeypatch.setenv("UNRELATED_VARIABLE", "1")
    assert run_pages.fingerprint(root=root) == before
    for name, value in (("OPENBLAS_CORETYPE", "Sandybridge"), ("OMP_NUM_THREADS", "3"),
                        ("RNN_COURSE_VOICE", "/elsewhere")):  # the last one: read by the package
        monkeypatch.setenv(name, value)
        now = run_pages.fingerprint(root=root)
        assert now["environment"][name] == value and now != before
        before = now
    (root / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    assert run_pages.fingerprint(root=root)["pyproject.toml"] != before["pyproject.toml"]
    (root / "rnn_course" / "data.csv").write_text("1,2\n")  # not only the Python files
    assert run_pages.fingerprint(root=root)["rnn_course"] != before["rnn_course"]
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "fresh-clone.json").write_text("{}")  # a record a page quotes
    assert run_pages.fingerprint(root=root)["benchmarks/*.json"] != before["benchmarks/*.json"]
    assert run_pages.fingerprint(extra={"configuration": "x"}, root=root)["configuration"] == "x"


def test_the_fingerprint_is_the_same_however_python_started(tmp_path):
    """The runs made before pytest (a script) are found by the tests (``python -m pytest``
    puts the checkout, and rnn_course.egg-info, on sys.path) and by the build."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import run_pages; "
            "print(json.dumps(run_pages.fingerprint()))")
    elsewhere = subprocess.run([sys.executable, "-c", code, str(ROOT / "scripts")], cwd=tmp_path,
                               capture_output=True, text=True, check=True)
    in_checkout = subprocess.run([sys.executable, "-c", code, str(ROOT / "scripts")], cwd=ROOT,
                                 capture_output=True, text=True, check=True)
    assert json.loads(elsewhere.stdout) == json.loads(in_checkout.stdout) == run_pages.fingerprint()


def test_every_page_of_the_toc_runs_but_the_exercises():
    listed = {p.relative_to(ROOT).as_posix() for p in run_pages.toc_pages()}
    ran = {p.relative_to(ROOT).as_posix() for p in pages("build")}
    assert ran == {p for p in listed if not p.startswith("exercises/")}
    assert ran >= {"book/intro.md", "book/06-applications/index.md"}
    assert set(pages("perturbed")) <= set(pages("build"))
    assert set(pages("no-torch")) and set(pages("no-torch")) < set(pages("build"))


def test_a_configuration_changes_the_cache_key(tmp_path):
    from jupyter_cache import get_cache

    path = ROOT / "book" / "01-recurrence" / "recurrence.md"
    key = get_cache(tmp_path / "cache").create_hashed_notebook
    keys = {name: key(configured(path, name).notebook)[1] for name in ("build", "perturbed")}
    assert keys["build"] == key(run_pages.read_page(path).notebook)[1]
    assert keys["perturbed"] != keys["build"]
    assert CONFIGURATIONS["perturbed"].env["OPENBLAS_NUM_THREADS"] == "1"


@pytest.mark.slow
def test_a_failing_page_gives_its_traceback_and_the_environment_is_restored(tmp_path, monkeypatch):
    monkeypatch.setenv("PAGE_RUNS_PROBE", "outside")
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("import os\nprint(os.environ['PAGE_RUNS_PROBE'])"),
                nbformat.v4.new_code_cell("assert 1 + 1 == 3, 'the claim of the page'")]
    page = run_pages.Page(tmp_path / "page.md", nb, timeout=60, allow_errors=False)
    executed, seconds, cpu, error = run_pages.execute(page, {"PAGE_RUNS_PROBE": "inside"})
    assert executed is None and "the claim of the page" in error and "AssertionError" in error
    assert seconds > 0 and cpu > 0
    import os

    assert os.environ["PAGE_RUNS_PROBE"] == "outside"
    page.notebook.cells.pop()
    executed, *_ , error = run_pages.execute(page, {"PAGE_RUNS_PROBE": "inside"})
    assert error is None and executed.cells[0].outputs[0].text == "inside\n"


def test_the_steps_table_shows_the_steps_the_slowest_parts_and_the_total(tmp_path):
    log = tmp_path / "steps.tsv"
    steps.record(log, "step", "install", 90.0, 60.0)
    for i in range(12):
        steps.record(log, "part", f"test number {i}", float(i), float(i) / 2)
    steps.record(log, "step", "pytest (exit 1)", 300.0, 550.0)
    steps.record(None, "step", "not recorded", 1.0, 1.0)  # no log: nothing happens
    table = steps.table(log, since=None, top=10, start_load="0.50 0.40 0.30")
    lines = table.splitlines()
    assert "load average 0.50 0.40 0.30 at the start" in lines[0]
    assert [line.split(None, 2)[2] for line in lines[2:4]] == ["install", "pytest (exit 1)"]
    parts = [line.split(None, 2)[2] for line in lines if "test number" in line]
    assert parts == [f"test number {i}" for i in range(11, 1, -1)]
    assert lines[-1].split()[:2] == ["390.0", "610.0"] and "total" in lines[-1]


def test_a_step_records_the_cpu_of_its_children(tmp_path):
    log = tmp_path / "steps.tsv"
    code = steps.run(str(log), "busy child", [sys.executable, "-c", "sum(i * i for i in range(3_000_000))"])
    assert code == 0
    level, wall, cpu, name = log.read_text().strip().split("\t")
    assert (level, name) == ("step", "busy child") and float(cpu) > 0.05 and float(wall) > 0
    assert steps.run(str(log), "failing", [sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert log.read_text().strip().splitlines()[-1].endswith("failing (exit 3)")


def test_when_every_page_runs_again_sphinx_reads_every_page_again(tmp_path, monkeypatch):
    """A changed package empties the cache: Sphinx's saved environment goes too, or the
    build would keep the pages it read before (their sources did not change)."""
    monkeypatch.setattr(run_pages, "book_pages", lambda root=ROOT: [])
    doctrees = tmp_path / "doctrees"
    doctrees.mkdir()
    (doctrees / "environment.pickle").write_bytes(b"saved")
    assert run_pages.main(["--cache", str(tmp_path / "cache"), "--doctrees", str(doctrees)]) == 0
    assert not doctrees.exists()  # a new cache: nothing of before can be trusted
    doctrees.mkdir()
    assert run_pages.main(["--cache", str(tmp_path / "cache"), "--doctrees", str(doctrees)]) == 0
    assert doctrees.exists()  # the same fingerprint: kept
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge" if os.environ.get("OPENBLAS_CORETYPE") != "Sandybridge" else "Haswell")
    assert run_pages.main(["--cache", str(tmp_path / "cache"), "--doctrees", str(doctrees)]) == 0
    assert not doctrees.exists()


def test_the_fingerprint_reads_which_debian_packages_are_missing():
    """The speech pages' results depend on them: the fingerprint names them (a list, empty
    when all are there), not 'unknown' because the package's function moved."""
    assert isinstance(run_pages.fingerprint()["missing Debian packages"], list)
