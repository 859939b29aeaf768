"""Sampling with a temperature, greedy decoding, and the linear learning-rate decay."""

import numpy as np
import pytest

from rnn_course import SGD, Adam, fit
from rnn_course.training.sampling import greedy, sample_with_temperature, temperature_probs
from rnn_course.training.schedule import LinearDecay


def test_temperature_sharpens_and_flattens():
    z = np.array([2.0, 1.0, 0.0])
    p1, cold, hot = (temperature_probs(z, t) for t in (1.0, 0.2, 5.0))
    assert np.isclose(p1.sum(), 1) and cold.max() > p1.max() > hot.max()
    assert np.allclose(temperature_probs(np.array([1000.0, 0.0]), 1.0), [1, 0])


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_sampling_frequencies_follow_the_distribution(temperature):
    z = np.array([1.5, 0.0, -1.0, 0.5])
    n = 40000
    ids = sample_with_temperature(np.tile(z, (n, 1)), temperature, rng=0)
    freq = np.bincount(ids, minlength=4) / n
    p = temperature_probs(z, temperature)
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-3)


def test_sampling_is_reproducible_and_keeps_leading_axes():
    z = np.random.default_rng(0).normal(size=(3, 2, 5))
    a = sample_with_temperature(z, 1.0, rng=7)
    assert a.shape == (3, 2) and np.array_equal(a, sample_with_temperature(z, 1.0, rng=7))
    assert np.array_equal(greedy(z), z.argmax(-1))
    with pytest.raises(ValueError, match="temperature"):
        sample_with_temperature(z, 0.0)


def test_linear_decay_reaches_its_final_rate():
    opt = LinearDecay(SGD(lr=1.0), steps=4, final=0.25)
    params = {"w": np.zeros(1)}
    rates = []
    for _ in range(5):
        rates.append(opt.lr)
        opt.step(params, {"w": np.ones(1)})
    assert np.allclose(rates, [1.0, 0.8125, 0.625, 0.4375, 0.25])
    assert np.isclose(params["w"][0], -sum(rates))


def test_linear_decay_works_inside_fit_and_rejects_bad_optimisers():
    params = {"w": np.array([3.0])}
    run = fit(params, lambda p, _: (float(p["w"][0] ** 2), {"w": 2 * p["w"]}), [None],
              LinearDecay(Adam(lr=0.1), steps=50), 50)
    assert run.losses[-1] < run.losses[0]
    with pytest.raises(TypeError, match="lr and a method step"):
        LinearDecay(object(), steps=3)
