"""Truncated BPTT: full BPTT when nothing is cut, the k = 1 case by hand, finite differences of a detached model."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_course.training.gradcheck import numerical_gradient, rel_error
from rnn_course.layers.rnn import init_rnn_params
from rnn_course.layers.rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from rnn_course.training.tbptt import rnn_backward_truncated, tbptt_chunks

T, B, D, H = 6, 2, 3, 4
NAMES = ("W_x", "W_h", "b_h")


def problem(batch=True, seed=0):
    """A small RNN with weights large enough that truncation visibly changes the gradient."""
    rng = np.random.default_rng(seed)
    params = init_rnn_params(D, H, rng=seed)
    params["W_h"] = rng.normal(size=(H, H))
    lead = (B,) if batch else ()
    X = rng.normal(size=(T, *lead, D))
    h0 = rng.normal(size=(*lead, H))
    dhs = rng.normal(size=(T, *lead, H))  # dL_t/dh_t: the loss is sum_t <dhs[t], h_t>
    return params, X, h0, dhs


def truncated_loss(params, X, h0, dhs, k, frozen):
    """sum_t <dhs[t], h_t> where h_t is recomputed from the state k steps earlier, held fixed.

    ``frozen`` are the states of an unperturbed forward pass: when finite differences nudge
    a weight, the state h_{t-k} does not move, exactly as if it had been detached.
    Only the real initial state h0 is never frozen (it is an input).
    """
    total = 0.0
    for t in range(T):
        start = max(0, t - k + 1)
        h_start = h0 if start == 0 else frozen[start - 1]
        hs, _ = rnn_forward(X[start : t + 1], h_start, params)
        total += np.sum(hs[-1] * dhs[t])
    return total


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "single"])
@pytest.mark.parametrize("k", [T, T + 3])
def test_k_at_least_T_is_full_bptt_exactly(batch, k):
    params, X, h0, dhs = problem(batch)
    _, cache = rnn_forward(X, h0, params)
    dX, dh0, grads = rnn_backward_truncated(dhs, cache, k)
    fX, fh0, fgrads = rnn_backward(dhs, cache)
    np.testing.assert_array_equal(dX, fX)
    np.testing.assert_array_equal(dh0, fh0)
    for name in NAMES:
        np.testing.assert_array_equal(grads[name], fgrads[name])


def test_k_one_treats_the_previous_state_as_a_constant():
    """With k = 1 the gradient is sum over t of one cell's backward pass, h_{t-1} held fixed."""
    params, X, h0, dhs = problem()
    hs, cache = rnn_forward(X, h0, params)
    dX, dh0, grads = rnn_backward_truncated(dhs, cache, 1)

    expected = {name: np.zeros_like(params[name]) for name in NAMES}
    for t in range(T):
        h_prev = h0 if t == 0 else hs[t - 1]
        _, cell_cache = rnn_cell_forward(X[t], h_prev, params)
        dx_t, dh_prev, g = rnn_cell_backward(dhs[t], cell_cache)
        np.testing.assert_allclose(dX[t], dx_t, rtol=1e-12, atol=1e-14)
        if t == 0:
            np.testing.assert_allclose(dh0, dh_prev, rtol=1e-12, atol=1e-14)
        for name in NAMES:
            expected[name] += g[name]
    for name in NAMES:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-12, atol=1e-14, err_msg=name)


@pytest.mark.parametrize("k", [1, 2, 3, T - 1])
def test_truncated_gradients_match_finite_differences_of_detached_model(k):
    params, X, h0, dhs = problem()
    frozen, cache = rnn_forward(X, h0, params)
    dX, dh0, grads = rnn_backward_truncated(dhs, cache, k)

    def f(_):
        return truncated_loss(params, X, h0, dhs, k, frozen)

    for name in NAMES:
        assert rel_error(numerical_gradient(f, params[name]), grads[name]) < 1e-7, name
    assert rel_error(numerical_gradient(f, X), dX) < 1e-7
    assert rel_error(numerical_gradient(f, h0), dh0) < 1e-7


@pytest.mark.parametrize("k", [1, 3])
def test_truncation_really_cuts(k):
    """With k < T the truncated gradient differs from full BPTT (so the tests above can fail)."""
    params, X, h0, dhs = problem()
    _, cache = rnn_forward(X, h0, params)
    _, dh0, grads = rnn_backward_truncated(dhs, cache, k)
    _, full_dh0, full = rnn_backward(dhs, cache)
    assert rel_error(grads["W_h"], full["W_h"]) > 1e-3
    assert rel_error(dh0, full_dh0) > 1e-3  # only steps t < k reach h0


def test_truncated_does_not_mutate_inputs():
    params, X, h0, dhs = problem()
    hs, cache = rnn_forward(X, h0, params)
    copies = {k: np.copy(v) for k, v in cache.items()}, dhs.copy()
    rnn_backward_truncated(dhs, cache, 2)
    for k, v in copies[0].items():
        np.testing.assert_array_equal(cache[k], v)
    np.testing.assert_array_equal(dhs, copies[1])


def test_truncated_errors_name_the_argument():
    params, X, h0, dhs = problem()
    _, cache = rnn_forward(X, h0, params)
    for bad in (0, -2, 1.5, True, None):
        with pytest.raises(ValueError, match="k must be a positive integer"):
            rnn_backward_truncated(dhs, cache, bad)
    with pytest.raises(ValueError, match=r"dhs has shape \(6, 4\): expected \(6, 2, 4\)"):
        rnn_backward_truncated(dhs[:, 0], cache, 2)
    with pytest.raises(TypeError, match="cache must be the cache returned by rnn_forward"):
        rnn_backward_truncated(dhs, {"X": X}, 2)


# ------------------------------------------------------------------------- chunked TBPTT


def test_tbptt_chunks_cover_the_sequence():
    assert tbptt_chunks(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert tbptt_chunks(8, 4) == [(0, 4), (4, 8)]
    assert tbptt_chunks(3, 5) == [(0, 3)]
    assert tbptt_chunks(3, 1) == [(0, 1), (1, 2), (2, 3)]
    with pytest.raises(ValueError, match="T must be a positive integer, got 0"):
        tbptt_chunks(0, 2)
    with pytest.raises(ValueError, match="k must be a positive integer, got 2.0"):
        tbptt_chunks(5, 2.0)


def chunked_gradients(params, X, h0, dhs, k):
    """The training loop of chunked TBPTT: state carried forward, gradients summed over windows."""
    total = {name: np.zeros_like(params[name]) for name in NAMES}
    h = h0
    for start, stop in tbptt_chunks(len(X), k):
        hs, cache = rnn_forward(X[start:stop], h, params)
        _, _, grads = rnn_backward(dhs[start:stop], cache)
        for name in NAMES:
            total[name] += grads[name]
        h = hs[-1]
    return total


def test_chunked_tbptt_matches_finite_differences_of_model_detached_at_boundaries():
    params, X, h0, dhs = problem()
    k = 4
    frozen, _ = rnn_forward(X, h0, params)
    grads = chunked_gradients(params, X, h0, dhs, k)

    def f(_):  # each window restarts from the frozen state at its boundary
        total = 0.0
        for start, stop in tbptt_chunks(T, k):
            hs, _ = rnn_forward(X[start:stop], h0 if start == 0 else frozen[start - 1], params)
            total += np.sum(hs * dhs[start:stop])
        return total

    for name in NAMES:
        assert rel_error(numerical_gradient(f, params[name]), grads[name]) < 1e-7, name
    # one window holding the whole sequence is full BPTT
    _, cache = rnn_forward(X, h0, params)
    full = rnn_backward(dhs, cache)[2]
    whole = chunked_gradients(params, X, h0, dhs, T)
    for name in NAMES:
        np.testing.assert_array_equal(whole[name], full[name])
