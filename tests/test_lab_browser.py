"""The learner's JupyterLab in a real browser, started as the README says (scripts/lab.sh).

One visit, as a learner's first one, in Debian's headless chromium through Playwright:
the exercise opens, the page is reloaded while the kernel is still starting (what a learner
does when "Connecting" lasts on a busy machine: the kernel here waits 3 s before it starts,
so the reload always lands in that window), the kernel reaches Idle, a code cell runs, the
notebook has nbgrader's Validate button and the Nbgrader menu its Assignment List, and none
of the instructor's tools (the Create Assignment sidebar, Formgrader, the course list) is
there, in the page or on the server. The server's log has no error: the reload used to log a
500 (``'NoneType' object has no attribute 'kernel_ws_protocol'``, a jupyter_server race
that rnn_course.lab closes). A screenshot and the server's log are kept in the artifacts.
About 30 s.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from jupyterlab_ui import Logged, free_port, menu_items, run_code_cell, wait_for_kernel

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = "ex01-recurrence"
INSTRUCTOR_TOOLS = ("Create Assignment", "Formgrader", "Course List")
GUARD_LINE = "the browser closed this connection while the kernel was starting"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lab-browser")]


def slow_python_kernel(folder: Path, delay: float) -> Path:
    """A ``python3`` kernelspec (found first on ``JUPYTER_PATH``) that waits ``delay`` seconds
    before it starts, as a first start on a busy machine does."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    code = f"import time; time.sleep({delay}); from ipykernel import kernelapp; kernelapp.launch_new_instance()"
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", code, "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def visit(browser, artifacts, tmp_path_factory):
    """Start scripts/lab.sh, visit the exercise as a learner; returns what was seen."""
    tmp = tmp_path_factory.mktemp("lab")
    port, token = free_port(), "learner-test-token"
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
           "JUPYTER_PATH": str(slow_python_kernel(tmp / "data", delay=3)),
           # a first start: no user settings or workspaces, a fresh runtime folder
           "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
    env.pop("JUPYTER_CONFIG_PATH", None)
    # running a cell changes the notebook: never let autosave write it into exercises/
    settings = tmp / "config" / "lab" / "user-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}', encoding="utf-8")
    server = Logged(["bash", "scripts/lab.sh", EXERCISE, "--no-browser", "--ServerApp.ip=127.0.0.1",
                     f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                     f"--IdentityProvider.token={token}"],
                    cwd=ROOT, env=env, log=artifacts / "lab-server.log")
    seen: dict = {"console": []}
    page = None
    try:
        server.wait_for(r"is running at", timeout=90)
        base = f"http://127.0.0.1:{port}"
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("console", lambda m: seen["console"].append(m.text))
        page.goto(f"{base}/lab/tree/exercises/{EXERCISE}/{EXERCISE}.ipynb?token={token}")
        deadline = 60_000
        while not any(t.startswith("Starting WebSocket") for t in seen["console"]) and deadline > 0:
            page.wait_for_timeout(100)
            deadline -= 100
        seen["status_at_reload"] = page.inner_text("#jp-main-statusbar")
        page.reload()
        wait_for_kernel(page, "Idle", timeout=90)
        seen["output"] = run_code_cell(page, 0)
        seen["toolbar"] = page.locator(".jp-NotebookPanel-toolbar").inner_text()
        seen["nbgrader_menu"] = menu_items(page, "Nbgrader")
        seen["sidebar_titles"] = page.evaluate(
            "() => [...document.querySelectorAll('.lm-TabBar-tab')].map("
            "t => (t.getAttribute('title') || '') + ' ' + t.innerText)")
        seen["formgrader_status"] = page.request.get(f"{base}/formgrader?token={token}").status
        page.screenshot(path=str(artifacts / f"lab-learner-{EXERCISE}.png"))
        server.wait_for(GUARD_LINE, timeout=30)
    except Exception:
        if page is not None:
            page.screenshot(path=str(artifacts / f"lab-learner-{EXERCISE}-failed.png"))
        raise
    finally:
        if page is not None:
            page.close()
        server.stop()
    seen["log"] = server.text()
    return seen


def test_lab_sh_starts_for_root_and_says_so(visit):
    said = "running as root" in visit["log"]
    assert said == (os.geteuid() == 0), visit["log"][:2000]


def test_the_page_was_reloaded_while_the_kernel_was_connecting(visit):
    # the status bar says Initializing or Connecting, depending on the instant
    assert re.search(r"\| (Initializing|Connecting)", visit["status_at_reload"]), visit["status_at_reload"]


def test_the_kernel_reaches_idle_and_a_cell_runs(visit):
    # run_code_cell waited for the cell's prompt to get its execution count
    assert not re.search(r"Error|Traceback", visit["output"]), visit["output"]


def test_validate_and_the_assignment_list_are_there(visit):
    assert "Validate" in visit["toolbar"]
    assert "Assignment List" in visit["nbgrader_menu"]


def test_no_instructor_tool_is_shown_or_served(visit):
    shown = [tool for tool in INSTRUCTOR_TOOLS
             if tool in visit["nbgrader_menu"] or any(tool in t for t in visit["sidebar_titles"])]
    assert not shown, (visit["nbgrader_menu"], visit["sidebar_titles"])
    assert visit["formgrader_status"] == 404


def test_the_server_logged_no_error(visit):
    errors = [line for line in visit["log"].splitlines()
              if re.match(r"\s*\[E ", line) or "Traceback" in line or "kernel_ws_protocol" in line
              or "course directory root is not a subdirectory" in line]
    assert not errors, "\n".join(errors)
    assert f"lab/tree/exercises/{EXERCISE}/{EXERCISE}.ipynb" in visit["log"]


def test_the_reload_during_the_kernel_start_was_closed_quietly(visit):
    assert GUARD_LINE in visit["log"]
