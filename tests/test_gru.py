"""The reference GRU against its equations, finite differences, and a plain implementation."""

import numpy as np
import pytest

from rnn_course import numerical_gradient, rel_error
from rnn_course.layers.gru import (
    count_params,
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_forward,
    gru_param_count,
    init_gru_params,
)
from rnn_course.layers.pytorch import gru_params_from_torch, gru_params_to_torch

T, B, D, H = 4, 3, 3, 5
NAMES = ("W_z", "W_r", "W_h", "U_z", "U_r", "U_h", "b_z", "b_r", "b_h")
VARIANTS = ("sources", "pytorch")


def sigma(a):
    return 1.0 / (1.0 + np.exp(-a))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def params():
    """Sources-variant parameters as PyTorch would draw them."""
    p = init_gru_params(D, H, rng=1)
    return p


def params_for(variant, params, rng):
    """The pytorch variant gets a non-zero b_hn, so its gradient is checked too."""
    return {**params, "b_hn": rng.normal(size=H)} if variant == "pytorch" else params


def fd(f, x, df, h=1e-3):
    """Finite-difference gradient, Richardson-extrapolated: ``(4 g(h) - g(2h)) / 3``.

    Plain centred differences (``h = 1e-5``) through a GRU carry about 3e-11 of float64
    round-off, so an entry below about 1e-4 fails ``rel_error < 1e-7`` for roughly one
    random draw in five although the backward pass is right. Combining two step sizes
    cancels the ``h**2`` error term, which allows a step 100 times larger (round-off falls
    as ``1/h``): typical errors are then about 1e-10.
    """
    g_h = numerical_gradient(f, x.copy(), df, h=h)
    g_2h = numerical_gradient(f, x.copy(), df, h=2 * h)
    return (4 * g_h - g_2h) / 3


def names_for(variant):
    return NAMES + (("b_hn",) if variant == "pytorch" else ())


# --------------------------------------------------------------- a plain implementation
# One example at a time, one matrix per gate, column vectors, no fusing: written
# independently of rnn_course.layers.gru so the fused sequence code is checked against it.


def plain_step(x, h, p, variant):
    z = sigma(p["W_z"] @ h + p["U_z"] @ x + p["b_z"])
    r = sigma(p["W_r"] @ h + p["U_r"] @ x + p["b_r"])
    if variant == "sources":
        c = np.tanh(p["W_h"] @ (r * h) + p["U_h"] @ x + p["b_h"])
        return (1 - z) * h + z * c, (z, r, c)
    hn = p["W_h"] @ h + p["b_hn"]
    n = np.tanh(p["U_h"] @ x + p["b_h"] + r * hn)
    return (1 - z) * n + z * h, (z, r, n, hn)


def plain_forward(X, h0, p, variant):
    """Returns hs and, per example, the list of per-step intermediate values."""
    if X.ndim == 2:
        hs, steps = plain_forward(X[:, None], h0[None], p, variant)
        return hs[:, 0], steps
    hs = np.zeros((X.shape[0], X.shape[1], H))
    steps = []
    for b in range(X.shape[1]):
        h, mine = h0[b], []
        for t in range(X.shape[0]):
            h_prev = h
            h, inter = plain_step(X[t, b], h_prev, p, variant)
            mine.append((h_prev, inter))
            hs[t, b] = h
        steps.append(mine)
    return hs, steps


def plain_backward(dhs, X, h0, p, variant):
    """BPTT one example and one step at a time, accumulating every gradient."""
    if X.ndim == 2:
        dX, dh0, g = plain_backward(dhs[:, None], X[:, None], h0[None], p, variant)
        return dX[:, 0], dh0[0], g
    _, steps = plain_forward(X, h0, p, variant)
    g = {k: np.zeros_like(v) for k, v in p.items()}
    dX, dh0 = np.zeros_like(X), np.zeros_like(h0)
    for b in range(X.shape[1]):
        dh_next = np.zeros(H)
        for t in reversed(range(X.shape[0])):
            dh = dhs[t, b] + dh_next
            h_prev, inter = steps[b][t]
            x = X[t, b]
            if variant == "sources":
                z, r, c = inter
                dc = dh * z
                dz = dh * (c - h_prev)
                dh_prev = dh * (1 - z)
                da_h = dc * (1 - c * c)
                g["W_h"] += np.outer(da_h, r * h_prev)
                drh = p["W_h"].T @ da_h
                dr = drh * h_prev
                dh_prev += drh * r
            else:
                z, r, n, hn = inter
                dn = dh * (1 - z)
                dz = dh * (h_prev - n)
                dh_prev = dh * z
                da_h = dn * (1 - n * n)
                dr = da_h * hn
                dhn = da_h * r
                g["W_h"] += np.outer(dhn, h_prev)
                g["b_hn"] += dhn
                dh_prev += p["W_h"].T @ dhn
            da_z = dz * z * (1 - z)
            da_r = dr * r * (1 - r)
            for gate, da in (("z", da_z), ("r", da_r)):
                g["W_" + gate] += np.outer(da, h_prev)
                dh_prev += p["W_" + gate].T @ da
            for gate, da in (("z", da_z), ("r", da_r), ("h", da_h)):
                g["U_" + gate] += np.outer(da, x)
                g["b_" + gate] += da
                dX[t, b] += p["U_" + gate].T @ da
            dh_next = dh_prev
        dh0[b] = dh_next
    return dX, dh0, g


# ----------------------------------------------------------------------------- cell


def test_cell_forward_is_the_equations(rng, params):
    x, h = rng.normal(size=D), rng.normal(size=H)
    h_t, _ = gru_cell_forward(x, h, params)
    p = params
    z = sigma(p["W_z"] @ h + p["U_z"] @ x + p["b_z"])
    r = sigma(p["W_r"] @ h + p["U_r"] @ x + p["b_r"])
    h_tilde = np.tanh(p["W_h"] @ (r * h) + p["U_h"] @ x + p["b_h"])
    by_hand = (1 - z) * h + z * h_tilde
    np.testing.assert_allclose(h_t, by_hand, rtol=1e-13, atol=1e-15)


def test_cell_forward_pytorch_variant_is_its_equations(rng, params):
    p = {**params, "b_hn": rng.normal(size=H)}
    x, h = rng.normal(size=D), rng.normal(size=H)
    h_t, _ = gru_cell_forward(x, h, p, variant="pytorch")
    z = sigma(p["W_z"] @ h + p["U_z"] @ x + p["b_z"])
    r = sigma(p["W_r"] @ h + p["U_r"] @ x + p["b_r"])
    n = np.tanh(p["U_h"] @ x + p["b_h"] + r * (p["W_h"] @ h + p["b_hn"]))
    np.testing.assert_allclose(h_t, (1 - z) * n + z * h, rtol=1e-13, atol=1e-15)


def test_pytorch_variant_reads_missing_b_hn_as_zeros(rng, params):
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    without, _ = gru_cell_forward(x, h, params, variant="pytorch")
    with_zeros, _ = gru_cell_forward(x, h, {**params, "b_hn": np.zeros(H)}, variant="pytorch")
    np.testing.assert_array_equal(without, with_zeros)


def test_update_gate_zero_keeps_the_previous_state_exactly(rng, params):
    """z_t = 0: the model keeps h_{t-1} and ignores the new input."""
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    h_t, cache = gru_cell_forward(x, h, {**params, "b_z": np.full(H, -1e3)})
    np.testing.assert_array_equal(cache["z_t"], 0.0)
    np.testing.assert_array_equal(h_t, h)


def test_update_gate_one_takes_the_candidate(rng, params):
    """z_t = 1: the state is replaced by the candidate h̃_t."""
    x, h = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    h_t, cache = gru_cell_forward(x, h, {**params, "b_z": np.full(H, 1e3)})
    np.testing.assert_array_equal(cache["z_t"], 1.0)
    np.testing.assert_array_equal(h_t, cache["h_tilde"])
    assert not np.allclose(h_t, h)


def test_reset_gate_zero_makes_the_candidate_ignore_the_past(rng, params):
    """r_t = 0: h̃_t = tanh(U_h x_t + b_h), whatever h_{t-1} was."""
    p = {**params, "b_r": np.full(H, -1e3)}
    x = rng.normal(size=(B, D))
    _, cache = gru_cell_forward(x, rng.normal(size=(B, H)), p)
    _, other = gru_cell_forward(x, 10 * rng.normal(size=(B, H)), p)
    np.testing.assert_array_equal(cache["r_t"], 0.0)
    np.testing.assert_array_equal(cache["h_tilde"], np.tanh(x @ p["U_h"].T + p["b_h"]))
    np.testing.assert_array_equal(cache["h_tilde"], other["h_tilde"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_batch_rows_are_independent_examples(rng, params, variant):
    p = params_for(variant, params, rng)
    xb, hb = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    batch, _ = gru_cell_forward(xb, hb, p, variant=variant)
    rows = np.stack([gru_cell_forward(xb[i], hb[i], p, variant=variant)[0] for i in range(B)])
    np.testing.assert_allclose(batch, rows, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("batched", [False, True])
def test_cell_backward_matches_finite_differences(rng, params, variant, batched):
    p = params_for(variant, params, rng)
    lead = (B,) if batched else ()
    x, h = rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H))
    dh = rng.normal(size=(*lead, H))
    _, cache = gru_cell_forward(x, h, p, variant=variant)
    dx, dh_prev, grads = gru_cell_backward(dh, cache)
    assert sorted(grads) == sorted(names_for(variant))

    def run(x=x, h=h, **over):
        return gru_cell_forward(x, h, {**p, **over}, variant=variant)[0]

    assert rel_error(fd(lambda v: run(x=v), x.copy(), dh), dx) < 1e-7
    assert rel_error(fd(lambda v: run(h=v), h.copy(), dh), dh_prev) < 1e-7
    for name in names_for(variant):
        num = fd(lambda v: run(**{name: v}), p[name].copy(), dh)
        assert grads[name].shape == p[name].shape, name
        assert rel_error(num, grads[name]) < 1e-7, name


# ------------------------------------------------------------------------- sequence


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("batched", [False, True])
def test_sequence_forward_matches_stepping_the_cell(rng, params, variant, batched):
    p = params_for(variant, params, rng)
    lead = (B,) if batched else ()
    X, h0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H))
    hs, _ = gru_forward(X, h0, p, variant=variant)
    assert hs.shape == (T, *lead, H)
    h = h0
    for t in range(T):
        h, _ = gru_cell_forward(X[t], h, p, variant=variant)
        np.testing.assert_allclose(hs[t], h, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("batched", [False, True])
def test_sequence_matches_a_plain_implementation(rng, params, variant, batched):
    p = params_for(variant, params, rng)
    lead = (B,) if batched else ()
    X, h0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H))
    dhs = rng.normal(size=(T, *lead, H))
    hs, cache = gru_forward(X, h0, p, variant=variant)
    dX, dh0, grads = gru_backward(dhs, cache)

    plain_hs, _ = plain_forward(X, h0, p, variant)
    pdX, pdh0, pgrads = plain_backward(dhs, X, h0, p, variant)
    np.testing.assert_allclose(hs, plain_hs, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dX, pdX, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dh0, pdh0, rtol=1e-10, atol=1e-13)
    assert sorted(grads) == sorted(names_for(variant))
    for k in names_for(variant):
        np.testing.assert_allclose(grads[k], pgrads[k], rtol=1e-10, atol=1e-13, err_msg=k)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("batched", [False, True])
def test_sequence_backward_matches_finite_differences(rng, params, variant, batched):
    p = params_for(variant, params, rng)
    lead = (B,) if batched else ()
    X, h0 = rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H))
    dhs = rng.normal(size=(T, *lead, H))
    _, cache = gru_forward(X, h0, p, variant=variant)
    dX, dh0, grads = gru_backward(dhs, cache)
    assert dX.shape == X.shape and dh0.shape == h0.shape

    def run(X=X, h0=h0, **over):
        return gru_forward(X, h0, {**p, **over}, variant=variant)[0]

    assert rel_error(fd(lambda v: run(X=v), X.copy(), dhs), dX) < 1e-7
    assert rel_error(fd(lambda v: run(h0=v), h0.copy(), dhs), dh0) < 1e-7
    for name in names_for(variant):
        num = fd(lambda v: run(**{name: v}), p[name].copy(), dhs)
        assert grads[name].shape == p[name].shape, name
        assert rel_error(num, grads[name]) < 1e-7, name


@pytest.mark.parametrize("variant", VARIANTS)
def test_sequence_backward_equals_cell_backward_chain(rng, params, variant):
    """BPTT by hand with the cell: gradients summed over time, dh carried backwards."""
    p = params_for(variant, params, rng)
    X, h0, dhs = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(T, B, H))
    caches, h = [], h0
    for t in range(T):
        h, c = gru_cell_forward(X[t], h, p, variant=variant)
        caches.append(c)
    total = {k: np.zeros_like(p[k]) for k in names_for(variant)}
    dX_chain = np.zeros_like(X)
    dh_next = np.zeros((B, H))
    for t in reversed(range(T)):
        dX_chain[t], dh_next, g = gru_cell_backward(dhs[t] + dh_next, caches[t])
        for k in total:
            total[k] += g[k]
    _, cache = gru_forward(X, h0, p, variant=variant)
    dX, dh0, grads = gru_backward(dhs, cache)
    np.testing.assert_allclose(dX, dX_chain, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dh0, dh_next, rtol=1e-12, atol=1e-14)
    for k in total:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-12, atol=1e-14, err_msg=k)


# -------------------------------------------------------------- parameters and API


def test_init_and_parameter_count():
    p = init_gru_params(D, H, rng=0)
    assert sorted(p) == sorted(NAMES)
    assert p["W_z"].shape == (H, H) and p["U_h"].shape == (H, D) and p["b_r"].shape == (H,)
    assert all(np.abs(v).max() <= 1 / np.sqrt(H) for v in p.values())
    assert count_params(p) == gru_param_count(D, H) == 3 * (H * H + H * D + H)
    q = init_gru_params(D, H, rng=0, variant="pytorch")
    assert count_params(q) == gru_param_count(D, H, variant="pytorch") == count_params(p) + H
    same_seed = init_gru_params(D, H, rng=7)["W_h"], init_gru_params(D, H, rng=7)["W_h"]
    np.testing.assert_array_equal(*same_seed)


def test_torch_layout_round_trip(rng, params):
    """NumPy only: gate order r, z, n; b_r and b_z survive as sums, b_hn as itself."""
    p = {**params, "b_hn": rng.normal(size=H)}
    state = gru_params_to_torch(p)
    assert state["weight_ih_l0"].shape == (3 * H, D) and state["weight_hh_l0"].shape == (3 * H, H)
    np.testing.assert_array_equal(state["weight_ih_l0"][:H], p["U_r"])
    np.testing.assert_array_equal(state["weight_hh_l0"][H : 2 * H], p["W_z"])
    np.testing.assert_array_equal(state["bias_hh_l0"], np.concatenate([np.zeros(2 * H), p["b_hn"]]))
    back = gru_params_from_torch(state)
    assert sorted(back) == sorted(p)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k], err_msg=k)
    split = {**state, "bias_hh_l0": state["bias_hh_l0"] + np.r_[np.ones(2 * H), np.zeros(H)]}
    np.testing.assert_allclose(gru_params_from_torch(split)["b_r"], p["b_r"] + 1)
    nobias = gru_params_from_torch({k: v for k, v in state.items() if k.startswith("weight")})
    np.testing.assert_array_equal(nobias["b_hn"], 0.0)


@pytest.mark.parametrize("variant", VARIANTS)
def test_unused_param_keys_are_ignored(rng, params, variant):
    x, h = rng.normal(size=D), rng.normal(size=H)
    extra = {**params, "W_y": np.ones((2, H)), "U_f": "not used", "W_x": None}
    np.testing.assert_array_equal(
        gru_cell_forward(x, h, extra, variant=variant)[0],
        gru_cell_forward(x, h, params, variant=variant)[0],
    )
    X = rng.normal(size=(T, D))
    np.testing.assert_array_equal(
        gru_forward(X, h, extra, variant=variant)[0], gru_forward(X, h, params, variant=variant)[0]
    )


def test_sources_variant_ignores_b_hn(rng, params):
    X, h0 = rng.normal(size=(T, D)), rng.normal(size=H)
    hs, cache = gru_forward(X, h0, {**params, "b_hn": np.ones(H)})
    np.testing.assert_array_equal(hs, gru_forward(X, h0, params)[0])
    assert "b_hn" not in gru_backward(np.ones_like(hs), cache)[2]


@pytest.mark.parametrize("variant", VARIANTS)
def test_inputs_are_not_modified(rng, params, variant):
    p = params_for(variant, params, rng)
    X, h0, dhs = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(T, B, H))
    x, h, dh = X[0].copy(), h0.copy(), dhs[0].copy()
    before = {k: v.copy() for k, v in {"X": X, "h0": h0, "dhs": dhs, **p}.items()}
    _, cache = gru_forward(X, h0, p, variant=variant)
    gru_backward(dhs, cache)
    _, cache = gru_cell_forward(x, h, p, variant=variant)
    gru_cell_backward(dh, cache)
    for k, v in {"X": X, "h0": h0, "dhs": dhs, **p}.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    np.testing.assert_array_equal(x, X[0])
    np.testing.assert_array_equal(h, h0)
    np.testing.assert_array_equal(dh, dhs[0])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda p: gru_cell_forward(np.zeros(D), np.zeros((3, 7)), p),
         r"h_prev has shape \(3, 7\) but W_h is \(5, 5\): expected \(5,\) or \(B, 5\)"),
        (lambda p: gru_cell_forward(np.zeros(D + 1), np.zeros(H), p),
         r"x_t has shape \(4,\) but U_h is \(5, 3\): expected \(3,\) or \(B, 3\)"),
        (lambda p: gru_cell_forward(np.zeros((B, D)), np.zeros(H), p),
         r"h_prev has shape \(5,\) but the input has batch shape \(3,\): expected \(3, 5\)"),
        (lambda p: gru_forward(np.zeros((T, B, D)), np.zeros((B + 1, H)), p),
         r"h0 has shape \(4, 5\) but the input has batch shape \(3,\): expected \(3, 5\)"),
        (lambda p: gru_forward(np.zeros(D), np.zeros(H), p),
         r"X has shape \(3,\) but U_h is \(5, 3\): expected \(T, 3\) or \(T, B, 3\)"),
        (lambda p: gru_forward(np.zeros((0, D)), np.zeros(H), p), r"X has no time steps"),
        (lambda p: gru_cell_forward(np.zeros(D), np.zeros(H), {**p, "W_r": np.zeros((H, H + 1))}),
         r'params\["W_r"\] has shape \(5, 6\): expected \(5, 5\)'),
        (lambda p: gru_forward(np.zeros((T, D)), np.zeros(H), {**p, "U_h": np.zeros((H, D + 1))}),
         r'params\["U_h"\] has shape \(5, 4\): expected \(5, 3\)'),
        (lambda p: gru_cell_forward(np.zeros(D), np.zeros(H), {**p, "b_z": np.zeros((1, H))}),
         r'params\["b_z"\] has shape \(1, 5\): expected \(5,\)'),
        (lambda p: gru_cell_forward(np.zeros(D), np.zeros(H), {**p, "U_z": np.zeros(H)}),
         r'params\["U_z"\] must be a 2-D weight matrix, got shape \(5,\)'),
        (lambda p: gru_forward(np.zeros((T, D)), np.zeros(H), {**p, "b_hn": np.zeros(H + 1)},
                               variant="pytorch"),
         r'params\["b_hn"\] has shape \(6,\): expected \(5,\)'),
        (lambda p: gru_forward(np.zeros((T, D)), np.zeros(H), p, variant="cudnn"),
         r"variant must be one of \('sources', 'pytorch'\), got 'cudnn'"),
    ],
)
def test_bad_shapes_name_the_argument(params, call, match):
    with pytest.raises(ValueError, match=match):
        call(params)


@pytest.mark.parametrize("fn, args", [(gru_cell_forward, (np.zeros(D), np.zeros(H))),
                                      (gru_forward, (np.zeros((T, D)), np.zeros(H)))])
def test_missing_parameter_is_named(params, fn, args):
    del params["U_r"]
    with pytest.raises(KeyError, match=f"params is missing 'U_r' needed by {fn.__name__}"):
        fn(*args, params)


def test_backward_rejects_wrong_upstream_shape_cache_and_variant(rng, params):
    _, cache = gru_forward(rng.normal(size=(T, D)), np.zeros(H), params)
    with pytest.raises(ValueError, match=r"dhs has shape \(3, 5\): expected \(4, 5\), the shape of hs"):
        gru_backward(np.zeros((T - 1, H)), cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by gru_forward"):
        gru_backward(np.zeros((T, H)), {"hs": 1})
    with pytest.raises(ValueError, match="variant='pytorch' but the cache was made with variant='sources'"):
        gru_backward(np.zeros((T, H)), cache, variant="pytorch")
    _, cell_cache = gru_cell_forward(np.zeros((B, D)), np.zeros((B, H)), params)
    with pytest.raises(ValueError, match=r"dh_t has shape \(5,\): expected \(3, 5\), the shape of h_t"):
        gru_cell_backward(np.zeros(H), cell_cache)
    with pytest.raises(TypeError, match="cache must be the cache returned by gru_cell_forward"):
        gru_cell_backward(np.zeros((B, H)), cache)


def test_non_numeric_input_is_rejected(params):
    with pytest.raises(TypeError, match="x_t must be an array of real numbers"):
        gru_cell_forward(np.array(["a"] * D), np.zeros(H), params)
