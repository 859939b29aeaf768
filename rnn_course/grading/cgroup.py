"""Limits for a sandbox as a whole: a Linux control group around it and everything it starts.

Book: the instructor guide (what the sandbox protects).

``prlimit`` limits one process: a submission that forks gets the full memory limit again
in every child. A control group (cgroup) counts the sandbox and all its children together:
its memory (the private ``/tmp`` included, which lives in memory) and its number of
processes. :class:`Group` makes one per sandbox, under the grader's own group, where the
machine lets it: cgroup v1 with the ``memory`` and ``pids`` controllers (root can create
groups there), or cgroup v2 where the grader's group delegates both controllers. Elsewhere
``Group.create`` returns None with the reason, and the limits stay per process
(the verdict says so, and ``rnn-course-grade`` warns).
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_counter = itertools.count()

#: Joins the groups whose ``cgroup.procs`` files are given, then runs the command:
#: ``sh -c JOIN sh <n> <procs file> ... <command> ...``.
JOIN = ('n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; '
        'exec "$@"')


def _own_path(controller: str | None) -> str | None:
    """The grader's own group in a v1 hierarchy (``controller``) or in v2 (None)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if (controller is None and controllers == "") or (controller and controller in controllers.split(",")):
            return path
    return None


def _read_counter(path: Path, key: str) -> int:
    """The number after ``key`` in a flat-keyed cgroup file (``oom_kill 1``), 0 if absent."""
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


class Group:
    """One sandbox's control group (or pair of v1 groups): limits, what was hit, clean-up."""

    def __init__(self, dirs: dict[str, Path], version: int):
        self.dirs, self.version = dirs, version

    @classmethod
    def create(cls, memory_bytes: int, processes: int) -> tuple[Group | None, str]:
        """A new group with these limits, or None and why not."""
        name = f"rnn-course-sandbox-{os.getpid()}-{next(_counter)}"
        if (ROOT / "memory").is_dir() and (ROOT / "pids").is_dir():
            return cls._create_v1(name, memory_bytes, processes)
        if (ROOT / "cgroup.controllers").is_file():
            return cls._create_v2(name, memory_bytes, processes)
        return None, "this machine has no cgroup file system at /sys/fs/cgroup"

    @classmethod
    def _create_v1(cls, name, memory_bytes, processes):
        dirs = {}
        try:
            for controller in ("memory", "pids"):
                own = _own_path(controller) or "/"
                path = ROOT / controller / own.lstrip("/") / name
                path.mkdir()
                dirs[controller] = path
            (dirs["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
            swap = dirs["memory"] / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(memory_bytes))
            (dirs["pids"] / "pids.max").write_text(str(processes))
        except OSError as exc:
            Group(dirs, 1).close()
            return None, f"cannot make a cgroup v1 group ({exc.strerror or exc}); grade as root for whole-sandbox limits"
        return cls(dirs, 1), "cgroup v1"

    @classmethod
    def _create_v2(cls, name, memory_bytes, processes):
        own = ROOT / (_own_path(None) or "/").lstrip("/")
        try:
            delegated = (own / "cgroup.subtree_control").read_text().split()
        except OSError as exc:
            return None, f"cannot read the cgroup v2 controllers ({exc.strerror or exc})"
        if not {"memory", "pids"} <= set(delegated):
            return None, "the grader's cgroup v2 group does not delegate the memory and pids controllers"
        path = own / name
        try:
            path.mkdir()
            (path / "memory.max").write_text(str(memory_bytes))
            swap = path / "memory.swap.max"
            if swap.exists():
                swap.write_text("0")
            (path / "pids.max").write_text(str(processes))
        except OSError as exc:
            Group({"memory": path, "pids": path}, 2).close()
            return None, f"cannot make a cgroup v2 group ({exc.strerror or exc})"
        return cls({"memory": path, "pids": path}, 2), "cgroup v2"

    def command(self, cmd: list[str]) -> list[str]:
        """``cmd``, run inside the group (it joins before it starts)."""
        procs = sorted({str(d / "cgroup.procs") for d in self.dirs.values()})
        return ["/bin/sh", "-c", JOIN, "sh", str(len(procs)), *procs, *cmd]

    def counts(self) -> dict[str, int]:
        """How often each limit was hit so far: ``memory`` (processes killed for going over
        the memory limit) and ``processes`` (process starts refused)."""
        if self.version == 1:
            memory = _read_counter(self.dirs["memory"] / "memory.oom_control", "oom_kill")
        else:
            memory = _read_counter(self.dirs["memory"] / "memory.events", "oom_kill")
        return {"memory": memory, "processes": _read_counter(self.dirs["pids"] / "pids.events", "max")}

    def kill(self) -> None:
        """Kill every process in the group (a learner's forked children included)."""
        for _ in range(50):
            pids = set()
            for path in self.dirs.values():
                try:
                    pids |= {int(p) for p in (path / "cgroup.procs").read_text().split()}
                except (OSError, ValueError):
                    pass
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)

    def close(self) -> None:
        self.kill()
        for path in set(self.dirs.values()):
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # a killed process not yet gone
                    time.sleep(0.01)
        self.dirs = {}
