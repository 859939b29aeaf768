"""Wheels of packages installed in this environment, packed again from their installed files,
for tests/test_jupyterhub_class.py: deploy/jupyterhub/setup.sh installs the deployment's own
environment from them (RNN_COURSE_WHEELHOUSE, pip --no-index) in seconds, where asking the
package index about some 150 packages takes minutes. The versions are the ones installed here,
the ones pyproject.toml pins.

A distribution that the deployment's Python may not install (Debian 12's Python 3.11.2 and
soupsieve's ``Requires-Python >=3.11.5``) is downloaded at the newest version it may, as pip
would pick. An installed distribution lists its files in RECORD; those inside site-packages go back to the
root of the wheel, those installed elsewhere (share/jupyter/..., etc/jupyter/...) under its
``.data/data`` folder; the console scripts are left out (pip makes them again from
entry_points.txt).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata as md
import io
import re
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name


def closure(requirement: str) -> list[md.Distribution]:
    """The installed distributions that ``requirement`` needs (itself excluded), recursively."""
    todo, seen, found = [Requirement(requirement)], set(), {}
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        dist = md.distribution(req.name)
        found[canonicalize_name(req.name)] = dist
        for text in dist.requires or []:
            dep = Requirement(text)
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in (req.extras or {""})):
                todo.append(dep)
    found.pop(canonicalize_name(Requirement(requirement).name))
    return list(found.values())


def _tags(dist: md.Distribution) -> str:
    tags = [line.split(":", 1)[1].strip() for line in (dist.read_text("WHEEL") or "").splitlines()
            if line.startswith("Tag:")]
    if not tags:
        raise ValueError(f"{dist.metadata['Name']} was not installed from a wheel: cannot repack it")
    py, abi, plat = (sorted({t.split("-")[i] for t in tags}) for i in range(3))
    return f"{'.'.join(py)}-{'.'.join(abi)}-{'.'.join(plat)}"


def repack(dist: md.Distribution, folder: Path) -> Path:
    """A wheel of ``dist`` in ``folder``, from its installed files."""
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    version = dist.version
    wheel = folder / f"{name}-{version}-{_tags(dist)}.whl"
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    prefix = Path(sysconfig.get_paths()["data"]).resolve()
    scripts = {ep.name for ep in dist.entry_points if ep.group in ("console_scripts", "gui_scripts")}
    data = f"{name}-{version}.data/data"
    records = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as zf:
        dist_info = None
        for row in csv.reader(io.StringIO(dist.read_text("RECORD"))):
            if not row:
                continue
            path = (site / row[0]).resolve()
            try:
                arcname = path.relative_to(site).as_posix()
            except ValueError:
                relative = path.relative_to(prefix)
                if relative.parts[0] == "bin" and relative.name in scripts:
                    continue  # made again by pip
                arcname = f"{data}/{relative.as_posix()}"
            own = arcname.count("/") == 1 and arcname.split("/")[0].endswith(".dist-info")  # not a vendored one
            if own and arcname.endswith("/RECORD"):
                dist_info = arcname.split("/")[0]
                continue
            if (own and arcname.endswith(("/INSTALLER", "/REQUESTED", "/direct_url.json"))) or "__pycache__" in arcname:
                continue
            content = path.read_bytes()
            zf.writestr(arcname, content)
            digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
            records.append((arcname, f"sha256={digest}", str(len(content))))
        lines = io.StringIO()
        csv.writer(lines).writerows([*records, (f"{dist_info}/RECORD", "", "")])
        zf.writestr(f"{dist_info}/RECORD", lines.getvalue())
    return wheel


def build(folder: Path, requirement: str, python: str, also: tuple[str, ...] = ("setuptools",)) -> list[str]:
    """Wheels in ``folder`` of every installed distribution that ``requirement`` needs, and of
    the ones named in ``also`` (setuptools: pip builds the course's own wheel with it), for
    the Python ``python`` ("3.11.2"). A distribution that this Python may not install (its
    Requires-Python) is downloaded instead, at the newest version that it may: the one pip
    would pick. Returns the names of those."""
    folder.mkdir(parents=True, exist_ok=True)
    dists = {canonicalize_name(d.metadata["Name"]): d for d in closure(requirement)}
    dists.update({canonicalize_name(n): md.distribution(n) for n in also})
    downloaded = []
    for name, dist in dists.items():
        allowed = dist.metadata.get("Requires-Python")
        if allowed and python not in SpecifierSet(allowed):
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                            "--no-deps", "--only-binary=:all:", "--python-version", python, "-d", str(folder),
                            name], check=True, capture_output=True, text=True, timeout=600)
            downloaded.append(name)
        else:
            repack(dist, folder)
    return downloaded
