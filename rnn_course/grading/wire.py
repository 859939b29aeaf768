"""The wire between the grader and the sandbox: framed messages of JSON and ``.npy`` bytes.

Book: the instructor guide (what the sandbox protects).

Nothing here unpickles: arrays travel as ``.npy`` bytes read with ``allow_pickle=False``,
containers and scalars as tagged JSON, a NumPy random generator as its bit
generator's name (one of ``BIT_GENERATORS``) and state, and anything else (an object the learner's
function returned, such as a cache only their own backward reads) stays in the sandbox
behind an opaque handle. This module runs on both sides, so it needs only the standard
library and NumPy (the sandbox has nothing else).

Identity survives the round trip, so the checks see what they would see in Jupyter: every
array and container sent to the sandbox carries a node number; what the learner's
function returns or leaves in its arguments refers back to those nodes (``$in``), and a
returned view of an input array is rebuilt as a view of the grader's own array (``$view``).
The grader writes the arguments' new contents back into its own objects, so a check sees
an input the learner changed in place exactly as it would in Jupyter.
"""

from __future__ import annotations

import io
import json
import struct

import numpy as np

#: Limits on what one message may hold (a learner's result is small; these stop a flood).
MAX_HEADER = 32 * 2**20
MAX_BLOBS = 256 * 2**20
MAX_DEPTH = 200
#: The NumPy bit generators a ``numpy.random.Generator`` sent either way may use.
BIT_GENERATORS = {name: name for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")}


class WireError(Exception):
    """A message that breaks the protocol (truncated, too large, malformed)."""


#: The keys a tagged value may have besides its tag (``$nd`` with ``id`` and a view's
#: ``view``, ``offset`` and ``strides``, say); a value with any other key is malformed.
TAG_KEYS = {
    "$in": {"v"}, "$nd": {"id", "view", "offset", "strides"}, "$np": set(), "$float": set(),
    "$complex": set(), "$list": {"id"}, "$tuple": {"id"}, "$dict": {"id"}, "$rng": {"id"},
    "$handle": {"type"}, "$fn": set(),
}


# --- framing ------------------------------------------------------------------------------

def write_message(stream, header: dict, blobs: list[bytes]) -> None:
    head = json.dumps({**header, "$blobs": [len(b) for b in blobs]}).encode()
    stream.write(struct.pack(">Q", len(head)) + head)
    for blob in blobs:
        stream.write(blob)
    stream.flush()


def _read_exact(stream, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(stream) -> tuple[dict, list[bytes]]:
    (size,) = struct.unpack(">Q", _read_exact(stream, 8))
    if size > MAX_HEADER:
        raise WireError(f"message header of {size} bytes is over the limit of {MAX_HEADER}")
    try:
        header = json.loads(_read_exact(stream, size))
        sizes = header.pop("$blobs")
        if not isinstance(sizes, list) or not all(isinstance(s, int) and s >= 0 for s in sizes):
            raise WireError("bad blob sizes")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise WireError(f"malformed message: {exc}") from None
    if sum(sizes) > MAX_BLOBS:
        raise WireError(f"message of {sum(sizes)} bytes of arrays is over the limit of {MAX_BLOBS}")
    return header, [_read_exact(stream, s) for s in sizes]


def array_bytes(a: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, a, allow_pickle=False)
    return buffer.getvalue()


#: The kinds of array that cross (numbers, booleans, strings, dates): no objects, no records.
ARRAY_KINDS = frozenset("biufcUSmM")
MAX_NDIM = 32


def load_array(blob: bytes) -> np.ndarray:
    """An array from ``.npy`` bytes, checked first: a well-formed header of an allowed kind
    and exactly as many bytes of data as its shape needs (nothing is unpickled)."""
    try:
        stream = io.BytesIO(blob)
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise ValueError(f"arrays of dtype {dtype} do not cross")
        if len(shape) > MAX_NDIM or any(n < 0 for n in shape):
            raise ValueError(f"bad shape {shape}")
        size = 1
        for n in shape:
            size *= n
        if stream.tell() + size * dtype.itemsize != len(blob):
            raise ValueError(f"{len(blob) - stream.tell()} bytes of data for shape {shape} of {dtype}")
        return np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - a truncated or forged .npy
        raise WireError(f"bad array: {exc}") from None


def can_send_array(a) -> bool:
    return isinstance(a, np.ndarray) and type(a) is np.ndarray and a.dtype.kind in ARRAY_KINDS \
        and a.dtype.fields is None and a.dtype.subdtype is None and a.ndim <= MAX_NDIM


# --- values -------------------------------------------------------------------------------

class Encoder:
    """Turn a value into tagged JSON plus blobs.

    ``inputs`` maps ``id(obj)`` to a node number for objects the other side sent us (the
    sandbox refers back to them), and ``views`` lists the input arrays a new array may be a
    view of; ``number_nodes`` gives every array and container a node
    number (the grader's side, for the sandbox to refer back to); ``fallback`` is called for
    a value that cannot be sent and returns its tagged JSON (an opaque handle or a callback),
    or raises ``TypeError``.
    """

    def __init__(self, *, inputs: dict | None = None, views: list | None = None, number_nodes: bool = False,
                 fallback=None):
        self.blobs: list[bytes] = []
        self.inputs = inputs or {}
        self.views: list[tuple[int, np.ndarray]] = views or []  # (node, input array) a result may view
        self.number_nodes = number_nodes
        self.nodes: list = []  # node number -> object (when number_nodes)
        self.fallback = fallback
        self._active: set[int] = set()

    def blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def _node(self, obj, tagged: dict) -> dict:
        if self.number_nodes:
            self.nodes.append(obj)
            tagged["id"] = len(self.nodes) - 1
        return tagged

    def encode(self, value, depth: int = 0):
        if depth > MAX_DEPTH:
            raise TypeError("a value nested too deeply to send")
        if value is None or isinstance(value, (bool, str)):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            return value if np.isfinite(value) else {"$float": repr(value)}
        node = self.inputs.get(id(value))
        if node is not None and id(value) not in self._active:
            self._active.add(id(value))
            try:
                return {"$in": node, "v": self._plain(value, depth)}
            finally:
                self._active.discard(id(value))
        if id(value) in self._active:  # a container that holds itself
            return self._fallback(value)
        self._active.add(id(value))
        try:
            return self._plain(value, depth, fresh=True)
        finally:
            self._active.discard(id(value))

    def _plain(self, value, depth: int, fresh: bool = False):
        if isinstance(value, np.ndarray) and can_send_array(value):
            tagged = {"$nd": self.blob(array_bytes(value))}
            if fresh:
                view = self._view_of(value)
                if view is not None:
                    tagged.update(view)
                return self._node(value, tagged)
            return tagged
        if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS and value.dtype.fields is None:
            return {"$np": self.blob(array_bytes(np.asarray(value)))}
        if type(value) is complex:
            return {"$complex": [value.real, value.imag]}
        if type(value) in (list, tuple):
            items = [self.encode(v, depth + 1) for v in value]
            tag = "$list" if type(value) is list else "$tuple"
            return self._node(value, {tag: items}) if fresh else {tag: items}
        if type(value) is dict:
            items = [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]
            return self._node(value, {"$dict": items}) if fresh else {"$dict": items}
        if type(value) is np.random.Generator:  # sent as its bit generator's name and state
            bits = value.bit_generator
            tagged = {"$rng": [type(bits).__name__, self.encode(bits.state, depth + 1)]}
            return self._node(value, tagged) if fresh else tagged
        if isinstance(value, (int, float)) and type(value) not in (int, float):  # an int or float subclass
            return self.encode(int(value) if isinstance(value, int) else float(value), depth)
        return self._fallback(value)

    def _view_of(self, a: np.ndarray) -> dict | None:
        """For an array that is not itself an input but shares memory with an input array."""
        for node, base in self.views:
            if a is not base and np.shares_memory(a, base):
                offset = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
                return {"view": node, "offset": int(offset), "strides": list(a.strides)}
        return None

    def _fallback(self, value):
        if self.fallback is None:
            raise TypeError(f"cannot send a value of type {type(value).__name__}")
        return self.fallback(value)


class Decoder:
    """Turn tagged JSON plus blobs back into values.

    ``nodes`` (the grader's side) are the objects the encoder numbered: ``$in`` and
    ``$view`` refer to them, and the decoder writes the sandbox's new contents into them.
    ``record`` (the sandbox's side) is called with each numbered object it makes, so that
    the sandbox can refer back to it. ``special`` decodes the tags the caller adds
    (handles, callbacks).
    """

    def __init__(self, blobs: list[bytes], *, nodes: list | None = None, record=None, special=None):
        self.blobs = blobs
        self.nodes = nodes
        self.record = record
        self.special = special or {}

    def blob(self, index) -> bytes:
        if not isinstance(index, int) or not 0 <= index < len(self.blobs):
            raise WireError(f"bad blob index {index!r}")
        return self.blobs[index]

    def decode(self, value):
        """The value ``value`` (tagged JSON) stands for; :class:`WireError` if it is malformed."""
        try:
            return self._decode(value, 0)
        except WireError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
            raise WireError(f"a malformed value: {type(exc).__name__}: {exc}") from None

    def _decode(self, value, depth: int):
        if depth > MAX_DEPTH:
            raise WireError("a value nested too deeply")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            raise WireError("an untagged list")
        if not isinstance(value, dict) or not value:
            raise WireError(f"a malformed value of type {type(value).__name__}")
        tags = [k for k in value if isinstance(k, str) and k.startswith("$")]
        tag = tags[0] if len(tags) == 1 else None
        if tag not in TAG_KEYS or not set(value) - {tag} <= TAG_KEYS[tag]:
            raise WireError(f"a malformed tagged value with keys {sorted(map(str, value))[:5]}")
        if "id" in value and (type(value["id"]) is not int or value["id"] < 0):
            raise WireError("a malformed node number")
        if tag == "$in":
            return self._into(value, depth)
        if tag == "$nd":
            a = load_array(self.blob(value["$nd"]))
            if "view" in value:
                a = self._as_view(value, a)
            return self._numbered(value, a)
        if tag == "$np":
            return load_array(self.blob(value["$np"]))[()]
        if tag == "$float":
            text = value["$float"]
            if not isinstance(text, str) or len(text) > 40:
                raise WireError("a malformed float")
            return float(text)
        if tag == "$complex":
            re, im = value["$complex"]
            if not all(type(v) in (int, float) for v in (re, im)):
                raise WireError("a malformed complex number")
            return complex(float(re), float(im))
        if tag == "$list":
            out: list = []
            self._numbered(value, out)
            out.extend(self._decode(v, depth + 1) for v in self._items(value, tag))
            return out
        if tag == "$tuple":
            return self._numbered(value, tuple(self._decode(v, depth + 1) for v in self._items(value, tag)))
        if tag == "$dict":
            out_d: dict = {}
            self._numbered(value, out_d)
            for pair in self._items(value, tag):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise WireError("a malformed dict item")
                try:
                    out_d[self._decode(pair[0], depth + 1)] = self._decode(pair[1], depth + 1)
                except TypeError as exc:  # an unhashable key
                    raise WireError(f"bad dict key: {exc}") from None
            return out_d
        if tag == "$rng":
            rng = np.random.Generator(self._bit_generator(value, depth))
            return self._numbered(value, rng)
        if tag in self.special:
            return self.special[tag](value)
        raise WireError(f"unknown tag {tag!r}")

    def _bit_generator(self, value: dict, depth: int):
        """A NumPy bit generator of an allowed kind in the state the other side sent."""
        try:
            name, state = value["$rng"]
            bits = getattr(np.random, BIT_GENERATORS[name])()
            bits.state = self._decode(state, depth + 1)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise WireError(f"a malformed random generator: {exc}") from None
        return bits

    @staticmethod
    def _items(value: dict, tag: str) -> list:
        items = value[tag]
        if not isinstance(items, list):
            raise WireError(f"a malformed {tag}")
        return items

    def _numbered(self, value: dict, obj):
        if self.record is not None and "id" in value:
            self.record(value["id"], obj)
        return obj

    def _node(self, index):
        if self.nodes is None or not isinstance(index, int) or not 0 <= index < len(self.nodes):
            raise WireError(f"bad reference to input {index!r}")
        return self.nodes[index]

    def _into(self, value: dict, depth: int):
        """An input object, with the contents the sandbox left in it written back."""
        orig = self._node(value["$in"])
        new = value.get("v")
        if isinstance(orig, np.ndarray):
            got = self._decode(new, depth + 1)
            if isinstance(got, np.ndarray) and got.shape == orig.shape and orig.flags.writeable:
                if not np.array_equal(got, orig, equal_nan=got.dtype.kind in "fc"):
                    np.copyto(orig, got, casting="unsafe")
            return orig
        if isinstance(orig, np.random.Generator) and isinstance(new, dict) and "$rng" in new:
            state = self._bit_generator(new, depth).state  # the draws the learner's code made
            if state["bit_generator"] == type(orig.bit_generator).__name__:
                orig.bit_generator.state = state
            return orig
        if isinstance(orig, dict) and isinstance(new, dict) and "$dict" in new:
            items = {}
            for pair in self._items(new, "$dict"):
                items[self._decode(pair[0], depth + 1)] = self._decode(pair[1], depth + 1)
            for k in [k for k in orig if k not in items]:
                del orig[k]
            for k, v in items.items():
                if k not in orig or orig[k] is not v:
                    orig[k] = v
            return orig
        if isinstance(orig, list) and isinstance(new, dict) and "$list" in new:
            items_l = [self._decode(v, depth + 1) for v in self._items(new, "$list")]
            if len(items_l) != len(orig) or any(a is not b for a, b in zip(orig, items_l)):
                orig[:] = items_l
            return orig
        if isinstance(orig, tuple) and isinstance(new, dict) and "$tuple" in new:
            for v in self._items(new, "$tuple"):
                self._decode(v, depth + 1)
            return orig
        return orig

    def _as_view(self, value: dict, fresh: np.ndarray) -> np.ndarray:
        """A returned array that was a view of an input: the same view of the grader's array."""
        base = self._node(value["view"])
        try:
            offset, strides = int(value["offset"]), tuple(int(s) for s in value["strides"])
            if not (isinstance(base, np.ndarray) and base.flags.c_contiguous and base.dtype == fresh.dtype):
                return fresh
            extent = offset + sum((n - 1) * abs(s) for n, s in zip(fresh.shape, strides)) + fresh.itemsize
            if offset < 0 or extent > base.nbytes or any(s < 0 for s in strides) or fresh.size == 0:
                return fresh
            return np.ndarray(fresh.shape, fresh.dtype, buffer=base, offset=offset, strides=strides)
        except (TypeError, ValueError):
            return fresh
