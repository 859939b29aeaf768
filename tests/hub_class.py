"""A class on the course's JupyterHub deployment (deploy/jupyterhub), for
tests/test_jupyterhub_class.py: Unix accounts made and removed, the hub set up, started and
stopped, the answers students type, and what instructor and students click in the formgrader
and in nbgrader's assignment list.

Nothing here is tied to one test run: names, passwords, ports and folders come from the
caller, and every wait has a deadline.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import sys
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from jupyterlab_ui import NOTEBOOK, Logged, free_port, run_code_cell, wait_for_kernel

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "jupyterhub"
COURSE_ID = "rnn-course"


@dataclass
class Account:
    name: str
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def home(self) -> Path:
        return Path("/home") / self.name


def make_account(name: str) -> Account:
    account = Account(name)
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True,
                   capture_output=True, text=True)
    subprocess.run(["chpasswd"], input=f"{name}:{account.password}\n", check=True, capture_output=True, text=True)
    return account


def processes_of(uids: set[int]) -> list[int]:
    """The ids of the processes run by these users (read from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        real_uid = int(re.search(r"^Uid:\s+(\d+)", text, re.M).group(1))
        if real_uid in uids:
            found.append(int(status.parent.name))
    return found


def end_processes(pids: list[int], wait: float = 10) -> None:
    """SIGTERM these processes, then SIGKILL the ones still there after ``wait`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in pids):
            time.sleep(0.2)


def _uids(accounts: list[Account]) -> set[int]:
    uids = set()
    for account in accounts:
        done = subprocess.run(["id", "-u", account.name], capture_output=True, text=True)
        if done.returncode == 0:
            uids.add(int(done.stdout))
    return uids


def remove_accounts(accounts: list[Account]) -> None:
    """End every process of these accounts (a server the hub left behind), then remove them
    and their home folders."""
    end_processes(processes_of(_uids(accounts)))
    for account in accounts:
        subprocess.run(["userdel", "--remove", account.name], capture_output=True, text=True)


class Hub:
    """The deployment of deploy/jupyterhub for one instructor and some students, in ``hub_dir``."""

    def __init__(self, hub_dir: Path, venv: Path, instructor: Account, students: list[Account],
                 artifacts: Path):
        self.hub_dir, self.venv = hub_dir, venv
        self.instructor, self.students = instructor, students
        self.artifacts = artifacts
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "RNN_COURSE"))},
            "RNN_COURSE_HUB_DIR": str(hub_dir), "RNN_COURSE_VENV": str(venv),
            "RNN_COURSE_INSTRUCTOR": instructor.name,
            "RNN_COURSE_STUDENTS": " ".join(s.name for s in students),
            "RNN_COURSE_HUB_PORT": str(self.port), "RNN_COURSE_HUB_API_PORT": str(free_port()),
            "RNN_COURSE_PROXY_API_PORT": str(free_port()), "RNN_COURSE_GRADER_PORT": str(free_port()),
        }
        uv = Path(sys.executable).parent / "uv"  # scripts/setup.sh installs it; pip without
        if uv.is_file():
            self.env["RNN_COURSE_UV"] = str(uv)
        self.server: Logged | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def course(self) -> Path:
        return self.hub_dir / "course"

    @property
    def exchange(self) -> Path:
        return self.hub_dir / "exchange" / COURSE_ID

    def setup(self) -> str:
        """Run setup.sh (the environment is built once and reused while the package is unchanged)."""
        done = subprocess.run(["bash", str(DEPLOY / "setup.sh")], env=self.env, capture_output=True,
                              text=True, timeout=1800)
        (self.artifacts / "hub-setup.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise AssertionError(f"deploy/jupyterhub/setup.sh failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout + done.stderr

    def start(self) -> None:
        self.server = Logged(["bash", str(DEPLOY / "start.sh")], cwd=ROOT, env=self.env,
                             log=self.artifacts / "hub.log")
        self.server.wait_for(r"JupyterHub is now running at", timeout=180)

    def stop(self) -> None:
        """Stop the users' servers and the formgrader (their processes), then the hub (it
        stops its proxy), then whatever it left behind."""
        if self.server is None:
            return
        end_processes(processes_of(_uids([self.instructor, *self.students])), wait=5)
        if self.server.proc.poll() is None:
            os.kill(self.server.proc.pid, signal.SIGTERM)
            try:
                self.server.proc.wait(60)
            except subprocess.TimeoutExpired:
                pass
        self.server.stop()
        proxy = self.hub_dir / "hub" / "jupyterhub-proxy.pid"
        if proxy.exists():
            end_processes([int(proxy.read_text().strip())])

    def as_instructor(self, *command: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run ``command`` in the course folder as the instructor, as in a terminal of the formgrader."""
        env = ["env", "-i", f"HOME={self.instructor.home}", f"USER={self.instructor.name}",
               f"PATH={self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "OPENBLAS_NUM_THREADS=1",
               f"RNN_COURSE_EXCHANGE={self.hub_dir / 'exchange'}",
               f"JUPYTER_CONFIG_PATH={self.hub_dir / 'etc'}"]
        done = subprocess.run(["runuser", "-u", self.instructor.name, "--", *env, *command], cwd=self.course,
                              capture_output=True, text=True, timeout=timeout)
        name = re.sub(r"\W+", "-", " ".join(command[:2]))
        (self.artifacts / f"instructor-{name}.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise AssertionError(f"{' '.join(command)} failed for the instructor:\n{done.stdout}\n{done.stderr}")
        return done


# ------------------------------------------------------------------ what students type


def solution_sources(assignment: str) -> dict[str, str]:
    """The answer cells of ``assignment`` as its solution writes them (markers removed):
    ``{grade_id: source}``."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: "\n".join(
                line for line in c.source.splitlines() if "### BEGIN SOLUTION" not in line
                and "### END SOLUTION" not in line)
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")}


# ------------------------------------------------------------------ what people click


def log_in(context, hub: Hub, account: Account, next_path: str | None = None, wait: bool = True,
           timeout: float = 180):
    """A new page of ``context``, logged in as ``account``: at ``next_path``, or at the user's
    own JupyterLab, which the hub starts. With ``wait=False`` it returns once the form is
    sent (the server starts meanwhile): :func:`logged_in` waits for it."""
    page = context.new_page()
    query = f"?next={next_path.replace('/', '%2F')}" if next_path else ""
    page.goto(f"{hub.url}/hub/login{query}")
    page.fill("#username_input", account.name)
    page.fill("#password_input", account.password)
    page.click("#login_submit")
    if wait:
        logged_in(page, account, next_path, timeout)
    return page


def logged_in(page, account: Account, next_path: str | None = None, timeout: float = 180):
    if next_path:
        page.wait_for_url(f"**{next_path}**", timeout=timeout * 1000)
    else:
        page.wait_for_url(f"**/user/{account.name}/lab**", timeout=timeout * 1000)
        page.wait_for_selector(".lm-MenuBar-itemLabel", timeout=timeout * 1000)
    return page


def formgrader(page, assignment: str, action: str, timeout: float = 180) -> str:
    """Press a button of ``assignment``'s row in the formgrader (``action``: assign, release,
    collect, generate-feedback, release-feedback); return what its dialog says."""
    page.locator("tr", has_text=assignment).locator(f"td.{action} a").click()
    page.wait_for_selector(".modal-dialog .modal-footer button", timeout=timeout * 1000)
    said = page.inner_text(".modal-dialog")
    page.click(".modal-dialog .modal-footer button")
    page.wait_for_selector(".modal-dialog", state="detached", timeout=20_000)
    return said


def open_assignment_list(page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.wait_for_selector("#released_assignments_list", timeout=60_000)


def _list_item(page, section: str, assignment: str):
    return page.locator(f"#{section} .list_item", has_text=assignment).first


def fetch(page, assignment: str) -> str:
    """Fetch ``assignment`` from the released ones; return what the list of those showed."""
    page.wait_for_selector(f"#released_assignments_list .list_item:has-text('{assignment}') button",
                           timeout=60_000)
    listed = page.inner_text("#released_assignments_list")
    _list_item(page, "released_assignments_list", assignment).locator("button", has_text="Fetch").click()
    page.wait_for_selector(f"#fetched_assignments_list .list_item:has-text('{assignment}')", timeout=60_000)
    return listed


def open_fetched_notebook(page, assignment: str) -> None:
    item = _list_item(page, "fetched_assignments_list", assignment)
    item.locator("a.assignment-notebooks-link").click()
    item.locator(".nested_list_item a", has_text=assignment).click()
    page.wait_for_selector(f"{NOTEBOOK} .jp-CodeCell", timeout=60_000)


def replace_code_cell(page, marker: str, source: str) -> None:
    """Select everything in the code cell that contains ``marker`` and type ``source`` over it."""
    cell = page.locator(f"{NOTEBOOK} .jp-CodeCell", has_text=marker).first
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def save(page) -> None:
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !document.querySelector('.jp-NotebookPanel.jp-mod-current .jp-mod-dirty, "
        "li.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')", timeout=30_000)


def validate(page, timeout: float = 240) -> str:
    """Press the notebook's Validate button; return what its dialog says (and close it).

    Validate saves the notebook first. JupyterLab can take the save just made for a change
    on disk (the file's time) and ask ("File Changed"): the version open here is the one to
    keep, so Overwrite. A save that failed ("Validation failed", "Cannot save notebook") is
    tried again, twice at most, as a student would; what every dialog said is kept for the
    failure message (:data:`SAID_BEFORE`)."""
    said = ""
    for _ in range(3):
        page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-item", has_text="Validate").first.click()
        said = _validation_dialog(page, timeout)
        if not ("Validation failed" in said and "Cannot save" in said):
            return said
        SAID_BEFORE.append(said)
    return said


#: What Validate's dialogs said before the answer that :func:`validate` returned.
SAID_BEFORE: list[str] = []


def _validation_dialog(page, timeout: float) -> str:
    dialog = page.locator(".jp-Dialog")
    while True:
        dialog.wait_for(state="visible", timeout=timeout * 1000)
        said = dialog.inner_text()
        if not said.startswith("File Changed"):
            break
        SAID_BEFORE.append(said)
        dialog.locator("button", has_text="Overwrite").click()
        page.wait_for_function("() => !/File Changed/.test((document.querySelector('.jp-Dialog') || {})"
                               ".innerText || '')", timeout=30_000)
    dialog.locator("button").last.click()
    dialog.wait_for(state="detached", timeout=20_000)
    return said


def submit(page, assignment: str) -> None:
    page.locator(".lm-TabBar-tab", has_text="Assignments").click()
    _list_item(page, "fetched_assignments_list", assignment).locator("button", has_text="Submit").click()
    page.wait_for_selector(f"#submitted_assignments_list .list_item:has-text('{assignment}')", timeout=60_000)
    # nbgrader validates a submission too, and shows the cells that fail in a dialog that can
    # open after the submission is listed: close it, or it takes the next click
    dismiss_dialogs(page, wait=5)


def dismiss_dialogs(page, wait: float = 0) -> list[str]:
    """Close every dialog JupyterLab shows, waiting up to ``wait`` seconds for one to open;
    return what they said."""
    dialog = page.locator(".jp-Dialog")
    if wait:
        try:
            dialog.first.wait_for(state="visible", timeout=wait * 1000)
        except PlaywrightTimeout:
            return []
    said = []
    while dialog.count() and len(said) < 10:
        said.append(dialog.first.inner_text())
        dialog.first.locator("button").last.click()
        page.wait_for_timeout(300)
    return said


def fetch_feedback(page, assignment: str) -> None:
    page.locator("#refresh_assignments_list").click()
    button = page.locator("#submitted_assignments_list button", has_text="Fetch Feedback")
    button.first.wait_for(timeout=60_000)
    button.first.click()
    page.wait_for_selector("#submitted_assignments_list a:has-text('view feedback')", timeout=60_000)


def run_in_new_notebook(page, code: str, timeout: float = 120) -> str:
    """Open a new notebook (File > New > Notebook), run ``code`` in it; return its output."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^File$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^New$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Notebook$")).click()
    select = page.locator(".jp-Dialog button", has_text="Select")
    try:  # JupyterLab may ask which kernel
        select.wait_for(timeout=5_000)
        select.click()
    except Exception:  # noqa: BLE001 (it did not ask)
        pass
    page.wait_for_selector(f"{NOTEBOOK} .jp-CodeCell", timeout=60_000)
    wait_for_kernel(page, "Idle", timeout=timeout)
    page.locator(f"{NOTEBOOK} .jp-CodeCell .cm-content").first.click()
    page.keyboard.insert_text(code)
    return run_code_cell(page, 0, timeout=timeout)


PROBE = """
import json, os
def probe(path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        return "read"
    except PermissionError:
        return "denied"
    except FileNotFoundError:
        return "missing"
print("PROBE " + json.dumps({p: probe(p) for p in PATHS}))
"""


def probe_code(paths: list[str]) -> str:
    return f"PATHS = {json.dumps(paths)}" + PROBE


def probed(output: str) -> dict[str, str]:
    return json.loads(output.split("PROBE ", 1)[1].splitlines()[0])
