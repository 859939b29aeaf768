"""The deployment's files, checked as far as this machine can without a cluster: the JupyterHub
config (the formgrader service, its role, the students' servers), the gradebook's one setting
for PostgreSQL, and for Zero to JupyterHub the users' image (hadolint) and the values (yamllint,
and what the course needs in them). The class itself runs in test_jupyterhub_class.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "jupyterhub"
Z2JH = DEPLOY / "z2jh"
BIN = Path(sys.executable).parent
YAMLLINT = ["-d", "{extends: default, rules: {line-length: {max: 110}, document-start: disable}}"]


def hub_config(monkeypatch, **env) -> Config:
    for key, value in {"RNN_COURSE_HUB_DIR": "/srv/x", "RNN_COURSE_INSTRUCTOR": "teach",
                       "RNN_COURSE_STUDENTS": "ann, ben cat", **env}.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def test_the_formgrader_is_a_service_of_the_instructor_in_the_course_folder(monkeypatch):
    c = hub_config(monkeypatch)
    (service,) = c.JupyterHub.services
    assert service["name"] == "rnn-course" and service["user"] == "teach"
    assert service["cwd"] == "/srv/x/course"
    assert "rnn_course.lab" not in service["environment"]["JUPYTER_CONFIG_PATH"]  # every nbgrader tool
    (role,) = c.JupyterHub.load_roles
    assert role["groups"] == ["formgrade-rnn-course"]
    assert c.JupyterHub.load_groups["formgrade-rnn-course"]["users"] == ["teach"]
    assert "access:services!service=rnn-course" in role["scopes"]
    assert c.Authenticator.allowed_users == {"teach", "ann", "ben", "cat"}


def test_students_get_the_learners_jupyterlab_and_the_exchange(monkeypatch):
    from rnn_course.lab import CONFIG_DIR

    c = hub_config(monkeypatch)
    env = c.Spawner.environment
    assert env["JUPYTER_CONFIG_PATH"].split(":") == [str(CONFIG_DIR), "/srv/x/etc"]
    assert env["RNN_COURSE_EXCHANGE"] == "/srv/x/exchange"
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000"


def test_the_gradebook_is_sqlite_unless_one_setting_names_postgresql(monkeypatch):
    monkeypatch.delenv("RNN_COURSE_GRADEBOOK", raising=False)
    course = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert "db_url" not in course.CourseDirectory  # nbgrader's default: gradebook.db in the course folder
    url = "postgresql+psycopg://grader@db.example.org/rnn_course"
    monkeypatch.setenv("RNN_COURSE_GRADEBOOK", url)
    course = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert course.CourseDirectory.db_url == url
    c = hub_config(monkeypatch, RNN_COURSE_GRADEBOOK=url)  # the formgrader service is given it
    assert c.JupyterHub.services[0]["environment"]["RNN_COURSE_GRADEBOOK"] == url


def test_the_hub_servers_nbgrader_settings_read_the_exchange(monkeypatch):
    monkeypatch.setenv("RNN_COURSE_EXCHANGE", "/srv/x/exchange")
    c = PyFileConfigLoader("nbgrader_config.py", path=str(DEPLOY)).load_config()
    assert c.Exchange.root == "/srv/x/exchange" and c.CourseDirectory.course_id == "rnn-course"


def lint(tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / tool), *args], capture_output=True, text=True, timeout=120)


def test_hadolint_accepts_the_users_image_and_rejects_a_bad_one(tmp_path):
    done = lint("hadolint", str(Z2JH / "Dockerfile"))
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install numpy\n")
    assert lint("hadolint", str(bad)).returncode != 0  # the linter does check


def test_yamllint_accepts_the_values_and_rejects_broken_yaml(tmp_path):
    done = lint("yamllint", *YAMLLINT, str(Z2JH / "values.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "values.yaml"
    bad.write_text("singleuser:\n  image: {name: a\n  tag: b\n")
    assert lint("yamllint", *YAMLLINT, str(bad)).returncode != 0


def test_the_values_give_the_course_what_it_needs():
    values = yaml.safe_load((Z2JH / "values.yaml").read_text())
    dockerfile = (Z2JH / "Dockerfile").read_text()
    user = values["singleuser"]
    assert user["image"]["name"] and user["image"]["tag"] and user["defaultUrl"] == "/lab"
    exchange = re.search(r"RNN_COURSE_EXCHANGE=(\S+)", dockerfile).group(1)
    assert [m["mountPath"] for m in user["storage"]["extraVolumeMounts"]] == [exchange]
    assert user["storage"]["extraVolumes"][0]["persistentVolumeClaim"]["claimName"]
    assert values["proxy"]["https"]["enabled"] is True
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] != "pam"
    for snippet in values["hub"]["extraConfig"].values():
        compile(snippet, "extraConfig", "exec")


def test_the_image_has_the_package_and_its_learner_config_but_no_solutions():
    dockerfile = (Z2JH / "Dockerfile").read_text()
    python = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.M).group(1)
    assert "solutions" not in re.sub(r"#.*", "", dockerfile)
    assert f"/usr/local/lib/python{python}/site-packages/rnn_course/lab/jupyter_config" in dockerfile
    assert '"/tmp/rnn-course[lab,hub]"' in dockerfile


@pytest.mark.parametrize("script", ["setup.sh", "start.sh", "try.sh"])
def test_the_deployment_scripts_are_valid_bash(script):
    assert subprocess.run(["bash", "-n", str(DEPLOY / script)]).returncode == 0


def test_the_proxy_is_pinned_for_npm_ci():
    import json

    wanted = json.loads((DEPLOY / "package.json").read_text())["dependencies"]["configurable-http-proxy"]
    lock = json.loads((DEPLOY / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == wanted
