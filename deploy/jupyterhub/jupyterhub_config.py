"""JupyterHub for a class of rnn-course: local Unix accounts, nbgrader's exchange on a shared
folder, and the instructor's formgrader as a hub service.

Start it with ``deploy/jupyterhub/start.sh`` (as root, after ``setup.sh``); every setting
comes from the environment, with the defaults below, so that this file is the same on a
laptop and on a server (the instructor guide of the book says what to change for a real one):

  RNN_COURSE_HUB_DIR     the deployment's folder: hub state, the course folder, the exchange (/srv/rnn-course)
  RNN_COURSE_VENV        the Python environment of the hub, the users' servers and the grader
                         ($RNN_COURSE_HUB_DIR/venv, made by setup.sh: rnn-course[lab,grading,hub])
  RNN_COURSE_INSTRUCTOR  the instructor's Unix account, who runs the formgrader (instructor)
  RNN_COURSE_STUDENTS    the students' Unix accounts, separated by spaces or commas
  RNN_COURSE_GRADEBOOK   the gradebook's SQLAlchemy URL (default: SQLite in the course folder;
                         postgresql+psycopg://user@host/db for PostgreSQL)
  RNN_COURSE_HUB_PORT, RNN_COURSE_HUB_API_PORT, RNN_COURSE_PROXY_API_PORT, RNN_COURSE_GRADER_PORT
                         the public port (8000) and three internal ones on 127.0.0.1 (8081, 8001, 9999)
  RNN_COURSE_HUB_IP      the address the hub listens on (127.0.0.1: a try-out; see the guide for TLS)

Students log in with their Unix password (PAM) and get the learner's JupyterLab (see
rnn_course.lab: the assignment list and Validate, no instructor tools). The instructor's
formgrader is nbgrader's shared grading server: ``jupyterhub-singleuser`` run by the hub as a
service, as the instructor, in the course folder, at ``/services/<course id>/`` (nbgrader
finds it by the course id); a role gives the instructor, and nobody else, access to it.
"""

import os
from pathlib import Path

from rnn_course.lab import CONFIG_DIR as LEARNER_CONFIG

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

HERE = Path(__file__).resolve().parent
HUB_DIR = Path(os.environ.get("RNN_COURSE_HUB_DIR", "/srv/rnn-course"))
VENV = Path(os.environ.get("RNN_COURSE_VENV", str(HUB_DIR / "venv")))
COURSE_ID = "rnn-course"  # the course_id of the repository's nbgrader_config.py
COURSE_ROOT = HUB_DIR / "course"
EXCHANGE = HUB_DIR / "exchange"
NBGRADER_CONFIG = HUB_DIR / "etc"  # setup.sh copies this folder's nbgrader_config.py there
INSTRUCTOR = os.environ.get("RNN_COURSE_INSTRUCTOR", "instructor")
STUDENTS = os.environ.get("RNN_COURSE_STUDENTS", "").replace(",", " ").split()
GRADEBOOK = os.environ.get("RNN_COURSE_GRADEBOOK", "")
IP = os.environ.get("RNN_COURSE_HUB_IP", "127.0.0.1")
PORT = int(os.environ.get("RNN_COURSE_HUB_PORT", "8000"))
HUB_API_PORT = int(os.environ.get("RNN_COURSE_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("RNN_COURSE_PROXY_API_PORT", "8001"))
GRADER_PORT = int(os.environ.get("RNN_COURSE_GRADER_PORT", "9999"))

# --- the hub and its proxy (configurable-http-proxy, installed from npm by setup.sh)
c.JupyterHub.bind_url = f"http://{IP}:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_API_PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'hub' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "hub" / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "hub" / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True

# --- who may log in: local Unix accounts, checked by PAM (the hub runs as root)
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {INSTRUCTOR, *STUDENTS}

# --- each user's server: the learner's JupyterLab, as that Unix user, in their home
shared_env = {
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "RNN_COURSE_EXCHANGE": str(EXCHANGE),  # read by deploy/jupyterhub/nbgrader_config.py
    "OPENBLAS_NUM_THREADS": "1",
}
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {**shared_env, "JUPYTER_CONFIG_PATH": f"{LEARNER_CONFIG}:{NBGRADER_CONFIG}"}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# --- the formgrader: a shared grading server run by the hub, as the instructor, in the course folder
c.JupyterHub.services = [{
    "name": COURSE_ID,
    "url": f"http://127.0.0.1:{GRADER_PORT}",
    # nbgrader's full set of tools, and the race guard of rnn_course.lab (see lab.sh --instructor)
    "command": [str(VENV / "bin" / "jupyterhub-singleuser"), "--ServerApp.jpserver_extensions", "rnn_course.lab=True"],
    "user": INSTRUCTOR,
    "cwd": str(COURSE_ROOT),
    "oauth_no_confirm": True,
    "environment": {
        **shared_env,
        "JUPYTERHUB_DEFAULT_URL": "/lab",
        "JUPYTER_CONFIG_PATH": str(NBGRADER_CONFIG),
        **({"RNN_COURSE_GRADEBOOK": GRADEBOOK} if GRADEBOOK else {}),
    },
}]
c.JupyterHub.load_groups = {f"formgrade-{COURSE_ID}": {"users": [INSTRUCTOR]}}
c.JupyterHub.load_roles = [{
    "name": f"formgrade-{COURSE_ID}",
    "groups": [f"formgrade-{COURSE_ID}"],
    "scopes": [f"access:services!service={COURSE_ID}", "list:services", f"read:services!service={COURSE_ID}"],
}]
