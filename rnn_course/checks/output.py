"""Feedback checks for the softmax output layer and a learned initial state (ex01)."""

from __future__ import annotations

import numpy as np

from ..layers.output import output_probs
from ..layers.rnn import rnn_forward
from ._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from ._core import require_result_shape, rng_for, unpack_pair
from ._inputs import sizes, rnn_params

OUT = "rnn_output"
LEARNED = "rnn_forward_learned_h0"


def check_rnn_output(fn, *, hidden: bool = False) -> None:
    """o_t = softmax(W_y h_t + b_y) for one state, a batch and a whole sequence at once."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 9)
    T, B, _, H = sizes(rng, hidden)
    O = H + 2
    p = {"W_y": rng.normal(0, 1.0, (O, H)), "b_y": rng.normal(0, 0.5, O)}
    for shape, context in (((), "one state h_t (H,)"), ((B,), f"a batch ({B}, H)"),
                           ((T, B), f"a whole sequence hs ({T}, {B}, H)")):
        hs = rng.normal(size=(*shape, H))
        got = as_result_array(call_learner(fn, OUT, {"hs": hs, "params": p}), OUT, "o")
        want = output_probs(hs, p)
        require_result_shape(got, want.shape, OUT, "o", context)
        if close(got, want):
            continue
        logits = hs @ p["W_y"].T + p["b_y"]
        if close(got, logits):
            raise FeedbackError(f"{OUT}: the softmax is missing: o_t = softmax(W_y h_t + b_y)")
        if not np.allclose(got.sum(-1), 1.0):
            raise FeedbackError(
                f"{OUT}: for {context} the probabilities do not sum to 1 over the last axis: "
                f"normalise with axis=-1 (and keepdims=True)"
            )
        if close(got, output_probs(hs, {**p, "b_y": np.zeros(O)})):
            raise FeedbackError(f"{OUT}: the bias b_y is missing")
        raise FeedbackError(f"{OUT}: o is wrong for {context} (off by up to {max_diff(got, want):.3g})")
    big = rng.normal(size=(B, H)) * 300.0
    got = np.asarray(call_learner(fn, OUT, {"hs": big, "params": p}), dtype=np.float64)
    if not np.all(np.isfinite(got)) or not close(got, output_probs(big, p)):
        raise FeedbackError(f"{OUT}: wrong for large scores: subtract each row's maximum before exp")
    passed(f"{OUT} gives softmax(W_y h_t + b_y), for any leading axes, stably", hidden)


def check_rnn_forward_learned_h0(fn, *, hidden: bool = False) -> None:
    """The learned h0 in params["h0"] (H,) starts every sequence of the batch."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 10)
    T, B, D, H = sizes(rng, hidden)
    p = {**rnn_params(rng, D, H), "h0": rng.normal(size=H)}
    for X, context in ((rng.normal(size=(T, D)), f"X of shape ({T}, {D})"),
                       (rng.normal(size=(T, B, D)), f"X of shape ({T}, {B}, {D})")):
        result = call_learner(fn, LEARNED, {"X": X, "params": p})
        hs, _ = unpack_pair(result, LEARNED, "hs")
        hs = as_result_array(hs, LEARNED, "hs")
        h0 = np.broadcast_to(p["h0"], (*X.shape[1:-1], H))
        want, _ = rnn_forward(X, h0, p)
        require_result_shape(hs, want.shape, LEARNED, "hs", context)
        if close(hs, want):
            continue
        if close(hs, rnn_forward(X, np.zeros_like(h0), p)[0]):
            raise FeedbackError(f'{LEARNED}: the sequence starts from zeros; start it from params["h0"]')
        raise FeedbackError(
            f'{LEARNED}: wrong for {context} (off by up to {max_diff(hs, want):.3g}): every sequence '
            f'in the batch starts from the same params["h0"]'
        )
    passed(f'{LEARNED} starts every sequence from the learned params["h0"]', hidden)
