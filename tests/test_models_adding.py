"""The common model interface and the adding problem."""

import numpy as np
import pytest

from rnn_course.tasks.synthetic.adding import BASELINE_MSE, adding_loss_and_grads, adding_problem_batch, train_adding
from rnn_course.training.gradcheck import numerical_gradient
from rnn_course.training.models import KINDS, init_model, model_backward, model_forward


def test_adding_batch_has_one_marker_in_each_half():
    X, y = adding_problem_batch(12, 50, rng=0)
    markers, values = X[..., 1], X[..., 0]
    assert X.shape == (12, 50, 2) and y.shape == (50, 1)
    np.testing.assert_array_equal(markers[:6].sum(0), np.ones(50))
    np.testing.assert_array_equal(markers[6:].sum(0), np.ones(50))
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(0))


def test_baseline_is_the_variance_of_the_target():
    _, y = adding_problem_batch(10, 200_000, rng=1)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(BASELINE_MSE, rel=0.02)


@pytest.mark.parametrize("kind", KINDS)
def test_model_gradients_match_finite_differences(kind):
    params = init_model(kind, 2, 4, 1, rng=2)
    X, y = adding_problem_batch(6, 3, rng=3)
    _, grads = adding_loss_and_grads(kind, params, X, y)
    assert set(grads) == set(params)
    for name in params:
        def loss(v, name=name):
            return adding_loss_and_grads(kind, {**params, name: v}, X, y)[0]

        num = numerical_gradient(loss, params[name].copy())
        scale = max(np.abs(num).max(), 1e-12)
        assert np.abs(num - grads[name]).max() / scale < 1e-6, name


@pytest.mark.parametrize("kind", KINDS)
def test_outputs_have_one_row_per_step(kind):
    params = init_model(kind, 3, 5, 2, rng=0)
    out, cache = model_forward(kind, np.ones((7, 4, 3)), params)
    assert out.shape == (7, 4, 2)
    grads = model_backward(kind, np.ones_like(out), cache)
    assert all(grads[k].shape == params[k].shape for k in params)


def test_wrong_kind_and_cache_are_named():
    with pytest.raises(ValueError, match="kind must be one of"):
        init_model("transformer", 2, 3, 1)
    _, cache = model_forward("rnn", np.ones((2, 2)), init_model("rnn", 2, 3, 1, rng=0))
    with pytest.raises(TypeError, match=r"cache must be the cache returned by model_forward\('gru'"):
        model_backward("gru", np.ones((2, 1)), cache)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_short_sequences_are_learned(seed):
    result = train_adding("gru", 8, hidden_size=16, steps=300, rng=seed)
    assert result["test_mse"] < BASELINE_MSE / 5
    assert result["losses"].shape == (300,)
