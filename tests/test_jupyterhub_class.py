"""A class on the course's JupyterHub (deploy/jupyterhub), end to end, in a real browser.

As root, the test makes four Unix accounts (an instructor and three students, removed at
the end), sets the deployment up in a fresh folder and starts it on 127.0.0.1: JupyterHub
from PyPI, configurable-http-proxy from npm, PAM logins, nbgrader's exchange, the formgrader
as a hub service. Then, in Debian's chromium through Playwright, as people would click:

1. the instructor logs in, opens the formgrader, generates and releases ex01-recurrence
   (the class list imported first, as the instructor guide says);
2. each student logs in, sees ex01 in the assignment list, fetches it and fills it in in the
   browser (ann with the solution, ben with one planted bug in ``rnn_output``, cat not at all),
   presses Validate and submits;
3. the instructor collects (formgrader), grades with ``rnn-course-grade`` (in a terminal),
   generates and releases feedback (formgrader); the gradebook and ``nbgrader export`` hold
   10, 8 and 0 out of 10;
4. each student fetches the feedback and sees their own score.

Isolation: a student's kernel cannot read the course folder, the gradebook, solutions/, the
collected submissions, another student's home, nor list the exchange's inbound folder (where
nbgrader hides each submission under a random name); the notebook students get and their
feedback never show hidden tests.

Screenshots of every step that failed, the hub's log, and the logs of setup.sh and the
instructor's commands are kept in ``$BROWSER_ARTIFACTS``. The deployment's Python environment
(.venv-hub, made by setup.sh) is kept between runs and rebuilt when the package changes.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from hub_class import (COURSE_ID, ROOT, SAID_BEFORE, Hub, dismiss_dialogs, fetch, fetch_feedback, formgrader, log_in, logged_in, make_account,
                       open_assignment_list, open_fetched_notebook, probe_code, probed, remove_accounts,
                       replace_code_cell, run_in_new_notebook, save, solution_sources, submit, validate)
import wheelhouse

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("jupyterhub")]

ASSIGNMENT = "ex01-recurrence"
#: The deployment's Python environment and the wheels it is made from, kept between runs.
VENV, WHEELS = ROOT / ".venv-hub", ROOT / ".venv-hub-wheels"
PYTHON = "/usr/bin/python3"  # the deployment's Python: one every account may run
MAX_SCORE = 10.0
#: What each student types, and the score that earns (ex01: 3 + 3 + 2 + 2 points).
PLAN = {"ann": ("right", 10.0), "ben": ("bug", 8.0), "cat": ("nothing", 0.0)}
HIDDEN_TEST = "hidden=True"
VIEWPORT = {"width": 1400, "height": 900}


def answers(kind: str) -> dict[str, str]:
    """The code cells a student types: the solution, the solution with a planted bug in
    rnn_output (the softmax normalised over the first axis, worth its 2 points), or nothing."""
    if kind == "nothing":
        return {}
    cells = solution_sources(ASSIGNMENT)
    if kind == "bug":
        right = "o = e / e.sum(axis=-1, keepdims=True)"
        assert right in cells["rnn_output"]
        cells["rnn_output"] = cells["rnn_output"].replace(right, "o = e / e.sum(axis=0, keepdims=True)")
    return cells


class Steps:
    """Runs the class, keeping what each step showed; a step that fails leaves a screenshot."""

    def __init__(self, artifacts: Path):
        self.artifacts = artifacts
        self.seen: dict = {"validate": {}, "listed": {}, "feedback": {}}

    def shot(self, page, name: str) -> None:
        if page is None:
            return
        try:
            page.screenshot(path=str(self.artifacts / f"hub-{name}.png"))
        except Exception:  # noqa: BLE001 (a page that is gone cannot be photographed)
            pass

    def run(self, name: str, page, step):
        start = time.monotonic()
        try:
            return step()
        except Exception:
            self.shot(page, f"{name}-failed")
            raise
        finally:
            self.seen.setdefault("seconds", {})[name] = round(time.monotonic() - start, 1)


def run_class(browser, hub: Hub, steps: Steps) -> None:
    seen = steps.seen
    students = dict(zip(PLAN, hub.students))
    # the students log in first: the hub starts their servers while the instructor works
    pages = {key: log_in(browser.new_context(viewport=VIEWPORT), hub, student, wait=False)
             for key, student in students.items()}
    teacher = browser.new_context(viewport=VIEWPORT)
    fg_path = f"/services/{COURSE_ID}/formgrader/manage_assignments"
    page = log_in(teacher, hub, hub.instructor, next_path=fg_path)

    # 1. the class list, then generate and release ex01
    roster = hub.course / "students.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(
        f"{s.name},{k.title()},Student,\n" for k, s in students.items()))
    shutil.chown(roster, hub.instructor.name)
    hub.as_instructor("nbgrader", "db", "student", "import", "students.csv")
    seen["generate"] = steps.run("generate", page, lambda: formgrader(page, ASSIGNMENT, "assign"))
    seen["release"] = steps.run("release", page, lambda: formgrader(page, ASSIGNMENT, "release"))

    # 2. each student: fetch, fill in, validate, submit
    for key, student in students.items():
        spage = pages[key]

        def work(spage=spage, key=key, student=student):
            logged_in(spage, student)
            open_assignment_list(spage)
            seen["listed"][key] = fetch(spage, ASSIGNMENT)
            open_fetched_notebook(spage, ASSIGNMENT)
            # what JupyterLab got: the notebook as the student's server sends it to the page
            served = spage.request.get(f"{hub.url}/user/{student.name}/api/contents/{ASSIGNMENT}/"
                                       f"{ASSIGNMENT}.ipynb?content=1")
            seen.setdefault("notebook", "\n".join(c["source"] for c in served.json()["content"]["cells"]))
            for grade_id, source in answers(PLAN[key][0]).items():
                replace_code_cell(spage, f"def {grade_id}(", source)
            save(spage)
            seen["validate"][key] = validate(spage)
            submit(spage, ASSIGNMENT)

        steps.run(f"student-{key}", spage, work)
        steps.shot(spage, f"student-{key}-submitted")

    # 3. collect, grade, feedback
    page.reload()
    seen["collect"] = steps.run("collect", page, lambda: formgrader(page, ASSIGNMENT, "collect"))
    seen["grade"] = steps.run("rnn-course-grade", page, lambda: hub.as_instructor(
        "rnn-course-grade", ASSIGNMENT, "--workers", "2", "--no-progress").stdout)
    page.reload()
    seen["generate-feedback"] = steps.run("generate-feedback", page,
                                          lambda: formgrader(page, ASSIGNMENT, "generate-feedback"))
    seen["release-feedback"] = steps.run("release-feedback", page,
                                         lambda: formgrader(page, ASSIGNMENT, "release-feedback"))
    steps.shot(page, "formgrader")
    hub.as_instructor("nbgrader", "export", "--to", "grades.csv")
    with open(hub.course / "grades.csv", newline="") as f:
        seen["csv"] = list(csv.DictReader(f))
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}") as gb:
        seen["gradebook"] = {s.name: gb.find_submission(ASSIGNMENT, s.name).score for s in hub.students}

    # 4. each student fetches the feedback and reads it
    for key, student in students.items():
        spage = pages[key]

        def read_feedback(spage=spage, key=key, student=student):
            dismiss_dialogs(spage)
            spage.locator(".lm-TabBar-tab", has_text="Assignments").click()
            fetch_feedback(spage, ASSIGNMENT)
            spage.locator("#submitted_assignments_list a", has_text="view feedback").first.click()
            html = next((student.home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
            view = spage.context.new_page()
            view.goto(f"{hub.url}/user/{student.name}/files/{html.relative_to(student.home)}")
            seen["feedback"][key] = view.inner_text("body")
            steps.shot(view, f"feedback-{key}")

        steps.run(f"feedback-{key}", spage, read_feedback)

    # isolation: what ben's kernel can read
    right = students["ann"]
    submitted = next(hub.exchange.glob(f"inbound/{right.name}+{ASSIGNMENT}+*"), None)
    paths = {
        "course folder": hub.course,
        "gradebook": hub.course / "gradebook.db",
        "solutions": hub.course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        "collected submission": hub.course / "submitted" / right.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        "exchange inbound": hub.exchange / "inbound",
        "exchange feedback": hub.exchange / "feedback",
        "another student's home": right.home,
        "another student's notebook": right.home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        "own notebook": students["ben"].home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
    }
    seen["submission_name"] = submitted.name if submitted else None
    output = steps.run("isolation", pages["ben"], lambda: run_in_new_notebook(
        pages["ben"], probe_code([str(p) for p in paths.values()])))
    seen["probe"] = dict(zip(paths, probed(output).values()))


def wheels() -> Path:
    """Wheels of everything the deployment installs, made from this environment once per
    pyproject.toml (see tests/wheelhouse.py): the environment is made without the index."""
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if (WHEELS / "stamp").exists() and (WHEELS / "stamp").read_text() == stamp:
        return WHEELS
    shutil.rmtree(WHEELS, ignore_errors=True)
    version = subprocess.run([PYTHON, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    wheelhouse.build(WHEELS, "rnn-course[lab,grading,hub]", version)
    (WHEELS / "stamp").write_text(stamp)
    return WHEELS


@pytest.fixture(scope="module")
def course(browser, artifacts):
    if os.geteuid() != 0:
        pytest.skip("makes Unix accounts and starts the hub as root: run as root (CI does)")
    tag = f"rc{os.getpid() % 100000}"
    hub_dir = Path(tempfile.mkdtemp(prefix="rnn-course-hub-", dir="/tmp"))
    hub_dir.chmod(0o755)
    accounts, hub = [], None
    steps = Steps(artifacts)
    try:
        accounts.append(make_account(f"{tag}-teach"))
        accounts += [make_account(f"{tag}-{key}") for key in PLAN]
        hub = Hub(hub_dir, VENV, accounts[0], accounts[1:], artifacts)
        hub.env["RNN_COURSE_WHEELHOUSE"] = str(steps.run("wheelhouse", None, wheels))
        steps.seen["setup"] = steps.run("setup.sh", None, hub.setup)
        steps.run("hub start", None, hub.start)
        run_class(browser, hub, steps)
        (artifacts / "hub-steps.txt").write_text(  # how long each step took, for whoever reads the artifacts
            "".join(f"{k}: {v} s\n" for k, v in steps.seen["seconds"].items()))
        yield hub, steps.seen
    finally:
        if hub is not None:
            hub.stop()
        remove_accounts(accounts)
        shutil.rmtree(hub_dir, ignore_errors=True)


def test_the_instructor_generates_and_releases_ex01_in_the_formgrader(course):
    _, seen = course
    assert "Successfully created the student version" in seen["generate"]
    assert f"Released as: {COURSE_ID} {ASSIGNMENT}" in seen["release"]


def test_every_student_sees_ex01_in_the_assignment_list(course):
    _, seen = course
    assert set(seen["listed"]) == set(PLAN)
    assert all(ASSIGNMENT in listed for listed in seen["listed"].values())


def test_validate_says_what_each_student_should_hear(course):
    _, seen = course
    said = seen["validate"]
    before = f"(dialogs before: {SAID_BEFORE})"
    assert "passes all" in said["ann"].lower() or "success" in said["ann"].lower(), (said["ann"], before)
    assert "rnn_output" in said["ben"] and "rnn_cell_forward" not in said["ben"], (said["ben"], before)
    assert "NotImplementedError" in said["cat"], (said["cat"], before)


def test_the_instructor_collects_and_grades_every_submission(course):
    _, seen = course
    assert "Collecting submission" in seen["collect"] or "collect" in seen["collect"].lower()
    assert "3 submissions" in seen["grade"], seen["grade"]


def test_the_gradebook_and_the_export_hold_the_expected_scores(course):
    hub, seen = course
    expected = {s.name: PLAN[key][1] for key, s in zip(PLAN, hub.students)}
    assert seen["gradebook"] == expected
    exported = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in seen["csv"]
                if row["assignment"] == ASSIGNMENT}
    assert exported == {name: (score, MAX_SCORE) for name, score in expected.items()}


def test_each_student_reads_their_own_score_in_the_feedback(course):
    _, seen = course
    for key, (_, score) in PLAN.items():
        text = seen["feedback"][key]
        assert f"(Score: {score} / {MAX_SCORE})" in text, (key, text[:500])


def test_students_never_see_hidden_tests(course):
    _, seen = course
    assert "check_rnn_output(rnn_output)" in seen["notebook"]  # the visible tests are there
    assert HIDDEN_TEST not in seen["notebook"]
    for text in seen["feedback"].values():
        assert HIDDEN_TEST not in text


def test_a_students_kernel_cannot_read_the_course_or_other_students_work(course):
    _, seen = course
    probe = seen["probe"]
    assert probe.pop("own notebook") == "read"  # the probe can tell
    assert probe == dict.fromkeys(probe, "denied")
    # nbgrader leaves each submission in the exchange under a name with a random part
    # (and the inbound folder cannot be listed): a name made of what a student knows is not it
    assert seen["submission_name"] and seen["submission_name"].count("+") == 3

