"""Feedback checks for the RNN backward pass (exercise ex02-bptt, Parts 1 and 2).

The learner's backward functions receive caches made by the reference cell forward
(the cache contract, see ``_caches``): one cell cache for ``rnn_cell_backward``, the list
of the T cell caches for ``rnn_backward``. So grading ex02 does not depend on ex01.
"""

from __future__ import annotations

import numpy as np

from ...layers.rnn import rnn_cell_backward, rnn_cell_forward
from ...layers.unroll import unroll
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack_triple
from .._hints import mismatch_sizes
from .._inputs import case, rnn_params
from .._sequence import bptt, diagnose_bptt
from .._watch import uses

CELL = "rnn_cell_backward"
SEQ = "rnn_backward"
GRAD_KEYS = ("W_x", "W_h", "b_h")


def _hint(cache: dict):
    """A cell backward's products: da (..., H) against W_x (H, D), and da^T against x_t."""
    __tracebackhide__ = True
    H, D = np.shape(cache["W_x"])

    def hint(exc):
        if mismatch_sizes(exc) != {H, D}:
            return ""
        return (f"Hint: going back, the weights are not transposed: dx_t = da @ W_x, (..., {H}) @ ({H}, {D}). "
                f"For one example the weight gradients are outer products: np.outer(da, x_t).")
    return hint


def _unpack_triple(result, name: str, first: str, second: str):
    __tracebackhide__ = True
    d1, d2, grads = unpack_triple(result, name, first, second)
    missing = [k for k in GRAD_KEYS if k not in grads]
    if missing:
        raise FeedbackError(
            f"{name}: grads is missing {missing[0]!r}.\n"
            f"It must have the keys 'W_x', 'W_h', 'b_h' (the same names as params)."
        )
    return d1, d2, grads


def _grads_arrays(grads, name, context, expected):
    __tracebackhide__ = True
    out = {}
    for k in GRAD_KEYS:
        g = as_result_array(grads[k], name, f'grads["{k}"]')
        want = expected[k].shape
        if k == "b_h" and g.ndim == 2 and g.shape[-1] == want[0]:
            raise FeedbackError(
                f'{name}: grads["b_h"] must be summed over the batch.\n'
                f"It has shape {g.shape} for {context}: sum it over the batch axis (and time), to {want}."
            )
        require_result_shape(g, want, name, f'grads["{k}"]', context)
        out[k] = g
    return out


def _run_cell(fn, dh, cache, context):
    __tracebackhide__ = True
    result = call_learner(fn, CELL, {"dh_t": dh, "cache": cache}, hint=_hint(cache))
    dx, dh_prev, grads = _unpack_triple(result, CELL, "dx_t", "dh_prev")
    want_dx, want_dh, want_g = rnn_cell_backward(dh, cache)
    dx = as_result_array(dx, CELL, "dx_t")
    dh_prev = as_result_array(dh_prev, CELL, "dh_prev")
    require_result_shape(dx, want_dx.shape, CELL, "dx_t", context)
    require_result_shape(dh_prev, want_dh.shape, CELL, "dh_prev", context)
    grads = _grads_arrays(grads, CELL, context, want_g)
    return (dx, dh_prev, grads), (want_dx, want_dh, want_g)


def _cell_formulas(dh, cache, *, deriv):
    """The cell backward with a chosen 'derivative' factor, to recognise mistakes."""
    __tracebackhide__ = True
    x, h_prev, W_x, W_h = cache["x_t"], cache["h_prev"], cache["W_x"], cache["W_h"]
    da = dh * deriv
    flat = lambda a: a.reshape(-1, a.shape[-1])  # noqa: E731
    return da @ W_x, da @ W_h, {
        "W_x": flat(da).T @ flat(x), "W_h": flat(da).T @ flat(h_prev), "b_h": flat(da).sum(0)}


def _diagnose_cell(got, want, dh, cache, batch: int | None) -> None:
    __tracebackhide__ = True
    dx, dh_prev, g = got
    wdx, wdh, wg = want
    if all(close(a, b) for a, b in ((dx, wdx), (dh_prev, wdh))) and all(close(g[k], wg[k]) for k in GRAD_KEYS):
        return
    h_t = cache["h_t"]
    no_deriv = _cell_formulas(dh, cache, deriv=1.0)
    if close(dx, no_deriv[0]) or close(g["W_x"], no_deriv[2]["W_x"]):
        raise FeedbackError(f"{CELL}: the derivative of tanh is missing.\nMultiply dh_t by (1 - h_t**2) first.")
    wrong_h = _cell_formulas(dh, cache, deriv=1.0 - cache["h_prev"] ** 2)
    if close(dx, wrong_h[0]):
        raise FeedbackError(
            f"{CELL}: tanh′ must use h_t, not h_prev.\nThe derivative is (1 - h_t**2), "
            f"with the step's output h_t = cache['h_t']."
        )
    wrong_tanh = _cell_formulas(dh, cache, deriv=1.0 - np.tanh(h_t) ** 2)
    if close(dx, wrong_tanh[0]):
        raise FeedbackError(
            f"{CELL}: tanh′ is 1 - h_t**2, not 1 - tanh(h_t)**2.\nh_t is already tanh(a)."
        )
    if batch and close(g["W_x"] * batch, wg["W_x"]):
        raise FeedbackError(f"{CELL}: gradients are averaged over the batch.\nSum them over the batch instead.")
    for name, a, b in (("dx_t", dx, wdx), ("dh_prev", dh_prev, wdh)):
        if not close(a, b):
            hint = "dh_prev = da @ W_h: is W_h transposed?" if name == "dh_prev" else "dx_t = da @ W_x."
            raise FeedbackError(f"{CELL}: {name} is wrong.\nIt is off by up to {max_diff(a, b):.3g}. {hint}")
    for k in GRAD_KEYS:
        if not close(g[k], wg[k]):
            if g[k].ndim == 2 and g[k].shape[0] == g[k].shape[1] and close(g[k].T, wg[k]):
                raise FeedbackError(
                    f'{CELL}: grads["{k}"] is transposed.\nIt is da^T times the input, shaped like params["{k}"].'
                )
            raise FeedbackError(f'{CELL}: grads["{k}"] is wrong.\nIt is off by up to {max_diff(g[k], wg[k]):.3g}.')


def check_rnn_cell_backward(fn, *, hidden: bool = False) -> None:
    """Shapes, then values for one example and for a batch."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 5, rnn_params)
    for lead, context in (((), "a single example"), ((B,), f"a batch of {B}")):
        _, cache = rnn_cell_forward(rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)), p)
        dh = rng.normal(size=(*lead, H))
        got, want = _run_cell(fn, dh, cache, context)
        _diagnose_cell(got, want, dh, cache, B if lead else None)
    passed(f"{CELL} gives the right dx_t, dh_prev and parameter gradients, single and batched", hidden)


def _run_seq(fn, dhs, caches, context, used):
    __tracebackhide__ = True
    result = call_learner(fn, SEQ, {"dhs": dhs, "cache": caches}, hint=_hint(caches[0]), used=used)
    dX, dh0, grads = _unpack_triple(result, SEQ, "dX", "dh0")
    want = bptt(rnn_cell_backward, dhs, caches)
    dX = as_result_array(dX, SEQ, "dX")
    dh0 = as_result_array(dh0, SEQ, "dh0")
    require_result_shape(dX, want["dX"].shape, SEQ, "dX", context)
    require_result_shape(dh0, want["dh0"].shape, SEQ, "dh0", context)
    grads = _grads_arrays(grads, SEQ, context, want)
    return {"dX": dX, "dh0": dh0, **grads}, want


def check_rnn_backward(fn, *, cell=None, hidden: bool = False) -> None:
    """A one-step sequence, then longer sequences, single and batched. ``cache`` is the list of
    the T cell caches of ``rnn_course.rnn_cell_forward``.

    ``cell`` is the learner's ``rnn_cell_backward``: when ``fn`` runs it and it fails its own
    check, the message says to fix Part 1 first.
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 6, rnn_params)
    used = uses(cell, CELL, 1, check_rnn_cell_backward)
    with builds_on(SEQ, used, hidden):
        for shape, context in (((1,), "a sequence of one step"), ((T,), f"a sequence of {T} steps"),
                               ((T, B), f"a batch of {B} sequences of {T} steps")):
            lead = shape[1:]
            hs, caches = unroll(rnn_cell_forward, rng.normal(size=(*shape, D)), rng.normal(size=(*lead, H)), params=p)
            dhs = rng.normal(size=hs.shape)
            got, want = _run_seq(fn, dhs, caches, context, used)
            diagnose_bptt(SEQ, CELL, got, want, dhs, caches, rnn_cell_backward, GRAD_KEYS, part=1)
    passed(f"{SEQ} backpropagates through time correctly: dX, dh0 and gradients summed over steps", hidden)
