"""Gradient norms through time and spectral-radius helpers: the norms equal a direct
product of Jacobians, the scaling is exact, and bad arguments are named."""

from __future__ import annotations

import numpy as np
import pytest

import rnn_course as rc
from rnn_course.training.gradient_norms import (
    gradient_norm_curve,
    hidden_state_gradient_norms,
    mean_tanh_derivative,
    rnn_with_spectral_radius,
    scale_to_spectral_radius,
    spectral_radius,
)

T, D, H, B = 9, 3, 6, 4


def direct_norms(params, X, dh_T):
    """||(dh_T/dh_t)^T dh_T|| from explicit Jacobians diag(1 - h_j^2) W_h."""
    hs, _ = rc.rnn_forward(X, np.zeros(H), params)
    norms = []
    for t in range(1, T + 1):            # h_t is hs[t - 1]
        J = np.eye(H)                    # dh_T/dh_t
        for j in range(t + 1, T + 1):
            J = ((1 - hs[j - 1] ** 2)[:, None] * params["W_h"]) @ J
        norms.append(np.linalg.norm(J.T @ dh_T))
    return np.array(norms)


@pytest.mark.parametrize("rho", [0.5, 1.0, 2.0])
def test_norms_equal_the_direct_product_of_jacobians(rho):
    params = rnn_with_spectral_radius(D, H, rho, rng=1)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((T, D))
    dh_T = rng.standard_normal(H)
    got = hidden_state_gradient_norms(params, X, dh_T=dh_T)
    assert got.shape == (T,)
    np.testing.assert_allclose(got, direct_norms(params, X, dh_T), rtol=1e-12)
    assert got[-1] == pytest.approx(np.linalg.norm(dh_T))


def test_batch_norms_are_the_single_sequence_norms():
    params = rnn_with_spectral_radius(D, H, 1.2, rng=0)
    X = np.random.default_rng(0).standard_normal((T, B, D))
    got = hidden_state_gradient_norms(params, X)
    assert got.shape == (T, B)
    for b in range(B):
        np.testing.assert_allclose(got[:, b],
                                   hidden_state_gradient_norms(params, X[:, b]))
    np.testing.assert_allclose(got[-1], 1.0)     # default dh_T is a unit vector


def test_norms_agree_with_rnn_backward():
    """dL/dh_1 is the dh0 that rnn_backward returns when h_1 is the start."""
    params = rnn_with_spectral_radius(D, H, 1.5, rng=4)
    X = np.random.default_rng(4).standard_normal((T, D))
    norms = hidden_state_gradient_norms(params, X)
    hs, _ = rc.rnn_forward(X, np.zeros(H), params)
    rest, cache = rc.rnn_forward(X[1:], hs[0], params)   # h_2 .. h_T from h_1
    dhs = np.zeros_like(rest)
    dhs[-1] = 1.0 / np.sqrt(H)
    _, dh1, _ = rc.rnn_backward(dhs, cache)
    assert norms[0] == pytest.approx(np.linalg.norm(dh1), rel=1e-12)


def test_scaling_to_a_spectral_radius_is_exact_and_leaves_w_alone():
    W = np.random.default_rng(0).standard_normal((7, 7))
    before = W.copy()
    for rho in (0.0, 0.5, 1.0, 3.7):
        scaled = scale_to_spectral_radius(W, rho)
        assert spectral_radius(scaled) == pytest.approx(rho, abs=1e-12)
        if rho:
            np.testing.assert_allclose(scaled / W, rho / spectral_radius(W))
    np.testing.assert_array_equal(W, before)


def test_random_rnn_has_the_requested_radius_and_shapes():
    p = rnn_with_spectral_radius(D, H, 1.5, rng=0)
    assert p["W_x"].shape == (H, D) and p["W_h"].shape == (H, H)
    assert p["b_h"].shape == (H,)
    assert spectral_radius(p["W_h"]) == pytest.approx(1.5)


def test_vanishing_and_exploding_show_in_the_curve():
    small = gradient_norm_curve(0.5, 30)
    large = gradient_norm_curve(3.0, 30)
    assert small.shape == large.shape == (30,)
    assert small[0] < 1e-6 * small[-1]
    assert large[0] > 1e2 * large[-1]


def test_saturation_lowers_the_tanh_derivative():
    X = np.random.default_rng(0).standard_normal((20, 8, D))
    mild = rnn_with_spectral_radius(D, H, 1.0, input_scale=0.1, rng=0)
    hard = rnn_with_spectral_radius(D, H, 1.0, input_scale=5.0, rng=0)
    assert mean_tanh_derivative(hard, X) < mean_tanh_derivative(mild, X) <= 1.0


@pytest.mark.parametrize("call, name", [
    (lambda: scale_to_spectral_radius(np.ones((2, 3)), 1.0), "W"),
    (lambda: scale_to_spectral_radius(np.eye(2), -1.0), "rho"),
    (lambda: scale_to_spectral_radius(np.array([[0.0, 1], [0, 0]]), 1.0), "W"),
    (lambda: spectral_radius(np.ones(3)), "W"),
    (lambda: rnn_with_spectral_radius(0, H, 1.0), "input_size"),
    (lambda: rnn_with_spectral_radius(D, H, 1.0, input_scale=-1), "input_scale"),
    (lambda: gradient_norm_curve(1.0, 0), "T"),
    (lambda: hidden_state_gradient_norms(
        rnn_with_spectral_radius(D, H, 1.0, rng=0), np.ones((T, D)),
        dh_T=np.ones(H + 1)), "dh_T"),
    (lambda: hidden_state_gradient_norms(
        rnn_with_spectral_radius(D, H, 1.0, rng=0), np.ones(T)), "X"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
