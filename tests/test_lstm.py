"""The reference LSTM against its equations, finite differences, and its own cell."""

import numpy as np
import pytest

from rnn_course import numerical_gradient, rel_error
from rnn_course.layers.lstm import (
    init_lstm_params,
    PARAM_NAMES,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
)

T, B, D, H = 5, 3, 4, 6

#: rel_error is the largest *elementwise* relative error. A gradient entry that cancels to
#: almost zero (summed over time and batch) makes that ratio measure the finite
#: differences' round-off (about 1e-11 to 1e-10 absolute here), not the backward pass, and
#: the LSTM's sigmoid gates make small entries common. So the denominator is floored at
#: 1e-3: entries above it must agree to 1e-7 relative, entries below it to 1e-10 absolute.
FLOOR = 1e-3


def close(numeric, analytic) -> bool:
    return rel_error(numeric, analytic, eps=FLOOR) < 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def params():
    return init_lstm_params(D, H, rng=1)


def _lead(batched):
    return (B,) if batched else ()


def test_cell_forward_is_the_equations(rng, params):
    x, h, c = rng.normal(size=D), rng.normal(size=H), rng.normal(size=H)
    h_t, c_t, _ = lstm_cell_forward(x, h, c, params)
    p = params
    s = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731 - the textbook sigmoid
    f = s(p["W_f"] @ h + p["U_f"] @ x + p["b_f"])
    i = s(p["W_i"] @ h + p["U_i"] @ x + p["b_i"])
    c_tilde = np.tanh(p["W_c"] @ h + p["U_c"] @ x + p["b_c"])
    o = s(p["W_o"] @ h + p["U_o"] @ x + p["b_o"])
    c_expected = f * c + i * c_tilde
    np.testing.assert_allclose(c_t, c_expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h_t, o * np.tanh(c_expected), rtol=1e-13, atol=1e-15)


def test_each_gate_plays_its_role(rng, params):
    """Saturate the gates through their biases: f=1, i=0 keeps C; f=0, i=1 writes C̃; o=0 hides C."""
    x, h, c = rng.normal(size=D), rng.normal(size=H), rng.normal(size=H)
    big = np.full(H, 40.0)
    keep = {**params, "b_f": big, "b_i": -big}
    _, c_t, _ = lstm_cell_forward(x, h, c, keep)
    np.testing.assert_allclose(c_t, c, rtol=0, atol=1e-12)
    write = {**params, "b_f": -big, "b_i": big}
    _, c_t, cache = lstm_cell_forward(x, h, c, write)
    np.testing.assert_allclose(c_t, cache["c_tilde"], rtol=0, atol=1e-12)
    hidden = {**params, "b_o": -big}
    h_t, _, _ = lstm_cell_forward(x, h, c, hidden)
    np.testing.assert_allclose(h_t, 0.0, rtol=0, atol=1e-12)


def test_batch_rows_are_independent_examples(rng, params):
    xb, hb, cb = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    h_batch, c_batch, _ = lstm_cell_forward(xb, hb, cb, params)
    rows = [lstm_cell_forward(xb[k], hb[k], cb[k], params) for k in range(B)]
    np.testing.assert_allclose(h_batch, np.stack([r[0] for r in rows]), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(c_batch, np.stack([r[1] for r in rows]), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("batched", [False, True])
def test_sequence_forward_matches_stepping_the_cell(rng, params, batched):
    lead = _lead(batched)
    X = rng.normal(size=(T, *lead, D))
    h0, c0 = rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
    hs, cs, _ = lstm_forward(X, h0, c0, params)
    assert hs.shape == cs.shape == (T, *lead, H)
    h, c = h0, c0
    for t in range(T):
        h, c, _ = lstm_cell_forward(X[t], h, c, params)
        np.testing.assert_allclose(hs[t], h, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(cs[t], c, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("batched", [False, True])
def test_cell_backward_matches_finite_differences(rng, params, batched):
    lead = _lead(batched)
    x = rng.normal(size=(*lead, D))
    h, c = rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
    dh, dc = rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
    _, _, cache = lstm_cell_forward(x, h, c, params)
    dx, dh_prev, dc_prev, grads = lstm_cell_backward(dh, dc, cache)
    assert (dx.shape, dh_prev.shape, dc_prev.shape) == (x.shape, h.shape, c.shape)
    assert list(grads) == list(PARAM_NAMES)

    def loss(x=x, h=h, c=c, **over):
        h_t, c_t, _ = lstm_cell_forward(x, h, c, {**params, **over})
        return np.sum(h_t * dh) + np.sum(c_t * dc)  # the loss reads both h_t and c_t

    assert close(numerical_gradient(lambda v: loss(x=v), x.copy()), dx)
    assert close(numerical_gradient(lambda v: loss(h=v), h.copy()), dh_prev)
    assert close(numerical_gradient(lambda v: loss(c=v), c.copy()), dc_prev)
    for name in PARAM_NAMES:
        num = numerical_gradient(lambda v: loss(**{name: v}), params[name].copy())
        assert grads[name].shape == params[name].shape, name
        assert close(num, grads[name]), name


@pytest.mark.parametrize("batched", [False, True])
def test_sequence_backward_matches_finite_differences(rng, params, batched):
    lead = _lead(batched)
    X = rng.normal(size=(T, *lead, D))
    h0, c0 = rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
    dhs = rng.normal(size=(T, *lead, H))
    _, _, cache = lstm_forward(X, h0, c0, params)
    dX, dh0, dc0, grads = lstm_backward(dhs, cache)
    assert (dX.shape, dh0.shape, dc0.shape) == (X.shape, h0.shape, c0.shape)
    assert list(grads) == list(PARAM_NAMES)

    def run(X=X, h0=h0, c0=c0, **over):
        return lstm_forward(X, h0, c0, {**params, **over})[0]  # the loss reads hs only

    assert close(numerical_gradient(lambda v: run(X=v), X.copy(), dhs), dX)
    assert close(numerical_gradient(lambda v: run(h0=v), h0.copy(), dhs), dh0)
    assert close(numerical_gradient(lambda v: run(c0=v), c0.copy(), dhs), dc0)
    for name in PARAM_NAMES:
        num = numerical_gradient(lambda v: run(**{name: v}), params[name].copy(), dhs)
        assert grads[name].shape == params[name].shape, name
        assert close(num, grads[name]), name


@pytest.mark.parametrize("batched", [False, True])
def test_sequence_backward_equals_cell_backward_chain(rng, params, batched):
    """BPTT by hand with the cell: dh and dC carried backwards, gradients summed over time."""
    lead = _lead(batched)
    X = rng.normal(size=(T, *lead, D))
    h0, c0 = rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
    dhs = rng.normal(size=(T, *lead, H))
    caches, h, c = [], h0, c0
    for t in range(T):
        h, c, cache = lstm_cell_forward(X[t], h, c, params)
        caches.append(cache)
    total = {k: np.zeros_like(params[k]) for k in PARAM_NAMES}
    dxs = np.zeros_like(X)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)  # nothing flows in after step T-1
    for t in reversed(range(T)):
        dxs[t], dh_next, dc_next, g = lstm_cell_backward(dhs[t] + dh_next, dc_next, caches[t])
        for k in total:
            total[k] += g[k]

    _, _, cache = lstm_forward(X, h0, c0, params)
    dX, dh0, dc0, grads = lstm_backward(dhs, cache)
    np.testing.assert_allclose(dX, dxs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh0, dh_next, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dc0, dc_next, rtol=1e-12, atol=1e-14)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-12, atol=1e-14, err_msg=k)


def test_cell_state_is_an_additive_gradient_path(rng, params):
    """With the forget gate saturated at 1 and the input gate at 0, dC_0 = dC_T over many steps."""
    steps, big = 60, np.full(H, 30.0)
    remember = {**params, "b_f": big, "b_i": -big}
    X, h0, c0 = rng.normal(size=(steps, D)), rng.normal(size=H), rng.normal(size=H)

    # The cell chain with no gradient arriving through h: dC_T must reach C_0 unchanged.
    caches, h, c = [], h0, c0
    for t in range(steps):
        h, c, cache = lstm_cell_forward(X[t], h, c, remember)
        caches.append(cache)
    dc_T = rng.normal(size=H)
    dc = dc_T
    for t in reversed(range(steps)):
        _, _, dc, _ = lstm_cell_backward(np.zeros(H), dc, caches[t])
    np.testing.assert_allclose(dc, dc_T, rtol=0, atol=1e-9)

    # The sequence functions: a loss on the last hidden state only, no recurrent weights.
    no_W = {**remember, **{f"W_{g}": np.zeros((H, H)) for g in "fico"}}
    hs, cs, cache = lstm_forward(X, h0, c0, no_W)
    np.testing.assert_allclose(cs[-1], c0, rtol=0, atol=1e-9)  # the memory was kept
    dhs = np.zeros((steps, H))
    dhs[-1] = rng.normal(size=H)
    _, _, dc0, _ = lstm_backward(dhs, cache)
    o_T = hs[-1] / np.tanh(cs[-1])
    dC_T = dhs[-1] * o_T * (1.0 - np.tanh(cs[-1]) ** 2)  # dLoss/dC_T through h_T = o_T tanh(C_T)
    np.testing.assert_allclose(dc0, dC_T, rtol=1e-9, atol=1e-12)

    # Saturated at 0 instead, the forget gate cuts the path.
    forget = {**no_W, "b_f": -big}
    _, _, cache = lstm_forward(X, h0, c0, forget)
    _, _, dc0, _ = lstm_backward(dhs, cache)
    np.testing.assert_allclose(dc0, 0.0, rtol=0, atol=1e-12)


def test_saturated_gates_stay_finite(rng, params):
    """Huge pre-activations must not overflow (the stable sigmoid) nor warn."""
    huge = {**params, "b_f": np.full(H, 1e4), "b_i": np.full(H, -1e4), "b_o": np.full(H, -1e4)}
    hs, cs, cache = lstm_forward(rng.normal(size=(T, B, D)), np.zeros((B, H)), np.ones((B, H)), huge)
    dX, dh0, dc0, grads = lstm_backward(np.ones_like(hs), cache)
    for a in (hs, cs, dX, dh0, dc0, *grads.values()):
        assert np.all(np.isfinite(a))


def test_unused_param_keys_are_ignored(rng, params):
    x, h, c = rng.normal(size=D), rng.normal(size=H), rng.normal(size=H)
    extra = {**params, "W_x": np.ones((2, 2)), "W_y": "not used"}
    for a, b in zip(lstm_cell_forward(x, h, c, extra)[:2], lstm_cell_forward(x, h, c, params)[:2]):
        np.testing.assert_array_equal(a, b)
    X = rng.normal(size=(T, D))
    np.testing.assert_array_equal(lstm_forward(X, h, c, extra)[0], lstm_forward(X, h, c, params)[0])


def test_inputs_are_not_modified(rng, params):
    X, h0, c0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    dhs = rng.normal(size=(T, B, H))
    args = (X, h0, c0, dhs)
    before = [a.copy() for a in args]
    params_before = {k: v.copy() for k, v in params.items()}
    _, _, cache = lstm_forward(X, h0, c0, params)
    lstm_backward(dhs, cache)
    dh, dc = dhs[0].copy(), dhs[1].copy()
    _, _, cell_cache = lstm_cell_forward(X[0], h0, c0, params)
    lstm_cell_backward(dh, dc, cell_cache)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dh, dhs[0])
    np.testing.assert_array_equal(dc, dhs[1])
    for k, v in params.items():
        np.testing.assert_array_equal(v, params_before[k])


def test_init_lstm_params():
    p = init_lstm_params(D, H, rng=3)
    assert list(p) == list(PARAM_NAMES)
    for g in "fico":
        assert p[f"W_{g}"].shape == (H, H) and p[f"U_{g}"].shape == (H, D) and p[f"b_{g}"].shape == (H,)
    bound = 1 / np.sqrt(H)
    assert all(np.abs(v).max() <= bound for v in p.values())
    shifted = init_lstm_params(D, H, rng=3, forget_bias=1.0)
    np.testing.assert_allclose(shifted["b_f"], p["b_f"] + 1.0)  # same draws, shifted
    for k in PARAM_NAMES:
        if k != "b_f":
            np.testing.assert_array_equal(shifted[k], p[k])
    with pytest.raises(ValueError, match="forget_bias must be a finite number"):
        init_lstm_params(D, H, forget_bias=np.inf)
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        init_lstm_params(D, 0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda p: lstm_cell_forward(np.zeros(D), np.zeros((3, 5)), np.zeros(H), p),
         r"h_prev has shape \(3, 5\) but W_f is \(6, 6\): expected \(6,\) or \(B, 6\)"),
        (lambda p: lstm_cell_forward(np.zeros(D), np.zeros(H), np.zeros(H + 1), p),
         r"c_prev has shape \(7,\) but W_f is \(6, 6\): expected \(6,\) or \(B, 6\)"),
        (lambda p: lstm_cell_forward(np.zeros(D + 1), np.zeros(H), np.zeros(H), p),
         r"x_t has shape \(5,\) but U_f is \(6, 4\): expected \(4,\) or \(B, 4\)"),
        (lambda p: lstm_cell_forward(np.zeros((B, D)), np.zeros((B, H)), np.zeros(H), p),
         r"c_prev has shape \(6,\) but the input has batch shape \(3,\): expected \(3, 6\)"),
        (lambda p: lstm_forward(np.zeros((T, B, D)), np.zeros((B + 1, H)), np.zeros((B, H)), p),
         r"h0 has shape \(4, 6\) but the input has batch shape \(3,\): expected \(3, 6\)"),
        (lambda p: lstm_forward(np.zeros((T, B, D)), np.zeros((B, H)), np.zeros(H), p),
         r"c0 has shape \(6,\) but the input has batch shape \(3,\): expected \(3, 6\)"),
        (lambda p: lstm_forward(np.zeros(D), np.zeros(H), np.zeros(H), p),
         r"X has shape \(4,\) but U_f is \(6, 4\): expected \(T, 4\) or \(T, B, 4\)"),
        (lambda p: lstm_forward(np.zeros((0, D)), np.zeros(H), np.zeros(H), p), r"X has no time steps"),
        (lambda p: lstm_forward(np.zeros((T, D)), np.zeros(H), np.zeros(H),
                                {**p, "W_o": np.zeros((H, H + 1))}),
         r'params\["W_o"\] has shape \(6, 7\): expected \(6, 6\)'),
        (lambda p: lstm_cell_forward(np.zeros(D), np.zeros(H), np.zeros(H),
                                     {**p, "U_i": np.zeros((H, D + 1))}),
         r'params\["U_i"\] has shape \(6, 5\): expected \(6, 4\)'),
        (lambda p: lstm_cell_forward(np.zeros(D), np.zeros(H), np.zeros(H), {**p, "b_c": np.zeros((1, H))}),
         r'params\["b_c"\] has shape \(1, 6\): expected \(6,\)'),
    ],
)
def test_bad_shapes_name_the_argument(params, call, match):
    with pytest.raises(ValueError, match=match):
        call(params)


def test_missing_parameter_is_named(params):
    del params["U_o"]
    with pytest.raises(KeyError, match="params is missing 'U_o' needed by lstm_cell_forward"):
        lstm_cell_forward(np.zeros(D), np.zeros(H), np.zeros(H), params)
    with pytest.raises(KeyError, match="params is missing 'U_o' needed by lstm_forward"):
        lstm_forward(np.zeros((T, D)), np.zeros(H), np.zeros(H), params)


def test_backward_rejects_wrong_upstream_shape(rng, params):
    _, _, cache = lstm_forward(rng.normal(size=(T, D)), np.zeros(H), np.zeros(H), params)
    with pytest.raises(ValueError, match=r"dhs has shape \(4, 6\): expected \(5, 6\), the shape of hs"):
        lstm_backward(np.zeros((T - 1, H)), cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by lstm_forward"):
        lstm_backward(np.zeros((T, H)), {"hs": 1})
    _, _, cell_cache = lstm_cell_forward(np.zeros(D), np.zeros(H), np.zeros(H), params)
    with pytest.raises(ValueError, match=r"dc_t has shape \(1, 6\): expected \(6,\), the shape of c_t"):
        lstm_cell_backward(np.zeros(H), np.zeros((1, H)), cell_cache)
    with pytest.raises(ValueError, match=r"dh_t has shape \(7,\): expected \(6,\), the shape of h_t"):
        lstm_cell_backward(np.zeros(H + 1), np.zeros(H), cell_cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by lstm_cell_forward"):
        lstm_cell_backward(np.zeros(H), np.zeros(H), cache)  # a sequence cache, not a cell cache


def test_non_numeric_input_is_rejected(params):
    with pytest.raises(TypeError, match="c_prev must be an array of real numbers"):
        lstm_cell_forward(np.zeros(D), np.zeros(H), np.array(["a"] * H), params)

