"""What the grader accepts from the sandbox: each reply checked against the request it answers.

Book: the instructor guide (what the sandbox protects).

From the moment a learner's answer cell runs, everything in the sandbox is the learner's:
their code can replace the harness that speaks for it. So the grader treats every reply as
hostile input. A reply must answer the request just sent (the same sequence number), with
an ``op`` that request allows, only the keys that op has, fields of the right types and
sizes, and values that :mod:`~rnn_course.grading.wire` decodes strictly. ``inspect`` must
answer exactly the names asked for. Anything else raises :class:`ProtocolViolation`: the
sandbox is stopped, the call fails, and the grading report flags ``protocol``.

What a reply can still say is what the learner's own functions returned, raised or left in
their arguments, and the values of the names asked for; the checks then judge those.
"""

from __future__ import annotations

from . import wire

#: The longest exception message kept from the sandbox (the harness cuts there too).
MAX_TEXT = 4000
#: The longest exception or type name.
MAX_NAME = 200

#: The keys each reply may have.
REPLY_KEYS = {
    "ready": {"op"},
    "ok": {"op", "seq"},
    "names": {"op", "seq", "names"},
    "return": {"op", "seq", "args", "kwargs", "result"},
    "raise": {"op", "seq", "ename", "builtin", "bases", "evalue", "args", "kwargs", "result"},
    "callback": {"op", "seq", "id", "args", "kwargs"},
}
KINDS = {"missing": {"kind"}, "callable": {"kind"}, "value": {"kind", "value"}}


class SandboxCrash(RuntimeError):
    """The process running the learner's code ended (os._exit, a crash, a memory kill).

    ``kind`` is the problem the grading report lists: ``crash``, or ``memory`` when the
    sandbox went over its memory limit.
    """

    def __init__(self, message: str, kind: str = "crash"):
        super().__init__(message)
        self.kind = kind


class ProtocolViolation(SandboxCrash):
    """The sandbox sent something the protocol does not allow: its harness was tampered with."""

    def __init__(self, message: str):
        super().__init__(f"the sandbox broke the grading protocol: {message}", kind="protocol")


def _text(value, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ProtocolViolation(f"{what} is not a string of at most {limit} characters")
    return value


def reply(header, seq: int | None, ops: tuple[str, ...]) -> str:
    """Check ``header`` as a reply of one of ``ops`` to request number ``seq``; return its op."""
    if not isinstance(header, dict):
        raise ProtocolViolation("a reply that is not a JSON object")
    op = header.get("op")
    if op == "error" and "error" not in ops:
        raise ProtocolViolation(f"the sandbox refused the request: {str(header.get('evalue', ''))[:MAX_TEXT]}")
    if not isinstance(op, str) or op not in ops:
        raise ProtocolViolation(f"a reply {str(op)[:40]!r} where {' or '.join(ops)} was due")
    extra = set(header) - REPLY_KEYS[op]
    if extra:
        raise ProtocolViolation(f"a {op!r} reply with the keys {sorted(extra)[:5]} it does not have")
    if op != "ready" and (type(header.get("seq")) is not int or header["seq"] != seq):
        raise ProtocolViolation(f"a reply to request {str(header.get('seq'))[:20]} where {seq} was due")
    if op == "raise":
        raised(header)
    return op


def raised(header: dict) -> dict:
    """The fields of a ``raise`` reply, checked: the exception's type name, whether it is a
    built-in type, its first built-in base class and its message."""
    ename = _text(header.get("ename"), MAX_NAME, "an exception's name")
    if type(header.get("builtin")) is not bool:
        raise ProtocolViolation("an exception without its 'builtin' flag")
    bases = header.get("bases", [])
    if not isinstance(bases, list) or len(bases) > 1:
        raise ProtocolViolation("an exception's bases are not a list of at most one name")
    return {"ename": ename, "builtin": header["builtin"],
            "bases": [_text(b, MAX_NAME, "an exception's base") for b in bases],
            "evalue": _text(header.get("evalue", ""), MAX_TEXT, "an exception's message")}


def names(header: dict, asked: list[str]) -> dict:
    """The ``names`` of an inspect reply: exactly the names asked for, each of a known kind."""
    found = header.get("names")
    if not isinstance(found, dict) or set(found) != set(asked):
        extra = sorted(set(found) - set(asked)) if isinstance(found, dict) else []
        raise ProtocolViolation("an inspect reply that does not list exactly the names asked for"
                                + (f" (it adds {', '.join(map(str, extra[:5]))})" if extra else ""))
    for name, info in found.items():
        if not isinstance(info, dict) or info.get("kind") not in KINDS or set(info) != KINDS[info["kind"]]:
            raise ProtocolViolation(f"a malformed entry for the name {name!r}")
    return found


def callback_number(header: dict, count: int) -> int:
    """The number of the grader's function a callback asks to run (one of ``count``)."""
    number = header.get("id")
    if type(number) is not int or not 0 <= number < count:
        raise ProtocolViolation(f"a callback to function {str(number)[:20]} of {count}")
    return number


def decode(decoder: wire.Decoder, value, what: str):
    """``decoder.decode(value)``, a malformed value being a violation."""
    try:
        return decoder.decode(value)
    except wire.WireError as exc:
        raise ProtocolViolation(f"{what}: {exc}") from None
