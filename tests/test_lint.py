"""The linter passes: ruff, with the rules in pyproject.toml's [tool.ruff] (the code's own rules).

A ``# noqa: CODE`` names a rule that is enabled and silences a real finding (RUF100), so
every noqa in the code means something. Fix a finding, or add the noqa with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINTED = ["rnn_course", "tests", "scripts", "benchmarks", "book/_ext", "deploy"]


def _ruff() -> str:
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    assert found, "ruff is not installed: pip install -e '.[test]' (it is pinned in pyproject.toml's test extra)"
    return found


def test_ruff_finds_nothing():
    run = subprocess.run([_ruff(), "check", "--no-cache", "--output-format", "concise", *LINTED],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, f"ruff check {' '.join(LINTED)}:\n{run.stdout}{run.stderr}"


def test_the_rules_catch_an_unused_noqa(tmp_path):
    # the configuration is the one in pyproject.toml (a file under the project's root)
    probe = ROOT / "tests" / f"_lint_probe_{tmp_path.name}.py"
    probe.write_text("import os  # noqa: E731\n\nprint(os.sep)\n", encoding="utf-8")
    try:
        run = subprocess.run([_ruff(), "check", "--no-cache", "--output-format", "concise", str(probe)],
                             cwd=ROOT, capture_output=True, text=True, check=False)
    finally:
        probe.unlink()
    assert run.returncode == 1 and "RUF100" in run.stdout, run.stdout + run.stderr
