"""scripts/uv_install.py: pip's configuration handed to uv, or pip when it holds anything else."""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("uv_install", ROOT / "scripts" / "uv_install.py")
uv_install = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(uv_install)

#: What `pip config list` printed on the machine this was written on.
HERE = """:env:.cert='/etc/ssl/certs/ca-certificates.crt'
:env:.default-timeout='180'
:env:.disable-pip-version-check='1'
:env:.find-links='/opt/wheels'
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/opt/wheels'
"""


def test_where_pip_looks_becomes_where_uv_looks():
    assert uv_install.options(uv_install.read(HERE)) == [
        "--index-strategy", "unsafe-best-match",
        "--constraint", "/etc/xdg/pip/constraints.txt",
        "--extra-index-url", "file:///opt/pypi/simple", "--extra-index-url", "file:///opt/pypi-more/simple",
        "--find-links", "/opt/wheels"]


def test_the_environment_overrides_install_which_overrides_global():
    config = uv_install.read("global.index-url='https://a/simple'\ninstall.index-url='https://b/simple'\n"
                             ":env:.index-url='https://c/simple'\nglobal.no-index='false'\n")
    assert config == {"index-url": "https://c/simple", "no-index": "false"}
    assert uv_install.options(config) == ["--index-strategy", "unsafe-best-match", "--index-url", "https://c/simple"]
    assert "--no-index" in uv_install.options(uv_install.read(":env:.no-index='1'\n"))
    # sections that pip install does not read are left out
    assert uv_install.read("download.index-url='https://d/simple'\n") == {}


def test_anything_else_that_could_change_the_install_means_pip():
    for line in ("global.pre='true'", "install.only-binary=':all:'", ":env:.proxy='http://p:3128'",
                 "global.no-binary='numpy'", "install.upgrade-strategy='eager'"):
        assert uv_install.options(uv_install.read(HERE + line + "\n")) is None, line


def _fake_uv(tmp_path: Path) -> Path:
    uv = tmp_path / "uv"
    uv.write_text("#!/bin/sh\necho \"$SSL_CERT_FILE\" > \"$(dirname \"$0\")/cert\"\n"
                  "echo \"$@\" > \"$(dirname \"$0\")/args\"\n")
    uv.chmod(uv.stat().st_mode | stat.S_IXUSR)
    return uv


def test_uv_is_run_with_pips_sources_and_certificate(tmp_path):
    (tmp_path / "pip.conf").write_text("[global]\nextra-index-url = file:///x/simple\ncert = /x/ca.pem\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = str(tmp_path / "pip.conf")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "uv_install.py"), str(_fake_uv(tmp_path)),
                           "--python", "py", "-e", ".[all]"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    args = (tmp_path / "args").read_text().split()
    assert args[:2] == ["pip", "install"] and args[-4:] == ["--python", "py", "-e", ".[all]"]
    assert "--extra-index-url file:///x/simple" in " ".join(args)
    assert (tmp_path / "cert").read_text().strip() == "/x/ca.pem"


def test_a_configuration_it_does_not_translate_says_so_and_leaves_it_to_pip(tmp_path):
    (tmp_path / "pip.conf").write_text("[install]\npre = true\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = str(tmp_path / "pip.conf")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "uv_install.py"), str(_fake_uv(tmp_path)), "x"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == uv_install.USE_PIP
    assert "pre" in proc.stderr and "installing with pip" in proc.stderr
    assert not (tmp_path / "args").exists()
