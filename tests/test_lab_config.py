"""The learner's JupyterLab configuration (rnn_course.lab), without a browser: the plugins and
server extensions it turns off exist under those names in the installed nbgrader (a rename
upstream would silently bring the instructor tools back), the learner keeps the assignment
list and Validate, the package ships the files, and the guard for a kernel connection
dropped while the kernel starts stops it quietly. The browser test is test_lab_browser.py."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import logging
import re
import sys
from pathlib import Path

import pytest
from tornado import web

from rnn_course import lab

ROOT = Path(__file__).resolve().parents[1]
PAGE_CONFIG = lab.CONFIG_DIR / "labconfig" / "page_config.json"
SERVER_CONFIG = lab.CONFIG_DIR / "jupyter_server_config.json"


def nbgrader_plugin_ids() -> set[str]:
    static = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "static"
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in static.glob("*.js"))
    # plugin ids appear as `id:"@jupyter/nbgrader:menu"`, or as a constant (`X="...:formgrader"`)
    return set(re.findall(r'(?:id:|=)"(@jupyter/nbgrader:[a-z-]+)"', text))


def disabled_plugins() -> set[str]:
    data = json.loads(PAGE_CONFIG.read_text(encoding="utf-8"))["disabledExtensions"]
    return {name for name, off in data.items() if off}


def test_the_instructor_plugins_exist_and_are_turned_off():
    plugins = nbgrader_plugin_ids()
    assert set(lab.INSTRUCTOR_PLUGINS) <= plugins, sorted(plugins)
    assert set(lab.INSTRUCTOR_PLUGINS) <= disabled_plugins()


def test_the_learner_keeps_the_assignment_list_validate_and_the_menu():
    kept = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment",
            "@jupyter/nbgrader:menu"}
    assert kept <= nbgrader_plugin_ids()
    assert not kept & disabled_plugins()


def test_the_server_config_turns_off_nbgrader_instructor_extensions_and_loads_the_guard():
    extensions = json.loads(SERVER_CONFIG.read_text(encoding="utf-8"))["ServerApp"]["jpserver_extensions"]
    off = {name for name, on in extensions.items() if not on}
    assert off == {"nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"}
    assert extensions["rnn_course.lab"] is True
    for name in extensions:
        assert importlib.util.find_spec(name) is not None, f"no module {name}"
    kept = ("assignment_list", "validate_assignment")
    assert not any(name.endswith(kept) for name in off)


def test_the_package_ships_the_configuration():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    shipped = re.search(r'"rnn_course.lab" = \[(.*?)\]', text).group(1)
    for path in (PAGE_CONFIG, SERVER_CONFIG):
        relative = path.relative_to(lab.CONFIG_DIR.parent).as_posix()
        assert any(Path(relative).match(pattern.strip(' "')) for pattern in shipped.split(",")), relative


def test_lab_sh_uses_this_configuration_unless_asked_for_the_instructor_tools():
    script = (ROOT / "scripts" / "lab.sh").read_text(encoding="utf-8")
    assert 'JUPYTER_CONFIG_PATH="$PWD/rnn_course/lab/jupyter_config' in script
    assert "--instructor" in script and "--allow-root" in script


class _Handler:
    """Stands for jupyter_server's KernelWebsocketHandler: ``pre_get`` waits for the kernel,
    during which the browser may leave (``on_close`` sets ``connection`` to None)."""

    def __init__(self, browser_leaves: bool):
        self.browser_leaves = browser_leaves
        self.kernel_id = "k-1"
        self.log = logging.getLogger("test-lab-guard")

    async def pre_get(self):
        self.connection = object()
        await asyncio.sleep(0)
        if self.browser_leaves:
            self.connection = None


def run(coroutine):
    """Run ``coroutine`` on an event loop of its own thread (Playwright's sync API may hold
    this thread's loop when the browser tests ran first in the same session)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_guard_stops_a_connection_the_browser_left(caplog):
    class Handler(_Handler):
        pass

    assert lab.guard_early_close(Handler) is True
    assert lab.guard_early_close(Handler) is False  # once only
    with caplog.at_level(logging.INFO, logger="test-lab-guard"):
        with pytest.raises(web.Finish):
            run(Handler(browser_leaves=True).pre_get())
    assert "k-1: the browser closed this connection while the kernel was starting" in caplog.text
    run(Handler(browser_leaves=False).pre_get())  # a live connection goes on


def test_the_race_is_still_there_upstream():
    """When jupyter_server fixes it (jupyter-server/jupyter_server#1265), the guard can go."""
    websocket = importlib.import_module("jupyter_server.services.kernels.websocket")
    source = Path(websocket.__file__).read_text(encoding="utf-8")
    assert "self.connection = None" in source
    assert "preferred_protocol = self.connection.kernel_ws_protocol" in source
