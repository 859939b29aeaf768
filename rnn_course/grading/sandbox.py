"""The grader's side of the sandbox: start it, define the answers, call the learner's functions.

Book: the instructor guide (what the sandbox protects).

The learner's answer cells run in a separate process started with bubblewrap (``bwrap``,
Debian package ``bubblewrap``): no network, a private ``/tmp``, the Python standard library
and NumPy only (no course folder, gradebook, other submissions, virtual environment or
course package), an unprivileged user, and limits on memory, CPU time and file size. The
grader talks to it through :mod:`~rnn_course.grading.harness` over a pipe with the
pickle-free format of :mod:`~rnn_course.grading.wire`. Each wait has a deadline: a function
that runs too long is stopped by killing the sandbox, which the next call starts again.
A control group (:mod:`~rnn_course.grading.cgroup`) limits the sandbox as a whole: memory
(its ``/tmp`` included) and the number of processes, however many it forks.

From the moment an answer cell runs, the sandbox is the learner's: every reply is checked
against its request (:mod:`~rnn_course.grading.replies`) before anything in it is used.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


from . import replies, wire
from .bwrap import FILE_BYTES, SandboxUnavailable, sandbox_command
from .cgroup import Group
from .replies import ProtocolViolation, SandboxCrash
from .streams import Output, Pipe, SandboxTimeout
from .stand_ins import Opaque, learner_exception

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Times are wall-clock seconds of the learner's code."""

    part_seconds: float = 10.0
    notebook_seconds: float = 60.0
    memory_bytes: int = 2 * 2**30  # each process, and the sandbox as a whole (with its /tmp)
    output_chars: int = 20_000
    sandbox: str = "bwrap"  # or "none": no isolation (only for a trusted class, see the guide)
    processes: int = 32  # processes and threads of the sandbox as a whole
    tmp_bytes: int = 64 * 2**20  # the sandbox's private /tmp
    answer_chars: int = 1_000_000  # the largest answer cell that is run

    def as_dict(self) -> dict:
        return {"part_seconds": self.part_seconds, "notebook_seconds": self.notebook_seconds,
                "memory_bytes": self.memory_bytes, "output_chars": self.output_chars, "sandbox": self.sandbox,
                "processes": self.processes, "tmp_bytes": self.tmp_bytes, "answer_chars": self.answer_chars}


class Sandbox:
    """One learner's answer cells, defined in a sandbox process that answers calls.

    ``answers`` are ``(cell id, source)`` pairs; ``prelude`` the notebook's locked setup
    cells (imports); ``allowed`` maps the names of rnn_course answers may use to their source.
    ``events`` collects the limits crossed and the protocol broken, ``(kind, cause)`` pairs,
    for the grading report (the caller takes them with ``take_events``).
    """

    def __init__(self, answers, *, prelude=(), allowed=None, limits=Limits(), hidden=()):
        self.answers = list(answers)
        self.prelude, self.allowed, self.limits, self.hidden = list(prelude), dict(allowed or {}), limits, hidden
        self.proc = None
        self.group: Group | None = None
        self.whole_limits = "not started"  # how the sandbox as a whole is limited (cgroup v1, v2, or why not)
        self.generation = 0
        self.seq = 0  # the number of the last request; every reply must carry it
        self.fatal: dict[str, str] = {}  # answer cells whose definition killed the sandbox
        self.defined: dict[str, dict | None] = {}  # cell id -> error of its definition, or None
        self.used = 0.0  # seconds of the learner's code so far
        self.output = Output(limits.output_chars)
        self.events: list[tuple[str, str]] = []
        self._counts = {"memory": 0, "processes": 0}
        self._dir = None

    # --- lifetime -------------------------------------------------------------------------
    def _launch(self) -> None:
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="rnn-course-harness-")
            for name in ("harness.py", "wire.py"):
                shutil.copy(HERE / name, self._dir)
            os.chmod(self._dir, 0o755)
        cmd = sandbox_command(self.limits, self._dir, self.hidden)
        self.group, self.whole_limits = Group.create(self.limits.memory_bytes, self.limits.processes)
        self._counts = {"memory": 0, "processes": 0}
        if self.group is not None:
            cmd = self.group.command(cmd)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OPENBLAS_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, cwd="/", start_new_session=True)
        self.pipe = Pipe(self.proc.stdout)
        self.output.attach(self.proc.stderr)
        self.generation += 1

    def start(self, timeout: float) -> None:
        """Start the sandbox and define every answer cell (a cell that kills it is left out)."""
        for _ in range(len(self.answers) + 2):
            self.stop()
            self._launch()
            try:
                header, _ = self._wait(timeout)
                replies.reply(header, None, ("ready",))
                self._request({"op": "prelude", "sources": self.prelude, "allowed": self.allowed}, [], timeout,
                              ("ok",))
            except (SandboxTimeout, SandboxCrash) as exc:
                self.stop()
                raise SandboxUnavailable(f"the sandbox could not start: {exc}\n{self.output_text()[-2000:]}") from None
            current = None
            try:
                for cell, source in self.answers:
                    if cell in self.fatal:
                        continue
                    current = cell
                    if len(source) > self.limits.answer_chars:
                        self._left_out(cell, "size", f"answer cell {cell} has {len(source):,} characters, over the "
                                       f"limit of {self.limits.answer_chars:,}: it was not run")
                        continue
                    header, _ = self._request({"op": "exec", "cell": cell, "source": source}, [], timeout,
                                              ("ok", "raise"))
                    self.defined[cell] = None if header["op"] == "ok" else replies.raised(header)
                    if header["op"] == "raise":
                        self._note_resource(self.defined[cell], f"defining answer cell {cell}")
                return
            except (SandboxTimeout, SandboxCrash) as exc:
                self.fatal[current] = str(exc)
                self.defined[current] = {"ename": type(exc).__name__, "builtin": False, "bases": [],
                                         "evalue": f"defining this cell {exc}"}
                kind = exc.kind if isinstance(exc, SandboxCrash) else "time"
                self.events.append((kind, f"defining answer cell {current} stopped the sandbox: {exc}"))
        raise SandboxCrash("the answer cells could not be defined")

    def _left_out(self, cell: str, kind: str, cause: str) -> None:
        self.fatal[cell] = cause
        self.defined[cell] = {"ename": "SandboxLimit", "builtin": False, "bases": [], "evalue": cause}
        self.events.append((kind, cause))

    def _note_resource(self, error: dict, where: str) -> None:
        """A limit named by an exception the learner's code met: memory, a full /tmp, a file too large."""
        if error["ename"] == "MemoryError" or "MemoryError" in error["bases"]:
            self.events.append(("memory", f"{where} ran out of memory (limit "
                                          f"{self.limits.memory_bytes / 2**30:g} GiB)"))
        elif "[Errno 28]" in error["evalue"]:  # ENOSPC
            self.events.append(("disk", f"{where} filled the sandbox's /tmp (limit "
                                        f"{self.limits.tmp_bytes / 2**20:g} MiB)"))
        elif "[Errno 27]" in error["evalue"]:  # EFBIG: prlimit's file size
            self.events.append(("disk", f"{where} wrote a file larger than the limit of {FILE_BYTES / 2**20:g} MiB"))

    def take_events(self) -> list[tuple[str, str]]:
        """The limits crossed and violations seen since the last call (and forget them)."""
        self._check_counts()
        events, self.events = self.events, []
        return events

    def _check_counts(self) -> None:
        """Note the group's limits hit since the last look (process starts refused, say)."""
        if self.group is None:
            return
        counts = self.group.counts()
        if counts["processes"] > self._counts["processes"]:
            self.events.append(("processes", f"tried to start more than {self.limits.processes} processes or "
                                             f"threads at once; the extra ones were refused"))
        if counts["memory"] > self._counts["memory"]:
            self.events.append(("memory", f"a process was killed: the sandbox went over its memory limit of "
                                          f"{self.limits.memory_bytes / 2**30:g} GiB (all its processes together)"))
        self._counts = counts

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.group is not None:
            self.group.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.output.thread.join(timeout=2)
        self.proc.stderr.close()
        self.proc = None
        if self.group is not None:
            self._check_counts()
            self.group.close()
            self.group = None

    def close(self) -> None:
        self.stop()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def output_text(self) -> str:
        """What the learner's code printed since the last call (up to the notebook's limit)."""
        if self.alive():
            time.sleep(0.005)  # let the reader thread catch up with the last prints
        return self.output.take()

    # --- messages -------------------------------------------------------------------------
    def _send(self, header, blobs) -> None:
        try:
            wire.write_message(self.proc.stdin, header, blobs)
        except (BrokenPipeError, OSError, ValueError):
            raise self._crashed() from None

    def _crashed(self) -> SandboxCrash:
        """Why the sandbox stopped answering: it ended (how), or it closed the pipe and lives on."""
        try:
            code = self.proc.wait(timeout=2) if self.proc else None
        except subprocess.TimeoutExpired:
            self.stop()
            return ProtocolViolation("it closed its end of the connection")
        counts = self.group.counts() if self.group is not None else self._counts
        oom = counts["memory"] > self._counts["memory"]
        self._counts["memory"] = counts["memory"]  # reported here, not again as an event
        self.stop()
        if oom:
            return SandboxCrash(f"the process running your code was killed: the sandbox went over its memory "
                                f"limit of {self.limits.memory_bytes / 2**30:g} GiB (all its processes together)",
                                kind="memory")
        why = {0: "exit status 0 (os._exit or sys.exit?)", -9: "killed (out of memory or CPU time?)",
               -signal.SIGXCPU: "killed: it used up its CPU time", 125: "it could not join its control group"}
        return SandboxCrash(f"the process running your code ended: {why.get(code, f'exit status {code}')}")

    def _wait(self, timeout: float):
        start = time.monotonic()
        self.pipe.deadline = start + timeout
        try:
            return wire.read_message(self.pipe)
        except SandboxTimeout:
            self.stop()
            raise SandboxTimeout(f"did not finish within {timeout:.0f} s: is there a loop that never ends?") from None
        except EOFError:
            raise self._crashed() from None
        except wire.WireError as exc:
            self.stop()
            raise ProtocolViolation(str(exc)) from None
        finally:
            self.used += time.monotonic() - start

    def _request(self, header, blobs, timeout: float, ops: tuple[str, ...]):
        """Send a request and return the reply, checked to be one of ``ops`` answering it."""
        self.seq += 1
        self._send({**header, "seq": self.seq}, blobs)
        reply = self._wait(timeout)
        self._check(reply[0], ops)
        return reply

    def _check(self, header, ops: tuple[str, ...]) -> str:
        try:
            return replies.reply(header, self.seq, ops)
        except ProtocolViolation:
            self.stop()
            raise

    # --- values and calls -----------------------------------------------------------------
    def _decoder(self, blobs, nodes=None) -> wire.Decoder:
        generation = self.generation

        def handle(tagged):
            number, type_name = tagged["$handle"], tagged.get("type", "object")
            if type(number) is not int or number < 0 or not isinstance(type_name, str) or len(type_name) > 200:
                raise wire.WireError("a malformed handle")
            return Opaque(number, type_name, generation)

        return wire.Decoder(blobs, nodes=nodes, special={"$handle": handle})

    def _decode(self, decoder, value, what: str):
        try:
            return replies.decode(decoder, value, what)
        except ProtocolViolation:
            self.stop()
            raise

    def _encoder(self, callbacks: list, number_nodes: bool) -> wire.Encoder:
        def fallback(value):
            if isinstance(value, Opaque):
                if value.generation != self.generation:
                    raise TypeError(f"a {value.type_name} from an earlier run of your code (it was restarted)")
                return {"$handle": value.number}
            if callable(value):
                callbacks.append(value)
                return {"$fn": len(callbacks) - 1}
            raise TypeError(f"the grader cannot send a {type(value).__name__} to your code")

        return wire.Encoder(number_nodes=number_nodes, fallback=fallback)

    def inspect(self, names, timeout: float) -> dict:
        """``{name: (kind, value)}`` for exactly ``names``: ``missing``, ``callable`` or ``value``."""
        names = list(names)
        header, blobs = self._request({"op": "inspect", "names": names}, [], timeout, ("names",))
        try:
            found = replies.names(header, names)
        except ProtocolViolation:
            self.stop()
            raise
        out = {}
        for name in names:
            info = found[name]
            value = self._decode(self._decoder(blobs), info["value"], f"the value of {name}") \
                if info["kind"] == "value" else None
            out[name] = (info["kind"], value)
        return out

    def call(self, name: str, args: tuple, kwargs: dict, timeout: float):
        """Call the learner's ``name``; write the arguments' new contents back; return its result."""
        callbacks: list = []
        enc = self._encoder(callbacks, number_nodes=True)
        message = {"op": "call", "name": name, "args": enc.encode(tuple(args)), "kwargs": enc.encode(dict(kwargs))}
        deadline = time.monotonic() + timeout
        self.seq += 1
        self._send({**message, "seq": self.seq}, enc.blobs)
        while True:
            header, blobs = self._wait(max(deadline - time.monotonic(), 0.001))
            op = self._check(header, ("return", "raise", "callback"))
            if op == "callback":
                self._answer_callback(header, blobs, callbacks)
                continue
            dec = self._decoder(blobs, nodes=enc.nodes)
            self._decode(dec, header.get("args", {"$tuple": []}), f"the arguments {name} left")
            self._decode(dec, header.get("kwargs", {"$dict": []}), f"the arguments {name} left")
            result = self._decode(dec, header.get("result"), f"the value {name} returned")
            if op == "raise":
                error = replies.raised(header)
                self._note_resource(error, name)
                raise learner_exception(error["ename"], error["builtin"], error["evalue"], error["bases"])
            return result

    def _answer_callback(self, header, blobs, callbacks) -> None:
        fn = callbacks[self._callback_number(header, len(callbacks))]
        dec = self._decoder(blobs)
        args = self._decode(dec, header.get("args"), "a callback's arguments")
        kwargs = self._decode(dec, header.get("kwargs"), "a callback's arguments")
        if not isinstance(args, tuple) or not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
            self.stop()
            raise ProtocolViolation("a callback's arguments are not a tuple and a dict of names")
        try:
            value = fn(*args, **kwargs)
            enc = self._encoder([], number_nodes=False)
            reply = {"op": "callback_return", "value": enc.encode(value)}
            blobs_out = enc.blobs
        except Exception as exc:  # noqa: BLE001 - the grader's function refused the learner's arguments
            reply, blobs_out = {"op": "callback_raise", "evalue": f"{type(exc).__name__}: {exc}"}, []
        self._send({**reply, "seq": self.seq}, blobs_out)

    def _callback_number(self, header, count: int) -> int:
        try:
            return replies.callback_number(header, count)
        except ProtocolViolation:
            self.stop()
            raise
