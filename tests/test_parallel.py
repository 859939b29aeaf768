"""scripts/test.sh runs the suite on every core (pytest-xdist, ``--dist loadgroup``); the
tests that share a built book or a graded course must stay in one worker, or each worker
would build the book again (tests/conftest.py keeps the groups together)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory) -> str:
    """One run on two workers (its startup is most of its cost) of a group's tests (the
    book's quick ones, group ``book``) and of two solution notebooks (nbval's cells); its
    verbose output."""
    run = tmp_path_factory.mktemp("parallel")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
         f"--basetemp={run / 'run'}", "tests/test_book.py::test_page_is_a_myst_notebook_with_python3_kernel",
         "solutions/ex01-recurrence", "solutions/ex02-bptt"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_a_group_runs_in_one_worker(parallel_run):
    ran = re.findall(r"^\[(gw\d)\].*PASSED (tests/test_book\.py::\S+)", parallel_run, re.M)
    assert len(ran) >= 10, parallel_run[-3000:]
    assert all(nodeid.endswith("@book") for _, nodeid in ran), ran[:3]
    assert len({worker for worker, _ in ran}) == 1, sorted({w for w, _ in ran})


def test_a_notebooks_cells_run_in_one_worker(parallel_run):
    """nbval's items are a notebook's cells, which depend on each other (imports first)."""
    ran = re.findall(r"^\[(gw\d)\].*PASSED solutions/(ex0[12])\S*::Cell \d+", parallel_run, re.M)
    assert len(ran) >= 10, parallel_run[-3000:]
    for notebook in ("ex01", "ex02"):
        workers = {w for w, nb in ran if nb == notebook}
        assert len(workers) == 1, (notebook, workers)
