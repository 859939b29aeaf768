"""JupyterLab driven the way a person uses it, for the browser tests: start a Jupyter server
and keep its log (test_lab_browser.py: scripts/lab.sh; the JupyterHub class test), wait for
the kernel, run a cell, read a menu.

Every wait has a deadline and fails with what was seen, never hangs.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Logged:
    """A process started in its own session, its output going to ``log`` (a file kept with
    the test's artifacts); :meth:`stop` ends the whole session."""

    def __init__(self, command: list[str], *, cwd: Path, env: dict[str, str], log: Path):
        self.log = log
        self._out = open(log, "w", encoding="utf-8")  # noqa: SIM115 (closed by stop)
        self.proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=self._out,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """Wait until the log matches ``pattern`` (a regex); fail if the process ends first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            if self.proc.poll() is not None:
                raise AssertionError(f"the process exited ({self.proc.returncode}) before "
                                     f"logging {pattern!r}:\n{self.text()[-4000:]}")
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in the log after {timeout:.0f} s:\n{self.text()[-4000:]}")

    def stop(self, timeout: float = 20) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._out.close()


STATUS_BAR = "#jp-main-statusbar"
#: The notebook on show (other open notebooks stay in the page, hidden).
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


def wait_for_kernel(page, state: str = "Idle", timeout: float = 90) -> None:
    """Wait until the status bar shows the notebook's kernel in ``state`` ("Python 3 | Idle")."""
    try:
        page.wait_for_function(
            "([sel, state]) => { const bar = document.querySelector(sel);"
            " return !!bar && new RegExp('\\\\|\\\\s*' + state + '\\\\b').test(bar.innerText); }",
            arg=[STATUS_BAR, state], timeout=timeout * 1000)
    except Exception as error:
        bar = page.evaluate(f"() => (document.querySelector('{STATUS_BAR}') || {{}}).innerText")
        raise AssertionError(f"the kernel did not reach {state} within {timeout:.0f} s; "
                             f"status bar: {bar!r}") from error


def run_code_cell(page, index: int, timeout: float = 60) -> str:
    """Run the ``index``-th code cell of the notebook on show (click it, Shift+Enter); return
    its output text."""
    cell = page.locator(f"{NOTEBOOK} .jp-CodeCell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    prompt = cell.locator(".jp-InputArea-prompt")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(r"\[\d+\]", prompt.inner_text()):
            return cell.locator(".jp-OutputArea").inner_text()
        page.wait_for_timeout(200)
    raise AssertionError(f"code cell {index} did not finish within {timeout:.0f} s "
                         f"(prompt {prompt.inner_text()!r})")


def menu_items(page, title: str) -> list[str]:
    """The labels of the main menu ``title`` (opened, read, closed again)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(title)}$")).click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for(state="visible", timeout=10_000)
    labels = [t.strip() for t in menu.locator(".lm-Menu-itemLabel").all_inner_texts()]
    page.keyboard.press("Escape")
    return [label for label in labels if label]
