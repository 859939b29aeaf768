"""Hints for a learner's function that stopped on a matrix product or a broadcast that did
not fit (exercises ex01 to ex08).

A hint names the weights of the function at hand and is given only when the sizes in
NumPy's error point at one of them: a weight applied without its transpose (or the
wrong weight for a vector), or a batch written as columns. Otherwise there is no hint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

_SIZES = (
    re.compile(r"size (\d+) is different from (\d+)"),  # matmul, NumPy 2
    re.compile(r"not aligned: (\d+) \(dim \d+\) != (\d+) \(dim \d+\)"),  # np.dot
)
_BROADCAST = re.compile(r"could not be broadcast together with (?:remapped )?shapes((?:\s*\[?\([\d, ]*\)\]?)+)")


def mismatch_sizes(exc: BaseException) -> frozenset[int] | None:
    """The two sizes that did not fit in a NumPy product or broadcast, if ``exc`` says so."""
    __tracebackhide__ = True
    if not isinstance(exc, ValueError):
        return None
    text = str(exc)
    for pattern in _SIZES:
        m = pattern.search(text)
        if m:
            return frozenset(int(g) for g in m.groups())
    m = _BROADCAST.search(text)
    if m:
        shapes = [tuple(int(v) for v in s.split(",") if v.strip())
                  for s in re.findall(r"\(([\d, ]*)\)", m.group(1))]
        for axis in range(1, max(map(len, shapes), default=0) + 1):
            sizes = {s[-axis] for s in shapes if len(s) >= axis and s[-axis] != 1}
            if len(sizes) > 1:
                return frozenset(sizes)
    return None


def product_hint(exc: BaseException, products: Mapping[str, tuple[str, tuple[int, ...]]],
                 batch: int | None = None) -> str:
    """A hint naming the weight that a failed product most likely got wrong, or "".

    ``products`` maps each weight of the function to the vector it multiplies and its
    shape, e.g. ``{"W_x": ("x_t", (5, 3)), "W_h": ("h_prev", (5, 5))}``; ``batch`` is the
    batch size of the call, if it had one.
    """
    __tracebackhide__ = True
    sizes = mismatch_sizes(exc)
    if sizes is None or len(sizes) != 2:
        return ""
    wrong = {w: (v, s) for w, (v, s) in products.items() if len(s) == 2 and s[0] != s[1] and set(s) == sizes}
    if wrong:
        by_vector: dict[tuple, list[str]] = {}
        for w, (v, s) in wrong.items():
            by_vector.setdefault((v, s), []).append(w)
        parts = []
        for (v, s), ws in by_vector.items():
            verbs = ("is", "multiplies") if len(ws) == 1 else ("are each", "multiply")
            parts.append(f"{', '.join(ws)} {verbs[0]} {s} (rows are outputs) and {verbs[1]} {v}: "
                         f"{v} @ {ws[0]}.T")
        return f"Hint: sizes {sorted(sizes)[0]} and {sorted(sizes)[1]} did not fit. " + "; ".join(parts) + "."
    if batch is not None and batch in sizes:
        other = next(iter(sizes - {batch}), None)
        for w, (v, s) in products.items():
            if len(s) == 2 and other == s[1]:
                return (f"Hint: a batch holds one example per row ({batch} rows of {other}): multiply "
                        f"by the transposed weight from the right, {v} @ {w}.T, not {w} @ {v}.")
    return ""


def shapes_of(params: Mapping, names) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of the named parameters that are present."""
    __tracebackhide__ = True
    return {k: np.shape(params[k]) for k in names if k in params}
