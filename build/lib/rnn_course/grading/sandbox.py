"""The grader's side of the sandbox: start it, define the answers, call the learner's functions.

Book: the instructor guide (what the sandbox protects).

The learner's answer cells run in a separate process started with bubblewrap (``bwrap``,
Debian package ``bubblewrap``): no network, a private ``/tmp``, the Python standard library
and NumPy only (no course folder, gradebook, other submissions, virtual environment or
course package), an unprivileged user, and limits on memory, CPU time and file size. The
grader talks to it through :mod:`~rnn_course.grading.harness` over a pipe with the
pickle-free format of :mod:`~rnn_course.grading.wire`. Each wait has a deadline: a function
that runs too long is stopped by killing the sandbox, which the next call starts again.
"""

from __future__ import annotations

import builtins
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


from . import wire
from .bwrap import SandboxUnavailable, sandbox_command

HERE = Path(__file__).resolve().parent


class SandboxTimeout(TimeoutError):
    """The learner's code did not answer before its deadline."""


class SandboxCrash(RuntimeError):
    """The process running the learner's code ended (os._exit, a crash, a memory kill)."""


class LearnerException(Exception):
    """Base of the exceptions that stand for a learner's exception of a type that is not built in."""


class ReferenceUnavailable(LearnerException):
    """The learner called rnn_course's reference implementation, which grading does not provide."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Times are wall-clock seconds of the learner's code."""

    part_seconds: float = 10.0
    notebook_seconds: float = 60.0
    memory_bytes: int = 2 * 2**30
    output_chars: int = 20_000
    sandbox: str = "bwrap"  # or "none": no isolation (only for a trusted class, see the guide)

    def as_dict(self) -> dict:
        return {"part_seconds": self.part_seconds, "notebook_seconds": self.notebook_seconds,
                "memory_bytes": self.memory_bytes, "output_chars": self.output_chars, "sandbox": self.sandbox}


class Opaque:
    """A value the learner's function returned that cannot leave the sandbox (a custom cache, say).

    It can be passed back to the learner's functions; the checks see only its type name.
    """

    def __init__(self, number: int, type_name: str, generation: int):
        self.number, self.type_name, self.generation = number, type_name, generation

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"

    def __deepcopy__(self, memo):
        return self


def learner_exception(ename: str, builtin: bool, evalue: str, bases=()) -> Exception:
    """The grader's stand-in for an exception raised in the sandbox: the same type name, and
    an instance of the same built-in exception class (numpy's MemoryError is a MemoryError)."""
    if ename == "ReferenceUnavailable":
        return ReferenceUnavailable(evalue)
    base = getattr(builtins, bases[0], None) if bases else None
    if not (isinstance(base, type) and issubclass(base, Exception)) or base is StopIteration:
        base = None
    if builtin and base is not None and base.__name__ == ename:
        try:
            return base(evalue)
        except TypeError:
            pass
    name = ename if ename.isidentifier() else "Exception"
    try:
        cls = type(name, (base, LearnerException) if base else (LearnerException,), {"__module__": "learner"})
        return cls(evalue)
    except TypeError:
        return type(name, (LearnerException,), {"__module__": "learner"})(evalue)


class _Output:
    """The learner's prints (the sandbox's stderr), kept up to a limit for the whole notebook."""

    def __init__(self, limit: int):
        self.limit, self.kept, self.dropped = limit, 0, 0
        self.parts: list[str] = []
        self.lock = threading.Lock()
        self.thread = None

    def attach(self, stream) -> None:
        """Read a new process's stream (after a restart), on a thread."""
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        while True:
            try:
                chunk = stream.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            text = chunk.decode("utf-8", errors="replace")
            with self.lock:
                room = max(self.limit - self.kept, 0)
                if room:
                    self.parts.append(text[:room])
                    self.kept += min(room, len(text))
                self.dropped += max(0, len(text) - room)

    def take(self) -> str:
        with self.lock:
            text, self.parts = "".join(self.parts), []
            return text


class _Pipe:
    """Reads the sandbox's answers with a deadline."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.stream = stream
        self.deadline = None

    def read(self, n: int) -> bytes:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise SandboxTimeout("no answer before the deadline")
        return os.read(self.fd, n)


class Sandbox:
    """One learner's answer cells, defined in a sandbox process that answers calls.

    ``answers`` are ``(cell id, source)`` pairs; ``prelude`` the notebook's locked setup
    cells (imports); ``allowed`` maps the names of rnn_course answers may use to their source.
    ``events`` collects what went wrong (timeouts, crashes) for the report.
    """

    def __init__(self, answers, *, prelude=(), allowed=None, limits=Limits(), hidden=()):
        self.answers = list(answers)
        self.prelude, self.allowed, self.limits, self.hidden = list(prelude), dict(allowed or {}), limits, hidden
        self.proc = None
        self.generation = 0
        self.fatal: dict[str, str] = {}  # answer cells whose definition killed the sandbox
        self.defined: dict[str, dict | None] = {}  # cell id -> error of its definition, or None
        self.used = 0.0  # seconds of the learner's code so far
        self.output = _Output(limits.output_chars)
        self._dir = None

    # --- lifetime -------------------------------------------------------------------------
    def _launch(self) -> None:
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="rnn-course-harness-")
            for name in ("harness.py", "wire.py"):
                shutil.copy(HERE / name, self._dir)
            os.chmod(self._dir, 0o755)
        cmd = sandbox_command(self.limits, self._dir, self.hidden)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OPENBLAS_NUM_THREADS": "1"}
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, cwd="/", start_new_session=True)
        self.pipe = _Pipe(self.proc.stdout)
        self.output.attach(self.proc.stderr)
        self.generation += 1

    def start(self, timeout: float) -> None:
        """Start the sandbox and define every answer cell (a cell that kills it is left out)."""
        for _ in range(len(self.answers) + 2):
            self.stop()
            self._launch()
            try:
                header, _ = self._wait(timeout)
                if header.get("op") != "ready":
                    raise SandboxCrash(f"the sandbox did not start: {self.output_text()[-2000:]}")
                self._request({"op": "prelude", "sources": self.prelude, "allowed": self.allowed}, [], timeout)
            except (SandboxTimeout, SandboxCrash, EOFError, wire.WireError) as exc:
                self.stop()
                raise SandboxUnavailable(f"the sandbox could not start: {exc}\n{self.output_text()[-2000:]}") from None
            current = None
            try:
                for cell, source in self.answers:
                    if cell in self.fatal:
                        continue
                    current = cell
                    header, _ = self._request({"op": "exec", "cell": cell, "source": source}, [], timeout)
                    self.defined[cell] = None if header["op"] == "ok" else header
                return
            except (SandboxTimeout, SandboxCrash) as exc:
                self.fatal[current] = str(exc)
                self.defined[current] = {"op": "raise", "ename": type(exc).__name__, "builtin": False,
                                         "evalue": f"defining this cell {exc}"}
        raise SandboxCrash("the answer cells could not be defined")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.output.thread.join(timeout=2)
        self.proc.stderr.close()
        self.proc = None

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
        code = self.proc.wait(timeout=5) if self.proc else None
        self.stop()
        why = {0: "exit status 0 (os._exit or sys.exit?)", -9: "killed (out of memory or CPU time?)"}
        return SandboxCrash(f"the process running your code ended: {why.get(code, f'exit status {code}')}")

    def _wait(self, timeout: float):
        start = time.monotonic()
        self.pipe.deadline = start + timeout
        try:
            return wire.read_message(self.pipe)
        except SandboxTimeout:
            self.stop()
            raise SandboxTimeout(f"did not finish within {timeout:.0f} s: is there a loop that never ends?") from None
        except (EOFError, wire.WireError):
            raise self._crashed() from None
        finally:
            self.used += time.monotonic() - start

    def _request(self, header, blobs, timeout: float):
        self._send(header, blobs)
        reply = self._wait(timeout)
        if reply[0].get("op") == "error":
            raise SandboxCrash(f"the sandbox refused a request: {reply[0].get('evalue')}")
        return reply

    # --- values and calls -----------------------------------------------------------------
    def _decoder(self, blobs, nodes=None, callbacks=None) -> wire.Decoder:
        def handle(tagged):
            return Opaque(tagged["$handle"], str(tagged.get("type", "object")), self.generation)

        return wire.Decoder(blobs, nodes=nodes, special={"$handle": handle})

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
        header, blobs = self._request({"op": "inspect", "names": list(names)}, [], timeout)
        found = {}
        for name, info in header.get("names", {}).items():
            if info.get("kind") == "value":
                found[name] = ("value", self._decoder(blobs).decode(info["value"]))
            else:
                found[name] = (info.get("kind"), None)
        return found

    def call(self, name: str, args: tuple, kwargs: dict, timeout: float):
        """Call the learner's ``name``; write the arguments' new contents back; return its result."""
        callbacks: list = []
        enc = self._encoder(callbacks, number_nodes=True)
        message = {"op": "call", "name": name, "args": enc.encode(tuple(args)), "kwargs": enc.encode(dict(kwargs))}
        deadline = time.monotonic() + timeout
        self._send(message, enc.blobs)
        while True:
            header, blobs = self._wait(max(deadline - time.monotonic(), 0.001))
            op = header.get("op")
            if op == "callback":
                self._answer_callback(header, blobs, callbacks)
                continue
            if op not in ("return", "raise"):
                raise SandboxCrash(f"the sandbox answered {op!r}: {header.get('evalue', '')}")
            dec = self._decoder(blobs, nodes=enc.nodes)
            try:
                dec.decode(header.get("args"))
                dec.decode(header.get("kwargs"))
                result = dec.decode(header.get("result"))
            except (wire.WireError, KeyError, TypeError, ValueError) as exc:
                raise SandboxCrash(f"the values your function returned could not be read: {exc}") from None
            if op == "raise":
                raise learner_exception(str(header.get("ename")), bool(header.get("builtin")),
                                        str(header.get("evalue", "")), [str(b) for b in header.get("bases") or []])
            return result

    def _answer_callback(self, header, blobs, callbacks) -> None:
        try:
            fn = callbacks[header["id"]]
            dec = self._decoder(blobs)
            value = fn(*dec.decode(header["args"]), **dec.decode(header["kwargs"]))
            enc = self._encoder([], number_nodes=False)
            reply = {"op": "callback_return", "value": enc.encode(value)}
            blobs_out = enc.blobs
        except Exception as exc:  # noqa: BLE001 - the grader's function refused the learner's arguments
            reply, blobs_out = {"op": "callback_raise", "evalue": f"{type(exc).__name__}: {exc}"}, []
        self._send(reply, blobs_out)
