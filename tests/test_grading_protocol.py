"""A sandbox whose harness the learner replaced: every reply that breaks the protocol fails.

The learner's answer cell runs in the same process as the harness that answers the grader,
so it can rewrite it. Each case below is an answer cell that defines a right answer and
then tampers with the harness (found with ``gc``, as a student who read our source would):
lists more names than asked, answers with another kind or another request's number, adds a
reply, claims the check passed, sends a header too large or not JSON, an array cut short or
pickled, a callback to a function the grader never passed, an exception message too long,
or closes its end of the pipe. Each must fail the test cell it touches and be reported as
``protocol``; the untampered answer (the control) gets the point.
"""

from __future__ import annotations

import textwrap

import pytest

from rnn_course.grading import wire
from rnn_course.grading.replies import ProtocolViolation
from rnn_course.grading.sandbox import Limits, Sandbox
from rnn_course.grading.verdicts import grade_cells

#: One worker runs this module's tests (they start sandboxes).
pytestmark = pytest.mark.xdist_group("sandbox")

ANSWER = "def double(x):\n    return 2 * x\n\ndef twice(f, x):\n    return f(f(x))\n"
FIND = ("import gc, io, json, os, struct, time\nimport numpy as np\n"
        "H = next(o for o in gc.get_objects() if type(o).__name__ == 'Harness')\n"
        "_send = H.send\n")
TEST = ('"""double doubles, and twice calls the grader\'s function twice."""\n'
        "assert double(3) == 6\nassert list(double(np.arange(3))) == [0, 2, 4]\n"
        "assert twice(lambda v: v + 1, 1) == 3\n")


def _when(op: str, body: str) -> str:
    """Tamper with every reply whose op is ``op`` (``header``, with its ``seq``, and ``blobs`` in
    scope; ``_send`` sends a message as the harness would)."""
    return FIND + ("def tampered(header, blobs=()):\n"
                   f"    if header.get('op') == {op!r}:\n" + textwrap.indent(body, " " * 8) +
                   "    return _send(header, blobs)\n"
                   "H.send = tampered\n")


def _raw(body: str) -> str:
    return "def _write(data):\n    H.stream_out.write(data)\n    H.stream_out.flush()\n" + body


ATTACKS = {
    "extra names": _when("names", "header['names']['check_everything'] = {'kind': 'callable'}\n"),
    "a kind that does not exist": _when("names", "header['names']['double'] = {'kind': 'module'}\n"),
    "a value that points into the grader": _when(
        "names", "header['names']['double'] = {'kind': 'value', 'value': {'$in': 0, 'v': None}}\n"),
    "another request's number": _when("return", "header['seq'] += 1\n"),
    "a reply too many": _when("return", "_send({'op': 'ok', 'seq': header['seq']})\n"),
    "a claim that the check passed": _when("return", "header['check'] = 'passed'\n"),
    "ok for a call": _when("return", "return _send({'op': 'ok', 'seq': header['seq']})\n"),
    "an error for a call": _when("return", "return _send({'op': 'error', 'seq': header['seq'], 'evalue': 'no'})\n"),
    "a header too large": _when("return", _raw("_write(struct.pack('>Q', 2**40))\ntime.sleep(30)\n")),
    "a header that is not JSON": _when("return", _raw("_write(struct.pack('>Q', 9) + b'{not json')\ntime.sleep(30)\n")),
    "an array cut short": _when("return", _raw(
        "b = io.BytesIO(); np.save(b, np.arange(1000.0)); data = b.getvalue()[:-80]\n"
        "head = json.dumps({'op': 'return', 'seq': header['seq'], 'args': {'$tuple': []},"
        " 'kwargs': {'$dict': []}, 'result': {'$nd': 0}, '$blobs': [len(data)]}).encode()\n"
        "_write(struct.pack('>Q', len(head)) + head + data)\nreturn\n")),
    "a pickled array": _when("return", _raw(
        "b = io.BytesIO(); np.save(b, np.array([None, 1], dtype=object), allow_pickle=True); data = b.getvalue()\n"
        "head = json.dumps({'op': 'return', 'seq': header['seq'], 'args': {'$tuple': []},"
        " 'kwargs': {'$dict': []}, 'result': {'$nd': 0}, '$blobs': [len(data)]}).encode()\n"
        "_write(struct.pack('>Q', len(head)) + head + data)\nreturn\n")),
    "a value nested too deep": _when("return", "v = 1\nfor _ in range(300):\n    v = {'$list': [v]}\n"
                                               "header['result'] = v\n"),
    "a callback never passed": _when("return", "return _send({'op': 'callback', 'seq': header['seq'], 'id': 7, 'args': {'$tuple': []},"
                                               " 'kwargs': {'$dict': []}})\n"),
    "a message too long": _when("return", "return _send({'op': 'raise', 'seq': header['seq'], 'ename': 'ValueError', 'builtin': True,"
                                          " 'bases': ['ValueError'], 'evalue': 'x' * 100_000})\n"),
    "an exception name that is not text": _when("return", "return _send({'op': 'raise', 'seq': header['seq'], 'ename': ['Exception'],"
                                                           " 'builtin': True, 'bases': [], 'evalue': ''})\n"),
    "a closed pipe": _when("return", "os.close(H.stream_out.fileno())\ntime.sleep(30)\n"),
}


def _cells(answer: str) -> list[dict]:
    def cell(source, **meta):
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": {"schema_version": 3, **meta}},
                "outputs": [], "execution_count": None}

    return [cell("import numpy as np\n", grade_id="imports", locked=True, grade=False, solution=False),
            cell(answer, grade_id="answer", locked=False, grade=False, solution=True),
            cell(TEST, grade_id="test_double", locked=True, grade=True, solution=False, points=1)]


def _grade(answer: str) -> dict:
    return grade_cells(_cells(answer), limits=Limits(part_seconds=5, notebook_seconds=30))


def _failed(verdict: dict, cell: str) -> bool:
    return any(o.get("output_type") == "error" for o in verdict["cells"].get(cell, []))


def test_the_untampered_answer_passes():
    verdict = _grade(ANSWER)
    assert not _failed(verdict, "test_double") and verdict["problems"] == []


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_tampered_harness_fails_the_cell_and_is_flagged(attack):
    verdict = _grade(ANSWER + ATTACKS[attack])
    assert _failed(verdict, "test_double"), f"{attack}: the test cell passed"
    kinds = {p["kind"] for p in verdict["problems"]}
    # A harness that stops answering (its end of the pipe closed, while bubblewrap keeps the
    # pipe open) is a harness that never answers: the time limit, like an endless loop.
    expected = {"time", "protocol"} if attack == "a closed pipe" else {"protocol"}
    assert kinds & expected, f"{attack}: {verdict['problems']}"
    assert verdict["seconds"] < 25, f"{attack}: waited {verdict['seconds']} s"


def test_a_violation_while_defining_leaves_that_cell_out():
    """Tampering with the reply to its own definition: that answer cell is left out."""
    verdict = _grade(ANSWER + _when("ok", "header['seq'] = -1\n"))
    assert _failed(verdict, "answer") and _failed(verdict, "test_double")
    assert [p["kind"] for p in verdict["problems"]] == ["protocol"]


def test_a_reply_is_checked_before_anything_in_it_is_used():
    """The grader's own parts, with replies forged in the test: extra names bind nothing."""
    box = Sandbox([("answer", ANSWER)], prelude=["import numpy as np"], limits=Limits())
    box.start(timeout=30)
    try:
        real_wait = box._wait
        box._wait = lambda timeout: ({"op": "names", "seq": box.seq, "names": {
            "double": {"kind": "callable"}, "check_x": {"kind": "callable"}}}, [])
        with pytest.raises(ProtocolViolation, match="adds check_x"):
            box.inspect(["double"], timeout=5)
        assert not box.alive()  # a violation stops the sandbox
        box._wait = real_wait
        box.start(timeout=30)
        assert box.inspect(["double", "nothing"], timeout=5) == {"double": ("callable", None),
                                                                  "nothing": ("missing", None)}
    finally:
        box.close()


def test_strict_values():
    """Tagged values with keys they do not have, and .npy blobs that are not what they say."""
    for value in ({"$list": [], "extra": 1}, {"$nd": 0, "id": -1}, {"$float": "1" * 100},
                  {"$complex": ["a", 1]}, {"$tuple": [], "$list": []}):
        with pytest.raises(wire.WireError):
            wire.Decoder([wire.array_bytes(__import__("numpy").zeros(2))]).decode(value)
    import numpy as np

    good = wire.array_bytes(np.arange(6.0).reshape(2, 3))
    assert wire.load_array(good).shape == (2, 3)
    for bad in (good[:-8], good + b"\0" * 8, wire.array_bytes(np.zeros(2, dtype=[("a", "f8")]))):
        with pytest.raises(wire.WireError):
            wire.load_array(bad)
