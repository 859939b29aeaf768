"""The command that starts the sandbox: bubblewrap, with limits, seeing only Python and NumPy.

Book: the instructor guide (what the sandbox protects).

The sandbox sees ``/usr``, the Python installation (without its site-packages) and NumPy,
a private ``/tmp`` of bounded size, its own ``/proc`` and ``/dev``; it has no network, runs as ``nobody``
in its own namespaces, and is killed with its parent. Whatever of the course folder, the
virtual environment or the course package lies inside a folder it sees is covered with an
empty tmpfs. ``prlimit`` caps each process's memory, CPU time and file size; the sandbox as a
whole (memory, number of processes) is limited by its control group (:mod:`~rnn_course.grading.cgroup`).
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
#: The largest file the sandbox may write.
FILE_BYTES = 64 * 2**20


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing (or cannot start) and grading without a sandbox was not asked for."""


def _bound_paths() -> list[tuple[str, str]]:
    """(source, destination) pairs the sandbox sees, besides /proc, /dev and /tmp."""
    python = os.path.realpath(sys.executable)
    binds = [("/usr", "/usr")]
    for prefix in {os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(python))}:
        if not prefix.startswith("/usr/") and prefix != "/usr":
            binds.append((prefix, prefix))
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    binds.append((numpy_dir, "/sandbox/site/numpy"))
    libs = numpy_dir + ".libs"
    if os.path.isdir(libs):
        binds.append((libs, "/sandbox/site/numpy.libs"))
    return binds


def _hidden_inside(binds, extra_hidden) -> list[str]:
    """Paths under a bound folder that the sandbox must not see (covered with an empty tmpfs)."""
    candidates = {
        sysconfig.get_path("purelib", vars={"base": sys.base_prefix, "platbase": sys.base_prefix}),
        sysconfig.get_path("platlib", vars={"base": sys.base_prefix, "platbase": sys.base_prefix}),
        sys.prefix, str(HERE.parents[1]), *extra_hidden,
    }
    hidden = []
    for path in sorted(os.path.realpath(p) for p in candidates if p):
        if not os.path.isdir(path):
            continue
        for source, _ in binds:
            if source != path and os.path.commonpath([source, path]) == source:
                hidden.append(path)
    # Never hide the folder that holds the Python binary or NumPy.
    keep = {os.path.dirname(os.path.realpath(sys.executable)), os.path.dirname(np.__file__)}
    return [h for h in hidden if not any(os.path.commonpath([h, k]) == h for k in keep)]


BOOT = ("import sys; sys.path[:0] = [{grader!r}, {site!r}]; import runpy; "
        "runpy.run_path({grader!r} + '/harness.py', run_name='__main__')")


def sandbox_command(limits, harness_dir: str, hidden=()) -> list[str]:
    python = os.path.realpath(sys.executable)
    prlimit = shutil.which("prlimit")
    cpu = int(limits.notebook_seconds * 2 + 30)
    limit = [prlimit, f"--as={limits.memory_bytes}", f"--cpu={cpu}", f"--fsize={FILE_BYTES}", "--core=0", "--"]
    if prlimit is None:
        limit = []
    if limits.sandbox == "none":
        site = os.path.dirname(os.path.dirname(os.path.realpath(np.__file__)))
        return [*limit, python, "-I", "-S", "-B", "-c", BOOT.format(grader=harness_dir, site=site)]
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "grading runs the learner's code in a bubblewrap sandbox, but `bwrap` is not installed: "
            "install it (Debian/Ubuntu: apt-get install bubblewrap), or, for a class you trust, "
            "grade without a sandbox (--unsafe-no-sandbox)"
        )
    binds = _bound_paths()
    cmd = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--uid", "65534", "--gid", "65534",
           "--hostname", "sandbox", "--clearenv", "--setenv", "OPENBLAS_NUM_THREADS", "1",
           "--setenv", "HOME", "/tmp", "--setenv", "PATH", "/usr/bin:/bin"]
    for link in ("lib", "lib64", "bin", "sbin"):
        target = f"/{link}"
        if os.path.islink(target):
            cmd += ["--symlink", os.readlink(target), target]
        elif os.path.isdir(target):
            cmd += ["--ro-bind", target, target]
    for source, dest in binds:
        cmd += ["--ro-bind", source, dest]
    for path in _hidden_inside(binds, hidden):
        cmd += ["--tmpfs", path]
    cmd += ["--ro-bind", harness_dir, "/sandbox/grader", "--proc", "/proc", "--dev", "/dev",
            "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp", "--chdir", "/tmp"]
    return [*limit, *cmd, python, "-I", "-S", "-B", "-c", BOOT.format(grader="/sandbox/grader", site="/sandbox/site")]
