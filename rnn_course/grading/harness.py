"""The sandbox side of grading: define the learner's answer cells, then answer calls.

Book: the instructor guide (what the sandbox protects).

This file runs inside the sandbox (see :mod:`rnn_course.grading.sandbox`), as a script,
with only the standard library, NumPy and :mod:`~rnn_course.grading.wire` on its path. It never sees a check
or a test: the grader sends it the answer cells to define, then asks it to call a function
with arguments and sends back the result and the arguments as the call left them.

``rnn_course`` inside the sandbox is a stand-in: the few helpers the assignment allows
(``sigmoid`` in the LSTM exercise, say) are real, and every other name is a placeholder
that raises :class:`ReferenceUnavailable` when called, so delegating to the reference
implementation fails with a message that says why.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import os
import sys
import types

try:  # as part of the package (tests) or as a script in the sandbox
    from . import wire
except ImportError:  # pragma: no cover - the sandbox's way
    import wire  # type: ignore[no-redef]

import numpy as np

MAX_TEXT = 4000


class ReferenceUnavailable(Exception):
    """The learner called something of rnn_course that grading does not provide."""


class Unavailable:
    """Stands for a name of rnn_course that answer cells may not use while grading."""

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Unavailable(f"{self._name}.{attr}")

    def __call__(self, *args, **kwargs):
        raise ReferenceUnavailable(
            f"{self._name} is not available when grading: the grader runs your functions without "
            f"the course's reference implementation, and delegating to it earns no points. "
            f"Write the computation yourself with NumPy."
        )

    def __repr__(self) -> str:
        return f"<{self._name}: not available when grading>"


class _StandIn(types.ModuleType):
    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Unavailable(f"{self.__name__}.{attr}")


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of ``rnn_course`` and its submodules give stand-ins."""

    def __init__(self, allowed: dict):
        self.allowed = allowed

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "rnn_course" or fullname.startswith("rnn_course."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StandIn(spec.name)
        module.__path__ = []
        if spec.name == "rnn_course":
            for name, fn in self.allowed.items():
                setattr(module, name, fn)
        return module

    def exec_module(self, module):
        pass


class Harness:
    def __init__(self, stream_in, stream_out):
        self.stream_in, self.stream_out = stream_in, stream_out
        self.namespace: dict = {"__name__": "__main__"}
        self.handles: list = []
        self.seq = None  # the number of the request being answered (every reply carries it)

    # --- values ---------------------------------------------------------------------------
    def _handle(self, value) -> dict:
        self.handles.append(value)
        return {"$handle": len(self.handles) - 1, "type": type(value).__name__}

    def _from_handle(self, tagged: dict):
        index = tagged["$handle"]
        if not isinstance(index, int) or not 0 <= index < len(self.handles):
            raise wire.WireError("a handle from an earlier run of the sandbox")
        return self.handles[index]

    def _callback(self, tagged: dict):
        number = tagged["$fn"]

        def call_grader(*args, **kwargs):
            enc = wire.Encoder(fallback=self._handle)
            self.send({"op": "callback", "seq": self.seq, "id": number, "args": enc.encode(tuple(args)),
                       "kwargs": enc.encode(dict(kwargs))}, enc.blobs)
            header, blobs = self.serve(until=("callback_return", "callback_raise"))
            if header["op"] == "callback_raise":
                raise RuntimeError(str(header.get("evalue", "the grader's function failed")))
            return self.decoder(blobs).decode(header["value"])

        return call_grader

    def decoder(self, blobs, record=None) -> wire.Decoder:
        return wire.Decoder(blobs, record=record, special={"$handle": self._from_handle, "$fn": self._callback})

    # --- messages -------------------------------------------------------------------------
    def send(self, header: dict, blobs=()) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        wire.write_message(self.stream_out, header, list(blobs))

    def answer(self, header: dict, blobs=()) -> None:
        """Send the reply to the request being served (with its number)."""
        self.send({**header, "seq": self.seq}, blobs)

    def serve(self, until=()):
        """Answer requests; return the first message whose op is in ``until``."""
        while True:
            header, blobs = wire.read_message(self.stream_in)
            op = header.get("op")
            if op in until:
                return header, blobs
            if op == "quit":
                raise SystemExit(0)
            self.seq = header.get("seq")
            handler = getattr(self, f"op_{op}", None)
            if handler is None:
                self.answer({"op": "error", "ename": "WireError", "evalue": f"unknown op {op!r}"})
                continue
            handler(header, blobs)

    def op_prelude(self, header, blobs):
        """Install the stand-in rnn_course and run the notebook's locked setup (its imports)."""
        allowed = {}
        for name, source in header.get("allowed", {}).items():
            scope = {"np": np, "__name__": "rnn_course"}
            exec(compile(source, f"<rnn_course.{name}>", "exec"), scope)
            allowed[name] = scope[name]
        sys.meta_path.insert(0, _StandInFinder(allowed))
        for source in header.get("sources", []):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for statement in tree.body:  # one by one: a failed import leaves the others
                try:
                    exec(compile(ast.Module([statement], []), "<setup>", "exec"), self.namespace)
                except Exception:  # noqa: BLE001 - a failed setup line leaves the name unbound
                    pass
        self.answer({"op": "ok"})

    def op_exec(self, header, blobs):
        try:
            try:
                code = compile(header["source"], f"<answer {header.get('cell', '')}>", "exec")
            except (MemoryError, RecursionError):  # the parser's stack, not the memory limit
                raise SyntaxError("this cell is nested too deeply for Python to parse (brackets or an "
                                  "expression thousands of levels deep)") from None
            exec(code, self.namespace)
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
            self.answer(self._raised(exc))
            return
        self.answer({"op": "ok"})

    def op_inspect(self, header, blobs):
        found, enc = {}, wire.Encoder(fallback=self._handle)
        for name in header.get("names", []):
            if name not in self.namespace:
                found[name] = {"kind": "missing"}
            elif callable(self.namespace[name]):
                found[name] = {"kind": "callable"}
            else:
                found[name] = {"kind": "value", "value": enc.encode(self.namespace[name])}
        self.answer({"op": "names", "names": found}, enc.blobs)

    def op_call(self, header, blobs):
        inputs: dict[int, int] = {}
        views: list = []
        keep: list = []

        def record(node, obj):
            inputs[id(obj)] = node
            keep.append(obj)
            if isinstance(obj, np.ndarray):
                views.append((node, obj))

        try:
            dec = self.decoder(blobs, record)
            args = dec.decode(header["args"])
            kwargs = dec.decode(header["kwargs"])
        except Exception as exc:  # noqa: BLE001
            self.answer({"op": "error", "ename": type(exc).__name__, "evalue": str(exc)[:MAX_TEXT]})
            return
        try:
            fn = self.namespace[header["name"]]
        except KeyError:  # the learner's code deleted it since
            self._reply(self._raised(NameError(f"name {header['name']!r} is not defined")), None, args, kwargs,
                        inputs, views)
            return
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            self._reply(self._raised(exc), None, args, kwargs, inputs, views)
            return
        self._reply({"op": "return"}, result, args, kwargs, inputs, views)

    def _reply(self, header, result, args, kwargs, inputs, views):
        enc = wire.Encoder(inputs=inputs, views=views, fallback=self._handle)
        try:
            header = {**header, "args": enc.encode(args), "kwargs": enc.encode(kwargs),
                      "result": enc.encode(result)}
        except BaseException as exc:  # noqa: BLE001 - e.g. a learner's object that breaks copying
            header, enc = self._raised(exc), wire.Encoder()
        self.answer(header, enc.blobs)

    @staticmethod
    def _raised(exc: BaseException) -> dict:
        try:
            text = str(exc)
        except BaseException:  # noqa: BLE001
            text = "(the exception's message could not be shown)"
        cls = type(exc)
        bases = [c.__name__ for c in cls.__mro__ if c.__module__ == "builtins"]
        return {"op": "raise", "ename": cls.__name__[:200], "builtin": cls.__module__ == "builtins",
                "bases": bases[:1], "evalue": text[:MAX_TEXT]}


def main() -> None:
    # The protocol uses copies of stdin and stdout; the learner's prints and reads get
    # stderr (captured by the grader) and /dev/null.
    stream_in = os.fdopen(os.dup(0), "rb")
    stream_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    # the process's own streams, open for its whole life
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    harness = Harness(stream_in, stream_out)
    harness.send({"op": "ready"})
    try:
        harness.serve()
    except (EOFError, wire.WireError):
        pass


if __name__ == "__main__":
    main()
