"""Numerical gradient checking: known derivatives, the upstream form, and error messages."""

import numpy as np
import pytest

from rnn_course import check_gradients, numerical_gradient, rel_error
from rnn_course.training.gradcheck import rel_error_norm


def test_gradient_of_a_known_scalar_function():
    x = np.array([0.3, -1.2, 2.0])
    # f(x) = sum(x^3) has gradient 3 x^2; centred differences are exact to O(h^2) for a cubic
    num = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(num, 3 * x**2, rtol=1e-9)


def test_vector_jacobian_product_with_upstream():
    A = np.arange(6.0).reshape(2, 3)
    x = np.array([1.0, -2.0, 0.5])
    df = np.array([0.7, -0.1])
    num = numerical_gradient(lambda v: A @ v, x, df=df)
    np.testing.assert_allclose(num, A.T @ df, rtol=1e-9)


def test_x_is_restored_after_checking():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    np.testing.assert_array_equal(x, before)


def test_rel_error_reads_as_documented():
    a = np.array([1.0, 2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, a * (1 + 1e-9)) == pytest.approx(0.5e-9, rel=1e-3)
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def _tanh_layer():
    """y = tanh(W x), an upstream gradient, and its right and wrong (no 1 - tanh^2) gradients."""
    W = np.array([[1.0, -0.5], [0.25, 2.0]])
    x = np.array([0.2, -0.4])
    up = np.array([1.0, -1.0])

    def forward(W, x):
        return np.tanh(W @ x)

    da = up * (1 - np.tanh(W @ x) ** 2)
    right = {"W": np.outer(da, x), "x": W.T @ da}
    wrong = {"W": np.outer(up, x), "x": W.T @ up}  # forgot 1 - tanh^2
    return forward, W, x, up, right, wrong


def test_check_gradients_catches_a_wrong_gradient():
    forward, W, x, up, right, wrong = _tanh_layer()
    good = check_gradients(forward, {"W": W, "x": x}, up, right)
    bad = check_gradients(forward, {"W": W, "x": x}, up, wrong)
    assert max(good.values()) < 1e-8
    assert min(bad.values()) > 1e-3


def test_rel_error_norm_is_not_thrown_off_by_an_entry_near_zero():
    a = np.array([1.0, 2.0, 1e-9])
    b = a + np.array([0.0, 0.0, 1e-11])  # a rounding difference on the tiny entry
    assert rel_error(a, b) > 1e-3  # elementwise: the tiny entry dominates
    assert rel_error_norm(a, b) < 1e-11
    assert rel_error_norm(a, -a) == pytest.approx(1.0)
    assert rel_error_norm(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match=r"^a has shape \(3,\) but b has shape \(2,\)"):
        rel_error_norm(a, a[:2])


def test_check_gradients_by_norm_catches_a_wrong_gradient_and_names_bad_measures():
    forward, W, x, up, right, wrong = _tanh_layer()
    good = check_gradients(forward, {"W": W, "x": x}, up, right, measure="norm")
    bad = check_gradients(forward, {"W": W, "x": x}, up, wrong, measure="norm")
    assert max(good.values()) < 1e-8
    assert min(bad.values()) > 1e-3
    with pytest.raises(ValueError, match=r"^measure must be one of \('entry', 'norm'\)"):
        check_gradients(forward, {"W": W, "x": x}, up, right, measure="max")


def test_float32_is_refused_with_a_reason():
    with pytest.raises(TypeError, match="numerical gradients need float64"):
        numerical_gradient(lambda v: v.sum(), np.ones(3, dtype=np.float32))


def test_array_output_without_upstream_is_explained():
    with pytest.raises(ValueError, match="pass df, the upstream gradient"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


def test_mismatched_shapes_are_named():
    with pytest.raises(ValueError, match=r"a has shape \(2,\) but b has shape \(3,\)"):
        rel_error(np.ones(2), np.ones(3))


def test_flatten_and_cosine_of_gradient_dicts():
    from rnn_course.training.gradcheck import flatten_grads, grad_cosine

    a = {"W": np.array([[1.0, 0.0]]), "b": np.array([0.0])}
    b = {"W": np.array([[0.0, 2.0]]), "b": np.array([0.0])}
    np.testing.assert_array_equal(flatten_grads(a), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(flatten_grads(a, keys=["b", "W"]), [0.0, 1.0, 0.0])
    assert grad_cosine(a, a) == pytest.approx(1.0)
    assert grad_cosine(a, b) == pytest.approx(0.0)
    assert grad_cosine(a, {k: -v for k, v in a.items()}) == pytest.approx(-1.0)
    with pytest.raises(KeyError, match="grads has no"):
        flatten_grads(a, keys=["U"])
    with pytest.raises(ValueError, match="zero gradient"):
        grad_cosine(a, {k: 0 * v for k, v in a.items()})
