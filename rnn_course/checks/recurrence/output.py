"""Feedback checks for the softmax output layer and a learned initial state (ex01, Parts 3 and 4)."""

from __future__ import annotations

import numpy as np

from ...layers.output import output_probs
from ...layers.rnn import rnn_cell_forward
from ...layers.unroll import unroll
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, rng_for, unpack_pair
from .._hints import product_hint
from .._inputs import rnn_params, sizes
from .._watch import uses
from .rnn import check_rnn_forward_shapes, check_rnn_forward_values

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
        hint = lambda exc: product_hint(exc, {"W_y": ("hs", (O, H))})  # noqa: E731
        got = as_result_array(call_learner(fn, OUT, {"hs": hs, "params": p}, hint=hint), OUT, "o")
        want = output_probs(hs, p)
        require_result_shape(got, want.shape, OUT, "o", context)
        if close(got, want):
            continue
        logits = hs @ p["W_y"].T + p["b_y"]
        if close(got, logits):
            raise FeedbackError(f"{OUT}: the softmax is missing.\no_t = softmax(W_y h_t + b_y)")
        if not np.allclose(got.sum(-1), 1.0):
            raise FeedbackError(
                f"{OUT}: the probabilities do not sum to 1 over the last axis.\n"
                f"For {context}, normalise with axis=-1 (and keepdims=True)."
            )
        if close(got, output_probs(hs, {**p, "b_y": np.zeros(O)})):
            raise FeedbackError(f"{OUT}: the bias b_y is missing.\no_t = softmax(W_y h_t + b_y)")
        raise FeedbackError(f"{OUT}: o is wrong for {context}.\nIt is off by up to {max_diff(got, want):.3g}.")
    big = _huge_scores(rng.normal(size=(B, H)), p["W_y"])
    got = np.asarray(call_learner(fn, OUT, {"hs": big, "params": p}), dtype=np.float64)
    if not np.all(np.isfinite(got)) or not close(got, output_probs(big, p)):
        raise FeedbackError(
            f"{OUT} is wrong for large scores: exp overflows.\nSubtract each row's maximum before exp."
        )
    passed(f"{OUT} gives softmax(W_y h_t + b_y), for any leading axes, stably", hidden)


def _huge_scores(hs: np.ndarray, W_y: np.ndarray) -> np.ndarray:
    """``hs`` rescaled row by row so that each row's largest score W_y h is +1000: exp overflows."""
    __tracebackhide__ = True
    z = hs @ W_y.T
    top = z[np.arange(len(z)), np.abs(z).argmax(axis=-1)]
    return hs * (1000.0 / top)[:, None]


def _h0_message(X, h0, H: int) -> str | None:
    """What is wrong with the h0 that the learner's function passed to rnn_forward, if anything."""
    __tracebackhide__ = True
    want = (*X.shape[1:-1], H)
    if np.shape(h0) == want:
        return None
    kind = "one sequence" if X.ndim == 2 else f"a batch of {X.shape[1]} sequences"
    return (
        f"{LEARNED}: rnn_forward got h0 of the wrong shape.\n"
        f"For X of shape {X.shape} ({kind}) it got h0 of shape {np.shape(h0)}; it must be {want}. "
        f"The batch axes are X.shape[1:-1] (none for X of shape (T, D)), so "
        f'np.broadcast_to(params["h0"], X.shape[1:-1] + (H,)) gives the right shape for both.'
    )


def check_rnn_forward_learned_h0(fn, *, forward=None, hidden: bool = False) -> None:
    """The learned h0 in params["h0"] (H,) starts every sequence of the batch.

    ``forward`` is the learner's ``rnn_forward``: when ``fn`` runs it, the check looks at the h0
    it is given, and when ``forward`` fails its own checks, the message says to fix Part 2 first.
    """
    __tracebackhide__ = True
    rng = rng_for(hidden, 10)
    T, B, D, H = sizes(rng, hidden)
    p = {**rnn_params(rng, D, H), "h0": rng.normal(size=H)}
    used = uses(forward, "rnn_forward", 2, check_rnn_forward_shapes, check_rnn_forward_values)
    with builds_on(LEARNED, used, hidden):
        for X, context in ((rng.normal(size=(T, D)), f"X of shape ({T}, {D})"),
                           (rng.normal(size=(T, B, D)), f"X of shape ({T}, {B}, {D})")):
            args = {"X": X, "params": p}
            try:
                result = call_learner(fn, LEARNED, args, used=used)
            except FeedbackError as exc:
                given = used.first_args if used is not None and used.first_args else None
                message = _h0_message(X, given[1], H) if given and len(given) > 1 else None
                if message is None:
                    raise
                raise FeedbackError(message) from exc.__cause__
            if used is not None and used.first_args and len(used.first_args) > 1:
                message = _h0_message(X, used.first_args[1], H)
                if message:
                    raise FeedbackError(message)
            hs, _ = unpack_pair(result, LEARNED, "hs")
            hs = as_result_array(hs, LEARNED, "hs")
            h0 = np.broadcast_to(p["h0"], (*X.shape[1:-1], H))
            want, _ = unroll(rnn_cell_forward, X, h0, params=p)
            if X.ndim == 2 and hs.shape == (T, D, H):
                raise FeedbackError(
                    f"{LEARNED}: hs has an extra axis for one sequence.\nFor X of shape {X.shape} it "
                    f"returned {hs.shape}: was h0 repeated X.shape[1] = {D} times? For one sequence "
                    f"X.shape[1] is D, not a batch size; the batch axes are X.shape[1:-1], so h0 stays ({H},)."
                )
            require_result_shape(hs, want.shape, LEARNED, "hs", context)
            if close(hs, want):
                continue
            if close(hs, unroll(rnn_cell_forward, X, np.zeros_like(h0), params=p)[0]):
                raise FeedbackError(f'{LEARNED}: the sequence starts from zeros.\nStart it from params["h0"].')
            raise FeedbackError(
                f"{LEARNED}: hs is wrong for {context}.\nIt is off by up to {max_diff(hs, want):.3g}: every "
                f'sequence of the batch starts from the same params["h0"].'
            )
    passed(f'{LEARNED} starts every sequence from the learned params["h0"]', hidden)
