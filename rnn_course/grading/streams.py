"""The sandbox's two streams, read by the grader: its answers with a deadline, its prints up to a limit.

Book: the instructor guide (what the sandbox protects).
"""

from __future__ import annotations

import os
import select
import threading
import time


class SandboxTimeout(TimeoutError):
    """The learner's code did not answer before its deadline."""


class Output:
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


class Pipe:
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
