"""Feedback checks for the RNN backward pass (exercise ex02-bptt).

The learner's backward functions receive the caches made by the reference forward
functions (documented in the exercise), so grading ex02 does not depend on ex01.
"""

from __future__ import annotations

import numpy as np

from ..layers.rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from ._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from ._core import require_result_shape, unpack_triple
from ._inputs import case, rnn_params

CELL = "rnn_cell_backward"
SEQ = "rnn_backward"
GRAD_KEYS = ("W_x", "W_h", "b_h")


def _unpack_triple(result, name: str, first: str, second: str):
    __tracebackhide__ = True
    d1, d2, grads = unpack_triple(result, name, first, second)
    missing = [k for k in GRAD_KEYS if k not in grads]
    if missing:
        raise FeedbackError(
            f"{name}: grads is missing {', '.join(repr(k) for k in missing)}; it must have the keys "
            f"'W_x', 'W_h', 'b_h' (the same names as params)"
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
                f'{name}: grads["b_h"] has shape {g.shape} for {context}: sum it over the batch axis '
                f"(and time), to shape {want}"
            )
        require_result_shape(g, want, name, f'grads["{k}"]', context)
        out[k] = g
    return out


def _run_cell(fn, dh, cache, context):
    __tracebackhide__ = True
    result = call_learner(fn, CELL, {"dh_t": dh, "cache": cache})
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
        raise FeedbackError(f"{CELL}: the derivative of tanh is missing: multiply dh_t by (1 - h_t**2) first")
    wrong_h = _cell_formulas(dh, cache, deriv=1.0 - cache["h_prev"] ** 2)
    if close(dx, wrong_h[0]):
        raise FeedbackError(f"{CELL}: the tanh derivative uses h_prev; it must use the output h_t: (1 - h_t**2)")
    wrong_tanh = _cell_formulas(dh, cache, deriv=1.0 - np.tanh(h_t) ** 2)
    if close(dx, wrong_tanh[0]):
        raise FeedbackError(
            f"{CELL}: h_t is already tanh(a), so the derivative is 1 - h_t**2, not 1 - tanh(h_t)**2"
        )
    if batch and close(g["W_x"] * batch, wg["W_x"]):
        raise FeedbackError(f"{CELL}: gradients are averaged over the batch; sum them instead")
    for name, a, b in (("dx_t", dx, wdx), ("dh_prev", dh_prev, wdh)):
        if not close(a, b):
            hint = " (dh_prev = da @ W_h: is W_h transposed?)" if name == "dh_prev" else " (dx_t = da @ W_x)"
            raise FeedbackError(f"{CELL}: {name} is wrong, off by up to {max_diff(a, b):.3g}{hint}")
    for k in GRAD_KEYS:
        if not close(g[k], wg[k]):
            if g[k].ndim == 2 and g[k].shape[0] == g[k].shape[1] and close(g[k].T, wg[k]):
                raise FeedbackError(f'{CELL}: grads["{k}"] is transposed: it is da^T times the input, shape like params["{k}"]')
            raise FeedbackError(f'{CELL}: grads["{k}"] is wrong, off by up to {max_diff(g[k], wg[k]):.3g}')


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


def _run_seq(fn, dhs, cache, context):
    __tracebackhide__ = True
    result = call_learner(fn, SEQ, {"dhs": dhs, "cache": cache})
    dX, dh0, grads = _unpack_triple(result, SEQ, "dX", "dh0")
    want_dX, want_dh0, want_g = rnn_backward(dhs, cache)
    dX = as_result_array(dX, SEQ, "dX")
    dh0 = as_result_array(dh0, SEQ, "dh0")
    require_result_shape(dX, want_dX.shape, SEQ, "dX", context)
    require_result_shape(dh0, want_dh0.shape, SEQ, "dh0", context)
    grads = _grads_arrays(grads, SEQ, context, want_g)
    return (dX, dh0, grads), (want_dX, want_dh0, want_g)


def _no_carry(dhs, cache):
    """Each step's gradient from dhs[t] alone: dh_next never added."""
    __tracebackhide__ = True
    X, h0, hs = cache["X"], cache["h0"], cache["hs"]
    h_prevs = np.concatenate([h0[None], hs[:-1]])
    total = {k: 0.0 for k in GRAD_KEYS}
    dX = np.empty_like(X)
    for t in range(X.shape[0]):
        c = {"x_t": X[t], "h_prev": h_prevs[t], "h_t": hs[t], "W_x": cache["W_x"], "W_h": cache["W_h"]}
        dX[t], _, g = rnn_cell_backward(dhs[t], c)
        total = {k: total[k] + g[k] for k in GRAD_KEYS}
    return dX, total


def _das(dhs, cache):
    """Gradients with respect to the pre-activations, step by step, as BPTT computes them."""
    __tracebackhide__ = True
    hs, W_h = cache["hs"], cache["W_h"]
    das, dh_next = np.empty_like(hs), np.zeros_like(cache["h0"])
    for t in range(hs.shape[0] - 1, -1, -1):
        das[t] = (dhs[t] + dh_next) * (1.0 - hs[t] ** 2)
        dh_next = das[t] @ W_h
    return das


def _diagnose_seq(got, want, dhs, cache) -> None:
    __tracebackhide__ = True
    dX, dh0, g = got
    wdX, wdh0, wg = want
    if close(dX, wdX) and close(dh0, wdh0) and all(close(g[k], wg[k]) for k in GRAD_KEYS):
        return
    T = dhs.shape[0]
    nc_dX, nc_g = _no_carry(dhs, cache)
    if T > 1 and (close(dX, nc_dX) or close(g["W_h"], nc_g["W_h"])):
        raise FeedbackError(
            f"{SEQ}: the gradient flowing back through time is lost: at step t use "
            f"dh = dhs[t] + dh_next, where dh_next is the dh_prev returned by step t+1"
        )
    if close(dX, wdX) and close(dh0, wdh0):
        das, hs = _das(dhs, cache), cache["hs"]
        same_step = das.reshape(-1, das.shape[-1]).T @ hs.reshape(-1, hs.shape[-1])
        if close(g["W_h"], same_step):
            raise FeedbackError(
                f'{SEQ}: grads["W_h"] uses the wrong time index: at step t the recurrent input is '
                f"h_(t-1), which is hs[t-1] (or h0 when t = 0), not hs[t]"
            )
        for k in GRAD_KEYS:
            if not close(g[k], wg[k]):
                raise FeedbackError(
                    f'{SEQ}: dX and dh0 are right but grads["{k}"] is wrong (off by up to '
                    f"{max_diff(g[k], wg[k]):.3g}): the parameters are shared by every step, so "
                    f"add up each step's gradient (+=) instead of overwriting it"
                )
    if not close(dh0, wdh0):
        raise FeedbackError(
            f"{SEQ}: dh0 is wrong (off by up to {max_diff(dh0, wdh0):.3g}): it is the dh_prev of step 0, "
            f"after the loop has gone back through every step"
        )
    bad = int(np.argmax([not close(a, b) for a, b in zip(dX, wdX)]))
    raise FeedbackError(
        f"{SEQ}: dX[{bad}] is wrong (off by up to {max_diff(dX[bad], wdX[bad]):.3g}): check the time "
        f"index of the state whose derivative you use, 1 - hs[t]**2 at step t"
    )


def check_rnn_backward(fn, *, hidden: bool = False) -> None:
    """A one-step sequence, then longer sequences, single and batched."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 6, rnn_params)
    for shape, context in (((1,), "a sequence of one step"), ((T,), f"a sequence of {T} steps"),
                           ((T, B), f"a batch of {B} sequences of {T} steps")):
        lead = shape[1:]
        _, cache = rnn_forward(rng.normal(size=(*shape, D)), rng.normal(size=(*lead, H)), p)
        dhs = rng.normal(size=(*shape, H))
        got, want = _run_seq(fn, dhs, cache, context)
        _diagnose_seq(got, want, dhs, cache)
    passed(f"{SEQ} backpropagates through time correctly: dX, dh0 and gradients summed over steps", hidden)
