"""The cache contract of the exercises (ex01 to ex05, and ex08's attention step), checked.

Every cell forward returns a cache, a dict holding what its backward pass reads (the keys
below, documented on the book's notation page), and every sequence forward returns the
list of its cell caches, one per step: ``cache[k]`` is the cache of the step that read
``X[k]``. The backward functions receive exactly these (made by the reference cell
functions, through :func:`rnn_course.unroll`), so a learner's forward and backward fit
together, and no exercise depends on how the reference's fast path stores things.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..layers.gru import PARAM_NAMES as GRU_PARAMS
from ._core import FeedbackError, close, max_diff

#: The keys of each model's cell cache.
CELL_CACHE_KEYS = {
    "rnn": ("x_t", "h_prev", "h_t", "W_x", "W_h"),
    "lstm": ("x_t", "h_prev", "c_prev", "f_t", "i_t", "c_tilde", "o_t", "c_t", "h_t", "params"),
    "gru": ("x_t", "h_prev", "z_t", "r_t", "h_tilde", *GRU_PARAMS),
    "attention": ("s_prev", "hs", "mask", "alpha", "u", "W_a", "U_a", "v_a"),
}


def _keys(model: str) -> str:
    return ", ".join(CELL_CACHE_KEYS[model])


def _compare(got, want, path: str, name: str, context: str, values: bool) -> None:
    __tracebackhide__ = True
    if isinstance(want, Mapping):
        if not isinstance(got, Mapping):
            raise FeedbackError(f"{name}: {path} must be a dict.\nIt is a {type(got).__name__}, for {context}.")
        for k in want:
            if k not in got:
                raise FeedbackError(f"{name}: {path} is missing {k!r}.\nIt must hold every key of {path}.")
            _compare(got[k], want[k], f'{path}["{k}"]', name, context, values)
        return
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise FeedbackError(
            f"{name}: {path} is not an array of numbers.\nIt is a {type(got).__name__}, for {context}."
        ) from None
    want = np.asarray(want)
    if array.shape != want.shape:
        raise FeedbackError(
            f"{name}: {path} has the wrong shape.\nIt is {array.shape} for {context}; expected {want.shape}."
        )
    if values and not close(array, want):
        raise FeedbackError(
            f"{name}: {path} holds the wrong values.\nFor {context} it differs by up to "
            f"{max_diff(array, want):.3g} from what the step computed (or was given) under that name."
        )


def require_cell_cache(cache, want: Mapping, model: str, name: str, context: str, *,
                       values: bool, where: str = "the cache") -> None:
    """``cache`` (what the learner's cell ``name`` returned) holds the contract's keys, shaped
    like those of the reference cache ``want`` (and, with ``values``, equal to them)."""
    __tracebackhide__ = True
    keys = CELL_CACHE_KEYS[model]
    if not isinstance(cache, Mapping):
        raise FeedbackError(
            f"{name}: {where} must be a dict, not a {type(cache).__name__}.\n"
            f"The backward pass reads it: a dict with the keys {_keys(model)}."
        )
    missing = [k for k in keys if k not in cache]
    if missing:
        raise FeedbackError(
            f"{name}: {where} is missing {missing[0]!r}.\n"
            f"The backward pass reads it: a dict with the keys {_keys(model)} "
            f"(missing: {', '.join(map(repr, missing))})."
        )
    for k in keys:
        path = f'{where}["{k}"]' if where != "the cache" else f'cache["{k}"]'
        _compare(cache[k], want[k], path, name, context, values)


def require_sequence_cache(cache, want: list, model: str, name: str, cell: str, context: str, *,
                           values: bool) -> None:
    """``cache`` (what the learner's sequence ``name`` returned) is the list of the T cell
    caches of ``cell``, one per step, like ``want`` (the reference's, from ``unroll``)."""
    __tracebackhide__ = True
    T = len(want)
    if not isinstance(cache, (list, tuple)):
        raise FeedbackError(
            f"{name}: the cache must be a list of the {T} step caches.\n"
            f"It is a {type(cache).__name__}. Append the cache that {cell} returns at every step "
            f"to a list: cache[k] is the cache of the step that read X[k]."
        )
    if len(cache) != T:
        raise FeedbackError(
            f"{name}: the cache holds {len(cache)} step caches for {T} steps.\n"
            f"It must hold one per step, in order: cache[k] is the cache of the step that read X[k]."
        )
    for k, (got, ref) in enumerate(zip(cache, want)):
        require_cell_cache(got, ref, model, name, f"step {k} of {context}", values=values, where=f"cache[{k}]")
