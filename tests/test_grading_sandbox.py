"""The grading sandbox on its own: what it lets through, what it keeps out, and the wire.

One sandbox (a bubblewrap process) serves most of these tests, so they take seconds.
tests/test_grading.py grades whole classes through nbgrader.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rnn_course.grading import wire
from rnn_course.grading.allowlist import ALLOWED_IN_ANSWERS, allowed_sources
from rnn_course.grading.repair import read_submission
from rnn_course.grading.sandbox import Limits, Opaque, Sandbox, SandboxCrash, SandboxTimeout
from rnn_course.grading.stand_ins import ReferenceUnavailable

ROOT = Path(__file__).resolve().parents[1]

#: One worker runs this module's tests (its session or module fixtures are built once).
pytestmark = pytest.mark.xdist_group("sandbox")


ANSWERS = [
    ("mutate", "def mutate(x, d, grads):\n"
               "    x += 1\n"
               "    d['replaced'] = np.zeros(2)\n"
               "    grads['kept'] *= 2\n"
               "    return x, d, grads['kept'][:1], np.ones(3)\n"),
    ("misc", "import os, socket\n"
             "class Cache:\n    pass\n"
             "def make_cache():\n    c = Cache()\n    c.value = 41\n    return c, 'text'\n"
             "def use_cache(c):\n    return c.value + 1\n"
             "def twice(f, x):\n    return f(x) + f(2 * x)\n"
             "def read(path):\n    return open(path).read()\n"
             "def listdir(path):\n    return sorted(os.listdir(path))\n"
             "def connect():\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
             "def delegate():\n    from rnn_course import rnn_forward\n    return rnn_forward(1, 2, 3)\n"
             "def submodule():\n    import rnn_course.layers.rnn as m\n    return m.rnn_cell_forward()\n"
             "def allowed(z):\n    from rnn_course import sigmoid\n    return sigmoid(z)\n"
             "def loop():\n    while True:\n        pass\n"
             "def die():\n    os._exit(0)\n"
             "def hog():\n    return np.ones((60_000, 60_000))\n"
             "def chatty():\n    print('z' * 100_000)\n    return 1\n"
             "def fails():\n    raise KeyError('k')\n"
             "def unimplemented():\n    raise NotImplementedError()\n"
             "def draw(rng, n):\n    return rng.integers(0, 10, size=n), rng\n"
             "def whoami():\n    import sys\n    return [os.getuid(), sys.path, os.getcwd()]\n"),
]


@pytest.fixture(scope="module")
def box():
    sandbox = Sandbox(ANSWERS, prelude=["import numpy as np"], allowed=allowed_sources("ex04-lstm"),
                      limits=Limits(memory_bytes=2**30, output_chars=1000))
    sandbox.start(timeout=30)
    yield sandbox
    sandbox.close()


def call(box, name, *args):
    if not box.alive():
        box.start(timeout=30)
    return box.call(name, args, {}, timeout=10)


def test_mutation_identity_and_views_survive_the_round_trip(box):
    x, kept = np.zeros(3), np.arange(4.0)
    d, grads = {"replaced": np.ones(2)}, {"kept": kept}
    old = d["replaced"]
    got_x, got_d, view, fresh = call(box, "mutate", x, d, grads)
    assert got_x is x and np.array_equal(x, np.ones(3))  # changed in place, same object
    assert got_d is d and d["replaced"] is not old and np.array_equal(d["replaced"], np.zeros(2))
    assert grads["kept"] is kept and np.array_equal(kept, 2 * np.arange(4.0))
    assert np.shares_memory(view, kept) and view[0] == kept[0]  # a returned view stays a view
    assert not np.shares_memory(fresh, x)


def test_opaque_values_and_callbacks(box):
    cache, text = call(box, "make_cache")
    assert isinstance(cache, Opaque) and text == "text"
    assert call(box, "use_cache", cache) == 42
    assert call(box, "twice", lambda v: float(np.sum(v)), np.ones(3)) == 9.0


def test_random_generators_cross_and_advance_as_in_jupyter(box):
    """A Generator passed to the learner's code draws the same numbers, and the grader's
    own generator has advanced by those draws afterwards (ex06's sampling passes rng)."""
    for kind in ("PCG64", "MT19937", "Philox", "SFC64", "PCG64DXSM"):
        mine = np.random.Generator(getattr(np.random, kind)(7))
        twin = np.random.Generator(getattr(np.random, kind)(7))
        ids, same = call(box, "draw", mine, 5)
        assert same is mine and np.array_equal(ids, twin.integers(0, 10, size=5)), kind
        assert mine.random() == twin.random(), kind  # the grader's generator advanced
    with pytest.raises(wire.WireError, match="random generator"):
        wire.Decoder([]).decode({"$rng": ["os.system", {"$dict": []}]})
    with pytest.raises(wire.WireError, match="random generator"):
        wire.Decoder([]).decode({"$rng": ["PCG64", {"$dict": []}]})


def test_the_sandbox_sees_no_course_no_network_no_reference(box):
    for path in (ROOT / "README.md", ROOT / "solutions", Path(sys.prefix) / "pyvenv.cfg"):
        with pytest.raises((FileNotFoundError, PermissionError)):
            call(box, "read", str(path))
    assert "sandbox" in call(box, "listdir", "/") and "work" not in call(box, "listdir", "/")
    with pytest.raises(OSError):
        call(box, "connect")
    for name in ("delegate", "submodule"):
        with pytest.raises(ReferenceUnavailable, match="not available when grading"):
            call(box, name)
    assert np.allclose(call(box, "allowed", np.zeros(2)), 0.5)
    uid, path, cwd = call(box, "whoami")
    assert uid == 65534 and cwd == "/tmp" and not [p for p in path if "site-packages" in p]


def test_exceptions_keep_their_type(box):
    with pytest.raises(KeyError):
        call(box, "fails")
    with pytest.raises(NotImplementedError):
        call(box, "unimplemented")
    with pytest.raises(MemoryError):
        call(box, "hog")


def test_limits_cost_only_the_call(box):
    start = time.monotonic()
    with pytest.raises(SandboxTimeout):
        box.call("loop", (), {}, timeout=1)
    assert time.monotonic() - start < 5 and not box.alive()
    with pytest.raises(SandboxCrash, match="exit status 0"):
        call(box, "die")
    box.output_text()
    assert call(box, "chatty") == 1
    assert len(box.output_text()) <= 1000 and box.output.dropped > 0
    assert call(box, "use_cache", call(box, "make_cache")[0]) == 42  # restarted and working


def test_wire_never_unpickles():
    evil = pickle.dumps(os.system)
    header = json.dumps({"op": "return", "result": {"$nd": 0}, "$blobs": [len(evil)]}).encode()
    stream = io.BytesIO(struct.pack(">Q", len(header)) + header + evil)
    message, blobs = wire.read_message(stream)
    with pytest.raises(wire.WireError):
        wire.Decoder(blobs).decode(message["result"])
    objects = np.array([None, 1], dtype=object)
    buffer = io.BytesIO()
    np.save(buffer, objects, allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.load_array(buffer.getvalue())
    with pytest.raises(wire.WireError):
        wire.read_message(io.BytesIO(struct.pack(">Q", wire.MAX_HEADER + 1)))


def test_every_allowed_helper_works_alone():
    """Each allow-listed helper's source runs with NumPy alone (as the sandbox runs it)."""
    for assignment in ALLOWED_IN_ANSWERS:
        for name, source in allowed_sources(assignment).items():
            scope = {"np": np, "__name__": "rnn_course"}
            exec(source, scope)
            assert np.all(np.isfinite(scope[name](np.linspace(-50, 50, 7))))


def test_repair_matches_answers_by_content():
    import copy

    import nbformat

    release = nbformat.read(ROOT / "exercises" / "ex01-recurrence" / "ex01-recurrence.ipynb", as_version=4)
    assert read_submission(nbformat.writes(release).encode(), release) == (release, [])
    submission = copy.deepcopy(release)
    answers = [c for c in submission.cells if c.metadata.get("nbgrader", {}).get("solution")]
    answers[1].metadata["nbgrader"]["grade_id"] = "renamed"
    answers[1].source = answers[1].source.replace("raise NotImplementedError()", "return 'mine'")
    nb, repairs = read_submission(nbformat.writes(submission).encode(), release)
    mine = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "rnn_forward"]
    assert mine and "return 'mine'" in mine[0] and any("matched by its content" in r for r in repairs)
