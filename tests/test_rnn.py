"""The reference RNN against finite differences, PyTorch, and its own cell."""

import numpy as np
import pytest

from rnn_course import (
    init_rnn_params,
    numerical_gradient,
    rel_error,
    rnn_backward,
    rnn_cell_backward,
    rnn_cell_forward,
    rnn_forward,
)

T, B, D, H = 5, 3, 4, 6


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def params():
    return init_rnn_params(D, H, rng=1)


def test_cell_forward_is_the_equation(rng, params):
    x, h = rng.normal(size=D), rng.normal(size=H)
    h_t, _ = rnn_cell_forward(x, h, params)
    by_hand = np.tanh(params["W_h"] @ h + params["W_x"] @ x + params["b_h"])
    np.testing.assert_allclose(h_t, by_hand, rtol=1e-13, atol=1e-15)


def test_batch_rows_are_independent_examples(rng, params):
    xb, hb = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    batch, _ = rnn_cell_forward(xb, hb, params)
    rows = np.stack([rnn_cell_forward(xb[i], hb[i], params)[0] for i in range(B)])
    np.testing.assert_allclose(batch, rows, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("batched", [False, True])
def test_sequence_forward_matches_stepping_the_cell(rng, params, batched):
    lead = (B,) if batched else ()
    X, h0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H))
    hs, _ = rnn_forward(X, h0, params)
    assert hs.shape == (T, *lead, H)
    h = h0
    for t in range(T):
        h, _ = rnn_cell_forward(X[t], h, params)
        np.testing.assert_allclose(hs[t], h, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("batched", [False, True])
def test_cell_backward_matches_finite_differences(rng, params, batched):
    lead = (B,) if batched else ()
    x, h = rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H))
    dh = rng.normal(size=(*lead, H))
    _, cache = rnn_cell_forward(x, h, params)
    dx, dh_prev, grads = rnn_cell_backward(dh, cache)

    def run(x=x, h=h, **over):
        return rnn_cell_forward(x, h, {**params, **over})[0]

    assert rel_error(numerical_gradient(lambda v: run(x=v), x.copy(), dh), dx) < 1e-7
    assert rel_error(numerical_gradient(lambda v: run(h=v), h.copy(), dh), dh_prev) < 1e-7
    for name in ("W_x", "W_h", "b_h"):
        num = numerical_gradient(lambda v: run(**{name: v}), params[name].copy(), dh)
        assert rel_error(num, grads[name]) < 1e-7, name


@pytest.mark.parametrize("batched", [False, True])
def test_sequence_backward_matches_finite_differences(rng, params, batched):
    lead = (B,) if batched else ()
    X, h0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H))
    dhs = rng.normal(size=(T, *lead, H))
    _, cache = rnn_forward(X, h0, params)
    dX, dh0, grads = rnn_backward(dhs, cache)
    assert dX.shape == X.shape and dh0.shape == h0.shape

    def run(X=X, h0=h0, **over):
        return rnn_forward(X, h0, {**params, **over})[0]

    assert rel_error(numerical_gradient(lambda v: run(X=v), X.copy(), dhs), dX) < 1e-7
    assert rel_error(numerical_gradient(lambda v: run(h0=v), h0.copy(), dhs), dh0) < 1e-7
    for name in ("W_x", "W_h", "b_h"):
        num = numerical_gradient(lambda v: run(**{name: v}), params[name].copy(), dhs)
        assert rel_error(num, grads[name]) < 1e-7, name


def test_sequence_backward_equals_cell_backward_chain(rng, params):
    """BPTT by hand with the cell: gradients summed over time, dh carried backwards."""
    X, h0, dhs = rng.normal(size=(T, D)), rng.normal(size=H), rng.normal(size=(T, H))
    caches, h = [], h0
    for t in range(T):
        h, c = rnn_cell_forward(X[t], h, params)
        caches.append(c)
    total = {k: np.zeros_like(params[k]) for k in ("W_x", "W_h", "b_h")}
    dh_next = np.zeros(H)
    for t in reversed(range(T)):
        _, dh_next, g = rnn_cell_backward(dhs[t] + dh_next, caches[t])
        for k in total:
            total[k] += g[k]
    _, cache = rnn_forward(X, h0, params)
    _, dh0, grads = rnn_backward(dhs, cache)
    np.testing.assert_allclose(dh0, dh_next, rtol=1e-12, atol=1e-14)
    for k in total:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-12, atol=1e-14)


def test_unused_param_keys_are_ignored(rng, params):
    x, h = rng.normal(size=D), rng.normal(size=H)
    extra = {**params, "W_y": np.ones((2, H)), "U_f": "not used"}
    np.testing.assert_array_equal(rnn_cell_forward(x, h, extra)[0], rnn_cell_forward(x, h, params)[0])


def test_inputs_are_not_modified(rng, params):
    X, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    before = (X.copy(), h0.copy(), {k: v.copy() for k, v in params.items()})
    _, cache = rnn_forward(X, h0, params)
    rnn_backward(np.ones((T, B, H)), cache)
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(h0, before[1])
    for k, v in params.items():
        np.testing.assert_array_equal(v, before[2][k])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda p: rnn_cell_forward(np.zeros(D), np.zeros((3, 5)), p),
         r"h_prev has shape \(3, 5\) but W_h is \(6, 6\): expected \(6,\) or \(B, 6\)"),
        (lambda p: rnn_cell_forward(np.zeros(D + 1), np.zeros(H), p),
         r"x_t has shape \(5,\) but W_x is \(6, 4\): expected \(4,\) or \(B, 4\)"),
        (lambda p: rnn_cell_forward(np.zeros((B, D)), np.zeros(H), p),
         r"h_prev has shape \(6,\) but the input has batch shape \(3,\): expected \(3, 6\)"),
        (lambda p: rnn_forward(np.zeros((T, B, D)), np.zeros((B + 1, H)), p),
         r"h0 has shape \(4, 6\) but the input has batch shape \(3,\): expected \(3, 6\)"),
        (lambda p: rnn_forward(np.zeros(D), np.zeros(H), p),
         r"X has shape \(4,\) but W_x is \(6, 4\): expected \(T, 4\) or \(T, B, 4\)"),
        (lambda p: rnn_forward(np.zeros((0, D)), np.zeros(H), p), r"X has no time steps"),
        (lambda p: rnn_cell_forward(np.zeros(D), np.zeros(H), {**p, "W_h": np.zeros((H, H + 1))}),
         r'params\["W_h"\] has shape \(6, 7\): expected \(6, 6\)'),
        (lambda p: rnn_cell_forward(np.zeros(D), np.zeros(H), {**p, "b_h": np.zeros((1, H))}),
         r'params\["b_h"\] has shape \(1, 6\): expected \(6,\)'),
    ],
)
def test_bad_shapes_name_the_argument(params, call, match):
    with pytest.raises(ValueError, match=match):
        call(params)


def test_missing_parameter_is_named(params):
    del params["W_h"]
    with pytest.raises(KeyError, match="params is missing 'W_h' needed by rnn_cell_forward"):
        rnn_cell_forward(np.zeros(D), np.zeros(H), params)


def test_backward_rejects_wrong_upstream_shape(rng, params):
    _, cache = rnn_forward(rng.normal(size=(T, D)), np.zeros(H), params)
    with pytest.raises(ValueError, match=r"dhs has shape \(4, 6\): expected \(5, 6\), the shape of hs"):
        rnn_backward(np.zeros((T - 1, H)), cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by rnn_forward"):
        rnn_backward(np.zeros((T, H)), {"hs": 1})


def test_non_numeric_input_is_rejected(params):
    with pytest.raises(TypeError, match="x_t must be an array of real numbers"):
        rnn_cell_forward(np.array(["a"] * D), np.zeros(H), params)
