"""The readable sequence functions agree with the fused ones, and keep the exercises' caches."""

from __future__ import annotations

import numpy as np
import pytest

import rnn_course as rc
from rnn_course.layers.by_steps import (
    gru_backward_by_steps,
    gru_forward_by_steps,
    lstm_backward_by_steps,
    lstm_forward_by_steps,
    rnn_backward_by_steps,
    rnn_forward_by_steps,
)

T, B, D, H = 5, 3, 4, 6
LEADS = [(), (B,)]


def _close(a, b):
    return np.allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("lead", LEADS, ids=["sequence", "batch"])
def test_rnn_by_steps_is_the_fused_rnn(lead):
    rng = np.random.default_rng(0)
    p = rc.init_rnn_params(D, H, rng=1)
    X, h0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H))
    hs, caches = rnn_forward_by_steps(X, h0, p)
    fast, cache = rc.rnn_forward(X, h0, p)
    assert _close(hs, fast) and len(caches) == T and caches[0]["h_prev"] is h0
    dhs = rng.normal(size=hs.shape)
    dX, dh0, grads = rnn_backward_by_steps(dhs, caches)
    fX, fh0, fgrads = rc.rnn_backward(dhs, cache)
    assert _close(dX, fX) and _close(dh0, fh0) and set(grads) == set(fgrads)
    assert all(_close(grads[k], fgrads[k]) for k in grads)


@pytest.mark.parametrize("lead", LEADS, ids=["sequence", "batch"])
def test_lstm_by_steps_is_the_fused_lstm(lead):
    rng = np.random.default_rng(2)
    p = rc.init_lstm_params(D, H, rng=3)
    X, h0, c0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
    hs, cs, caches = lstm_forward_by_steps(X, h0, c0, p)
    fhs, fcs, cache = rc.lstm_forward(X, h0, c0, p)
    assert _close(hs, fhs) and _close(cs, fcs) and len(caches) == T
    dhs = rng.normal(size=hs.shape)
    dX, dh0, dc0, grads = lstm_backward_by_steps(dhs, caches)
    fX, fh0, fc0, fgrads = rc.lstm_backward(dhs, cache)
    assert _close(dX, fX) and _close(dh0, fh0) and _close(dc0, fc0) and set(grads) == set(fgrads)
    assert all(_close(grads[k], fgrads[k]) for k in grads)


@pytest.mark.parametrize("variant", ["sources", "pytorch"])
@pytest.mark.parametrize("lead", LEADS, ids=["sequence", "batch"])
def test_gru_by_steps_is_the_fused_gru(lead, variant):
    rng = np.random.default_rng(4)
    p = rc.init_gru_params(D, H, rng=5, variant=variant)
    X, h0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H))
    hs, caches = gru_forward_by_steps(X, h0, p, variant=variant)
    fast, cache = rc.gru_forward(X, h0, p, variant=variant)
    assert _close(hs, fast) and len(caches) == T
    dhs = rng.normal(size=hs.shape)
    dX, dh0, grads = gru_backward_by_steps(dhs, caches)
    fX, fh0, fgrads = rc.gru_backward(dhs, cache)
    assert _close(dX, fX) and _close(dh0, fh0) and set(grads) == set(fgrads)
    assert all(_close(grads[k], fgrads[k]) for k in grads)


def test_a_by_steps_backward_takes_the_caches_of_unroll():
    """The exercises' cache contract: any cell forward's caches (here unroll's) work."""
    rng = np.random.default_rng(6)
    p = rc.init_rnn_params(D, H, rng=7)
    X, h0 = rng.normal(size=(T, D)), np.zeros(H)
    hs, caches = rc.unroll(rc.rnn_cell_forward, X, h0, params=p)
    dX, _, _ = rnn_backward_by_steps(np.ones_like(hs), caches)
    assert dX.shape == X.shape


def test_every_fused_function_names_its_readable_reference():
    for fused, readable in ((rc.rnn_forward, "rnn_forward_by_steps"), (rc.rnn_backward, "rnn_backward_by_steps"),
                            (rc.lstm_forward, "lstm_forward_by_steps"), (rc.lstm_backward, "lstm_backward_by_steps"),
                            (rc.gru_forward, "gru_forward_by_steps"), (rc.gru_backward, "gru_backward_by_steps")):
        assert readable in fused.__doc__, f"{fused.__name__}'s docstring does not name {readable}"
