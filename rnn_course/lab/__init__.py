"""The learner's JupyterLab: a Jupyter configuration folder and a small server extension.

Book: Running the course with a class (the learners' JupyterLab, on their machines and on
JupyterHub).

``scripts/lab.sh`` and the JupyterHub deployment (``deploy/jupyterhub``) put
:data:`CONFIG_DIR` on ``JUPYTER_CONFIG_PATH``. Its two files

- ``labconfig/page_config.json`` turn off nbgrader's instructor plugins in the browser
  (the "Create Assignment" sidebar, Formgrader and the course list; JupyterLab's news
  announcements, which would ask to fetch news from the internet, go too), keeping the
  assignment list (Nbgrader menu) and the Validate button of each notebook;
- ``jupyter_server_config.json`` turn off the matching server extensions of nbgrader
  (formgrader, course list) and load this module as a server extension.

The extension works around a race in every jupyter_server 2.x release (upstream issue
jupyter-server/jupyter_server#1265; no release fixes it, so no pin avoids it): when the
browser drops a kernel's WebSocket while the kernel is still starting (a reload, a closed
tab, on a busy machine), the server went on to accept the dead connection and logged a 500
with ``AttributeError: 'NoneType' object has no attribute 'kernel_ws_protocol'``. The guard
stops there instead and logs one line saying what happened.
"""

from __future__ import annotations

from pathlib import Path

#: The folder to put on ``JUPYTER_CONFIG_PATH`` for the learner's JupyterLab.
CONFIG_DIR = Path(__file__).resolve().parent / "jupyter_config"

#: nbgrader's JupyterLab plugins that only instructors use (turned off for learners).
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "rnn_course.lab"}]


def guard_early_close(handler_class=None) -> bool:
    """Make the kernel WebSocket handler give up quietly on a connection the browser closed.

    ``pre_get`` waits for the kernel to start; if the browser left meanwhile, the handler's
    ``on_close`` has already run (and set ``connection`` to None), and accepting the
    connection would fail. Returns False if ``handler_class`` was already guarded.
    """
    from tornado import web

    if handler_class is None:
        from jupyter_server.services.kernels.websocket import KernelWebsocketHandler as handler_class
    if getattr(handler_class.pre_get, "guards_early_close", False):
        return False
    original = handler_class.pre_get

    async def pre_get(self):
        await original(self)
        if getattr(self, "connection", True) is None:
            self.log.info("Kernel %s: the browser closed this connection while the kernel was "
                          "starting (a reload or a closed tab): nothing to connect",
                          getattr(self, "kernel_id", "?"))
            raise web.Finish()

    pre_get.guards_early_close = True
    handler_class.pre_get = pre_get
    return True


def _load_jupyter_server_extension(serverapp) -> None:
    guard_early_close()
    serverapp.log.info("rnn_course.lab: kernel connections that the browser drops while the "
                       "kernel starts are closed quietly")
