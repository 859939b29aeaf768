"""unroll: any cell function over a sequence, keeping every step's cache (the exercises' cache
contract), agrees with the fast sequence functions and names bad arguments."""

import numpy as np
import pytest

import rnn_course as rc


@pytest.mark.parametrize("batch", [(), (3,)])
def test_unroll_agrees_with_the_fast_path(batch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, *batch, 2))
    h0, c0 = rng.normal(size=(*batch, 4)), rng.normal(size=(*batch, 4))
    p = rc.init_rnn_params(2, 4, rng=1)
    hs, caches = rc.unroll(rc.rnn_cell_forward, X, h0, params=p)
    assert np.allclose(hs, rc.rnn_forward(X, h0, p)[0])
    assert len(caches) == 5 and np.array_equal(caches[0]["h_prev"], h0)
    assert all(np.array_equal(caches[k]["x_t"], X[k]) for k in range(5))
    assert all(np.array_equal(caches[k]["h_t"], hs[k]) for k in range(5))
    q = rc.init_lstm_params(2, 4, rng=2)
    hs, cs, caches = rc.unroll(rc.lstm_cell_forward, X, h0, c0, params=q)
    want_h, want_c, _ = rc.lstm_forward(X, h0, c0, q)
    assert np.allclose(hs, want_h) and np.allclose(cs, want_c) and len(caches) == 5
    g = rc.init_gru_params(2, 4, rng=3)
    hs, caches = rc.unroll(rc.gru_cell_forward, X, h0, params=g)
    assert np.allclose(hs, rc.gru_forward(X, h0, g)[0])
    assert {"b_z", "b_r", "b_h"} <= set(caches[-1])


def test_the_reference_backward_runs_on_the_list_of_caches():
    rng = np.random.default_rng(4)
    X, h0 = rng.normal(size=(6, 2, 3)), rng.normal(size=(2, 5))
    p = rc.init_rnn_params(3, 5, rng=5)
    hs, caches = rc.unroll(rc.rnn_cell_forward, X, h0, params=p)
    dhs = rng.normal(size=hs.shape)
    dX, dh0, grads = rc.rnn_backward(dhs, rc.rnn_forward(X, h0, p)[1])
    dh_next, total = np.zeros_like(h0), None
    for k in reversed(range(6)):
        dx, dh_next, g = rc.rnn_cell_backward(dhs[k] + dh_next, caches[k])
        assert np.allclose(dx, dX[k])
        total = g if total is None else {key: total[key] + g[key] for key in g}
    assert np.allclose(dh_next, dh0) and all(np.allclose(total[k], grads[k]) for k in grads)


@pytest.mark.parametrize("call, message", [
    (lambda p: rc.unroll("cell", np.zeros((2, 3)), np.zeros(4), params=p), "cell_forward must be a cell function"),
    (lambda p: rc.unroll(rc.rnn_cell_forward, np.zeros((2, 3)), params=p), r"needs the initial state\(s\)"),
    (lambda p: rc.unroll(rc.rnn_cell_forward, np.zeros((2, 3)), np.zeros(4), params=[p]), "params must be a dict"),
    (lambda p: rc.unroll(rc.rnn_cell_forward, np.zeros(3), np.zeros(4), params=p), r"X has shape \(3,\)"),
    (lambda p: rc.unroll(rc.rnn_cell_forward, np.zeros((2, 3)), np.zeros(4), np.zeros(4), params=p),
     r"refused the call cell_forward\(x_t, 2 state\(s\), params\)(.|\n)*h0 and c0 for the LSTM"),
])
def test_bad_arguments_are_named(call, message):
    p = rc.init_rnn_params(3, 4, rng=0)
    with pytest.raises((TypeError, ValueError), match=message):
        call(p)
