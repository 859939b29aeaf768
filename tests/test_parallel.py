"""scripts/test.sh runs the suite on every core (pytest-xdist, ``--dist loadgroup``); the
tests that share a built book or a graded course must stay in one worker, or each worker
would build the book again (tests/conftest.py keeps the groups together)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_group_runs_in_one_worker(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
         f"--basetemp={tmp_path / 'run'}", "-m", "not slow", "tests/test_book.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ran = re.findall(r"^\[(gw\d)\].*PASSED (tests/test_book\.py::\S+)", proc.stdout, re.M)
    assert len(ran) >= 10, proc.stdout[-3000:]
    assert all(nodeid.endswith("@book") for _, nodeid in ran), ran[:3]
    assert len({worker for worker, _ in ran}) == 1, sorted({w for w, _ in ran})


def test_a_notebooks_cells_run_in_one_worker(tmp_path):
    """nbval's items are a notebook's cells, which depend on each other (imports first)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
         f"--basetemp={tmp_path / 'run'}", "solutions/ex01-recurrence", "solutions/ex02-bptt",
         "tests/test_conventions.py::test_the_readme_uses_the_same_convention"],  # loads tests/conftest.py
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ran = re.findall(r"^\[(gw\d)\].*PASSED solutions/(ex0[12])\S*::Cell \d+", proc.stdout, re.M)
    assert len(ran) >= 10, proc.stdout[-3000:]
    for notebook in ("ex01", "ex02"):
        workers = {w for w, nb in ran if nb == notebook}
        assert len(workers) == 1, (notebook, workers)
