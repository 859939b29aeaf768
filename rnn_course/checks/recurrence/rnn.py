"""Feedback checks for the vanilla RNN forward pass (exercise ex01-recurrence, Parts 1 and 2)."""

from __future__ import annotations

import numpy as np

from ...layers.activations import sigmoid
from ...layers.rnn import rnn_cell_forward
from ...layers.unroll import unroll
from .._caches import require_cell_cache, require_sequence_cache
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack_pair
from .._hints import product_hint
from .._inputs import case, rnn_params
from .._sequence import diagnose_states, require_states_shape
from .._watch import uses

CELL = "rnn_cell_forward"
SEQ = "rnn_forward"


def _rnn_hint(args: dict, batch_of: str = "x_t"):
    """The hint for a product that did not fit in a function computing the RNN step."""
    __tracebackhide__ = True
    p = args["params"]
    products = {"W_x": ("x_t", np.shape(p["W_x"])), "W_h": ("h_prev", np.shape(p["W_h"]))}
    shape = np.shape(args[batch_of])
    batch = shape[-2] if len(shape) >= 2 else None
    return lambda exc: product_hint(exc, products, batch)


def _cell(fn, x, h, params, context):
    """Run the learner's cell: (h_t, cache) checked for form, and the reference's (h_t, cache)."""
    __tracebackhide__ = True
    args = {"x_t": x, "h_prev": h, "params": params}
    h_t, cache = unpack_pair(call_learner(fn, CELL, args, hint=_rnn_hint(args)), CELL, "h_t")
    h_t = as_result_array(h_t, CELL, "h_t")
    expected, want_cache = rnn_cell_forward(x, h, params)
    require_result_shape(h_t, expected.shape, CELL, "h_t", context)
    return (h_t, cache), (expected, want_cache)


def check_rnn_cell_forward_shapes(fn, *, hidden: bool = False) -> None:
    """h_t is (H,) for a single example (D,) and (B, H) for a batch (B, D); the cache is the
    dict the backward pass reads (keys x_t, h_prev, h_t, W_x, W_h)."""
    __tracebackhide__ = True
    rng, (_, B, D, H), params = case(hidden, 1, rnn_params)
    for lead, context in (((), f"a single example x_t ({D},), h_prev ({H},)"),
                          ((B,), f"a batch x_t ({B}, {D}), h_prev ({B}, {H})")):
        (_, cache), (_, want) = _cell(fn, rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)),
                                      params, context)
        require_cell_cache(cache, want, "rnn", CELL, context, values=False)
    passed(f"{CELL} returns h_t of shape (H,) for one example and (B, H) for a batch, and its cache", hidden)


FORMULA = "h_t = tanh(W_h h_prev + W_x x_t + b_h)"


def check_rnn_cell_forward_values(fn, *, hidden: bool = False) -> None:
    """Each term on its own, then all together, for one example and for a batch."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 2, rnn_params)
    x, h = rng.normal(size=D), rng.normal(size=H)
    _input_term(fn, x, p)
    _recurrent_term(fn, h, p)
    _bias_term(fn, p)
    _all_terms(fn, x, h, p, rng, B)
    passed(f"{CELL} gives the right values: input term, recurrent term, bias and tanh", hidden)


def _input_term(fn, x, p):
    """Only the input term: h_prev = 0, b_h = 0."""
    __tracebackhide__ = True
    H = len(p["b_h"])
    (got, _), (want, _) = _cell(fn, x, np.zeros(H), {**p, "b_h": np.zeros(H)}, "x_t only (h_prev = 0, b_h = 0)")
    if close(got, want):
        return
    pre = p["W_x"] @ x
    if close(got, pre):
        raise FeedbackError(f"{CELL}: tanh is missing.\n{FORMULA}")
    if close(got, sigmoid(pre)):
        raise FeedbackError(f"{CELL}: the activation should be tanh, not the sigmoid.\n{FORMULA}")
    if close(got, np.zeros(H)):
        raise FeedbackError(f"{CELL}: h_t does not depend on x_t.\nThe W_x x_t term is missing: {FORMULA}")
    raise FeedbackError(
        f"{CELL}: the input term W_x x_t is wrong.\nWith h_prev = 0 and b_h = 0, h_t should be "
        f"tanh(W_x x_t); yours differs by up to {max_diff(got, want):.3g}. In code: x_t @ W_x.T."
    )


def _recurrent_term(fn, h, p):
    """Only the recurrent term: x_t = 0, b_h = 0."""
    __tracebackhide__ = True
    H, D = np.shape(p["W_x"])
    (got, _), (want, _) = _cell(fn, np.zeros(D), h, {**p, "b_h": np.zeros(H)}, "h_prev only (x_t = 0, b_h = 0)")
    if close(got, want):
        return
    if close(got, np.zeros(H)):
        raise FeedbackError(f"{CELL}: h_t does not depend on h_prev.\nThe W_h h_prev term is missing: {FORMULA}")
    if close(got, np.tanh(h @ p["W_h"])):
        raise FeedbackError(f"{CELL}: W_h is applied transposed.\nW_h h_prev is h_prev @ W_h.T in code.")
    if close(got, np.tanh(h)):
        raise FeedbackError(f"{CELL}: h_prev is not multiplied by W_h.\nThe recurrent term is W_h h_prev.")
    raise FeedbackError(
        f"{CELL}: the recurrent term W_h h_prev is wrong.\nWith x_t = 0 and b_h = 0, h_t should be "
        f"tanh(W_h h_prev); yours differs by up to {max_diff(got, want):.3g}."
    )


def _bias_term(fn, p):
    """Only the bias: x_t = 0, h_prev = 0."""
    __tracebackhide__ = True
    H, D = np.shape(p["W_x"])
    (got, _), (want, _) = _cell(fn, np.zeros(D), np.zeros(H), p, "the bias only (x_t = 0, h_prev = 0)")
    if close(got, want):
        return
    if close(got, np.zeros(H)):
        raise FeedbackError(f"{CELL}: the bias b_h is missing.\n{FORMULA}")
    raise FeedbackError(
        f"{CELL}: the bias term is wrong.\nWith x_t = 0 and h_prev = 0, h_t should be tanh(b_h); "
        f"yours differs by up to {max_diff(got, want):.3g}. Check how b_h is added."
    )


def _all_terms(fn, x, h, p, rng, B):
    """All terms together, for a single example and for a batch; then the cache's values."""
    __tracebackhide__ = True
    H, D = np.shape(p["W_x"])
    for lead, context in (((), "a single example"), ((B,), f"a batch of {B}")):
        xs, hs = (x, h) if not lead else (rng.normal(size=(B, D)), rng.normal(size=(B, H)))
        (got, cache), (want, want_cache) = _cell(fn, xs, hs, p, context)
        if not close(got, want) and not lead:
            parts = np.tanh(p["W_x"] @ x) + np.tanh(p["W_h"] @ h) + np.tanh(p["b_h"])
            if close(got, parts):
                raise FeedbackError(f"{CELL}: apply tanh once, to the sum of the terms.\n{FORMULA}")
            raise FeedbackError(
                f"{CELL}: each term is right alone, but not their sum.\nTogether they differ by up to "
                f"{max_diff(got, want):.3g}: {FORMULA}"
            )
        if not close(got, want):
            raise FeedbackError(
                f"{CELL}: right for one example but wrong for a batch.\nFor a batch (B, D) it differs by up "
                f"to {max_diff(got, want):.3g}: each row of x_t and h_prev is one example."
            )
        require_cell_cache(cache, want_cache, "rnn", CELL, context, values=True)


def _seq(fn, X, h0, params, context, used):
    __tracebackhide__ = True
    args = {"X": X, "h0": h0, "params": params}
    result = call_learner(fn, SEQ, args, hint=_rnn_hint(args, "h0"), used=used)
    hs, cache = unpack_pair(result, SEQ, "hs")
    hs = as_result_array(hs, SEQ, "hs")
    expected, want_cache = unroll(rnn_cell_forward, X, h0, params=params)
    require_states_shape(hs, expected, SEQ, context)
    return (hs, cache), (expected, want_cache)


def _diagnose_seq(got, want, X, h0, p) -> None:
    __tracebackhide__ = True

    def from_h0():
        return np.tanh(h0 @ p["W_h"].T + X @ p["W_x"].T + p["b_h"])

    diagnose_states(SEQ, got, want, X, h0, lambda X_, h0_: unroll(rnn_cell_forward, X_, h0_, params=p)[0],
                    from_h0, CELL)


def _uses_cell(cell):
    __tracebackhide__ = True
    return uses(cell, CELL, 1, check_rnn_cell_forward_shapes, check_rnn_cell_forward_values)


def check_rnn_forward_shapes(fn, *, cell=None, hidden: bool = False) -> None:
    """hs is (T, H) for a sequence (T, D) and (T, B, H) for a batch of sequences (T, B, D);
    the cache is the list of the T cell caches.

    ``cell`` is the learner's ``rnn_cell_forward``: when ``fn`` runs it and it fails its own
    checks, the message says to fix Part 1 first.
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 3, rnn_params)
    used = _uses_cell(cell)
    with builds_on(SEQ, used, hidden):
        for lead, context in (((), f"X of shape ({T}, {D}) and h0 ({H},)"),
                              ((B,), f"X of shape ({T}, {B}, {D}) and h0 ({B}, {H})")):
            (_, cache), (_, want) = _seq(fn, rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H)),
                                         p, context, used)
            require_sequence_cache(cache, want, "rnn", SEQ, CELL, context, values=False)
    passed(f"{SEQ} returns hs of shape (T, H) for one sequence and (T, B, H) for a batch, and the "
           f"list of the cell caches", hidden)


def check_rnn_forward_values(fn, *, cell=None, hidden: bool = False) -> None:
    """A one-step sequence, then longer ones, single and batched.

    ``cell`` is the learner's ``rnn_cell_forward`` (see :func:`check_rnn_forward_shapes`).
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 4, rnn_params)
    used = _uses_cell(cell)
    h0 = rng.normal(size=H)
    with builds_on(SEQ, used, hidden):
        for X, h, context in ((rng.normal(size=(1, D)), h0, "a sequence of one step"),
                              (rng.normal(size=(T, D)), h0, f"a sequence of {T} steps"),
                              (rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), f"a batch of {B} sequences")):
            (got, cache), (want, want_cache) = _seq(fn, X, h, p, context, used)
            _diagnose_seq(got, want, X, h, p)
            require_sequence_cache(cache, want_cache, "rnn", SEQ, CELL, context, values=True)
    passed(f"{SEQ} carries the hidden state through time correctly", hidden)
