"""Fixtures shared by the notebook tests (test_exercises.py, test_grading.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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
