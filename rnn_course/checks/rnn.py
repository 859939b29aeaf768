"""Feedback checks for the vanilla RNN forward pass (exercise ex01-recurrence)."""

from __future__ import annotations

import numpy as np

from ..layers.activations import sigmoid
from ..layers.rnn import rnn_cell_forward, rnn_forward
from ._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from ._core import require_result_shape, unpack_pair
from ._inputs import case, rnn_params
from ._sequence import diagnose_states, require_states_shape

CELL = "rnn_cell_forward"
SEQ = "rnn_forward"


def _cell(fn, x, h, params, context):
    __tracebackhide__ = True
    h_t, _ = unpack_pair(call_learner(fn, CELL, {"x_t": x, "h_prev": h, "params": params}), CELL, "h_t")
    h_t = as_result_array(h_t, CELL, "h_t")
    expected, _ = rnn_cell_forward(x, h, params)
    require_result_shape(h_t, expected.shape, CELL, "h_t", context)
    return h_t, expected


def check_rnn_cell_forward_shapes(fn, *, hidden: bool = False) -> None:
    """h_t is (H,) for a single example (D,) and (B, H) for a batch (B, D)."""
    __tracebackhide__ = True
    rng, (_, B, D, H), params = case(hidden, 1, rnn_params)
    _cell(fn, rng.normal(size=D), rng.normal(size=H), params, f"a single example x_t ({D},), h_prev ({H},)")
    _cell(fn, rng.normal(size=(B, D)), rng.normal(size=(B, H)), params,
          f"a batch x_t ({B}, {D}), h_prev ({B}, {H})")
    passed(f"{CELL} returns h_t of shape (H,) for one example and (B, H) for a batch", hidden)


def check_rnn_cell_forward_values(fn, *, hidden: bool = False) -> None:
    """Each term on its own, then all together, for one example and for a batch."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 2, rnn_params)
    zeros_b = {**p, "b_h": np.zeros(H)}
    x, h = rng.normal(size=D), rng.normal(size=H)

    # 1. Only the input term: h_prev = 0, b_h = 0.
    got, want = _cell(fn, x, np.zeros(H), zeros_b, "x_t only (h_prev = 0, b_h = 0)")
    if not close(got, want):
        pre = p["W_x"] @ x
        if close(got, pre):
            raise FeedbackError(f"{CELL}: tanh is missing: h_t should be tanh(W_h h_prev + W_x x_t + b_h)")
        if close(got, sigmoid(pre)):
            raise FeedbackError(f"{CELL}: the activation should be tanh, not the sigmoid")
        if close(got, np.zeros(H)):
            raise FeedbackError(f"{CELL}: h_t does not depend on x_t: the W_x x_t term is missing")
        raise FeedbackError(
            f"{CELL}: with h_prev = 0 and b_h = 0, h_t should be tanh(W_x x_t); yours differs by up to "
            f"{max_diff(got, want):.3g}. Check the input term W_x x_t (x_t @ W_x.T)."
        )

    # 2. Only the recurrent term: x_t = 0, b_h = 0.
    got, want = _cell(fn, np.zeros(D), h, zeros_b, "h_prev only (x_t = 0, b_h = 0)")
    if not close(got, want):
        if close(got, np.zeros(H)):
            raise FeedbackError(f"{CELL}: h_t does not depend on h_prev: the W_h h_prev term is missing")
        if close(got, np.tanh(h @ p["W_h"])):
            raise FeedbackError(f"{CELL}: W_h is applied transposed: W_h h_prev is h_prev @ W_h.T")
        if close(got, np.tanh(h)):
            raise FeedbackError(f"{CELL}: h_prev is added without being multiplied by W_h")
        raise FeedbackError(
            f"{CELL}: with x_t = 0 and b_h = 0, h_t should be tanh(W_h h_prev); yours differs by up to "
            f"{max_diff(got, want):.3g}. Check the recurrent term W_h h_prev."
        )

    # 3. Only the bias: x_t = 0, h_prev = 0.
    got, want = _cell(fn, np.zeros(D), np.zeros(H), p, "the bias only (x_t = 0, h_prev = 0)")
    if not close(got, want):
        if close(got, np.zeros(H)):
            raise FeedbackError(f"{CELL}: the bias b_h is missing")
        raise FeedbackError(
            f"{CELL}: with x_t = 0 and h_prev = 0, h_t should be tanh(b_h); yours differs by up to "
            f"{max_diff(got, want):.3g}. Check how b_h is added."
        )

    # 4. All terms together, single example and batch.
    got, want = _cell(fn, x, h, p, "a single example")
    if not close(got, want):
        parts = np.tanh(p["W_x"] @ x) + np.tanh(p["W_h"] @ h) + np.tanh(p["b_h"])
        if close(got, parts):
            raise FeedbackError(f"{CELL}: apply tanh once, to the sum of the three terms, not to each term")
        raise FeedbackError(
            f"{CELL}: each term is right on its own but their combination differs by up to "
            f"{max_diff(got, want):.3g}: h_t = tanh(W_h h_prev + W_x x_t + b_h)"
        )
    xb, hb = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    got, want = _cell(fn, xb, hb, p, f"a batch of {B}")
    if not close(got, want):
        raise FeedbackError(
            f"{CELL}: right for one example but wrong for a batch (B, D) (differs by up to "
            f"{max_diff(got, want):.3g}): each row of x_t and h_prev is one example"
        )
    passed(f"{CELL} gives the right values: input term, recurrent term, bias and tanh", hidden)


def _seq(fn, X, h0, params, context):
    __tracebackhide__ = True
    hs, _ = unpack_pair(call_learner(fn, SEQ, {"X": X, "h0": h0, "params": params}), SEQ, "hs")
    hs = as_result_array(hs, SEQ, "hs")
    expected, _ = rnn_forward(X, h0, params)
    require_states_shape(hs, expected, SEQ, context)
    return hs, expected


def _diagnose_seq(got, want, X, h0, p) -> None:
    __tracebackhide__ = True

    def from_h0():
        return np.tanh(h0 @ p["W_h"].T + X @ p["W_x"].T + p["b_h"])

    diagnose_states(SEQ, got, want, X, h0, lambda X_, h0_: rnn_forward(X_, h0_, p)[0], from_h0, CELL)


def check_rnn_forward_shapes(fn, *, hidden: bool = False) -> None:
    """hs is (T, H) for a sequence (T, D) and (T, B, H) for a batch of sequences (T, B, D)."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 3, rnn_params)
    _seq(fn, rng.normal(size=(T, D)), rng.normal(size=H), p, f"X of shape ({T}, {D}) and h0 ({H},)")
    _seq(fn, rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), p,
         f"X of shape ({T}, {B}, {D}) and h0 ({B}, {H})")
    passed(f"{SEQ} returns hs of shape (T, H) for one sequence and (T, B, H) for a batch", hidden)


def check_rnn_forward_values(fn, *, hidden: bool = False) -> None:
    """A one-step sequence, then longer ones, single and batched."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 4, rnn_params)
    X1, h0 = rng.normal(size=(1, D)), rng.normal(size=H)
    got, want = _seq(fn, X1, h0, p, "a sequence of one step")
    _diagnose_seq(got, want, X1, h0, p)
    X = rng.normal(size=(T, D))
    got, want = _seq(fn, X, h0, p, f"a sequence of {T} steps")
    _diagnose_seq(got, want, X, h0, p)
    Xb, h0b = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    got, want = _seq(fn, Xb, h0b, p, f"a batch of {B} sequences")
    if not close(got, want):
        _diagnose_seq(got, want, Xb, h0b, p)
    passed(f"{SEQ} carries the hidden state through time correctly", hidden)
