"""Windows without leakage, baselines, metrics, the real series' loaders, and the many-to-one
forecaster (gradients against finite differences, and it learns a series a baseline cannot)."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_course import init_model, numerical_gradient, rel_error
from rnn_course.tasks.signals.forecast import (as_sequence, forecast, forecaster_backward,
                                       forecaster_forward, forecaster_loss_and_grads,
                                       train_forecaster)
from rnn_course.tasks.signals.series import (Normalizer, autocorrelation, fit_linear_ar,
                                     linear_ar_predict, make_windows, persistence, rmse,
                                     seasonal_naive, skill, split_windows)
from rnn_course.tasks.signals.series_data import load_seattle_weather, load_stock_prices, load_sunspots


def test_windows_are_inputs_then_the_targets_right_after():
    s = np.arange(10.0)
    X, Y, start = make_windows(s, 3, 2)
    assert X.shape == (6, 3) and Y.shape == (6, 2)
    np.testing.assert_array_equal(X[0], [0, 1, 2])
    np.testing.assert_array_equal(Y[0], [3, 4])
    np.testing.assert_array_equal(Y[-1], [8, 9])  # the last window ends at the last value
    np.testing.assert_array_equal(start, np.arange(6) + 3)


@pytest.mark.parametrize("L,h,split", [(3, 1, 10), (5, 4, 12), (1, 7, 20)])
def test_split_never_trains_on_a_target_at_or_after_the_split(L, h, split):
    s = np.arange(30.0)  # value == index, so the targets tell where they come from
    w = split_windows(s, L, h, split)
    assert w["Y_train"].max() < split
    assert w["Y_test"][:, 0].min() >= split
    # every window is accounted for: train, test, or straddling the split
    straddling = sum(1 for i in range(split - h + 1, split) if i - L >= 0)
    assert len(w["X_train"]) + len(w["X_test"]) + straddling == len(s) - L - h + 1
    # the first test window's inputs are the values just before the split
    np.testing.assert_array_equal(w["X_test"][0], np.arange(split - L, split))


def test_split_and_windows_reject_bad_arguments():
    with pytest.raises(ValueError, match="lookback"):
        make_windows(np.arange(10.0), 0, 1)
    with pytest.raises(ValueError, match="too short"):
        make_windows(np.arange(3.0), 3, 1)
    with pytest.raises(ValueError, match="series"):
        make_windows(np.ones((3, 3)), 1, 1)
    with pytest.raises(ValueError, match="NaN"):
        make_windows(np.array([1.0, np.nan, 2.0, 3.0]), 1, 1)
    with pytest.raises(ValueError, match="split"):
        split_windows(np.arange(10.0), 3, 1, 2)


def test_normalizer_uses_only_what_it_is_given_and_inverts():
    train = np.array([1.0, 2.0, 3.0, 4.0])
    norm = Normalizer.fit(train)
    assert norm.mean == pytest.approx(2.5) and norm.std == pytest.approx(np.std(train))
    x = np.array([10.0, -3.0])
    np.testing.assert_allclose(norm.inverse(norm(x)), x)
    with pytest.raises(ValueError, match="all equal"):
        Normalizer.fit([2.0, 2.0])


def test_baselines():
    s = np.arange(40.0) % 7  # period 7
    X, Y, start = make_windows(s, 8, 3)
    np.testing.assert_array_equal(persistence(X, 3), np.repeat(X[:, -1:], 3, axis=1))
    np.testing.assert_array_equal(seasonal_naive(s, start, 3, 7), Y)  # exact on a periodic series
    with pytest.raises(ValueError, match="longer than the period"):
        seasonal_naive(s, start, 9, 7)
    # a linear AR recovers an exact linear recurrence
    rng = np.random.default_rng(0)
    t = np.zeros(200)
    t[:2] = rng.normal(size=2)
    for i in range(2, 200):
        t[i] = 0.6 * t[i - 1] - 0.3 * t[i - 2] + 1.0
    X, Y, _ = make_windows(t, 2, 1)
    A = fit_linear_ar(X, Y)
    np.testing.assert_allclose(A[:, 0], [-0.3, 0.6, 1.0], atol=1e-8)
    np.testing.assert_allclose(linear_ar_predict(A, X), Y, atol=1e-8)


def test_metrics():
    y = np.array([[1.0], [2.0], [3.0]])
    assert rmse(y + 2, y) == pytest.approx(2.0)
    assert skill(y, y, y + 1) == pytest.approx(1.0)
    assert skill(y + 1, y, y + 1) == pytest.approx(0.0)
    rng = np.random.default_rng(1)
    noise = rng.normal(size=2000)
    assert np.all(np.abs(autocorrelation(noise, 5)) < 0.1)
    walk = np.cumsum(noise)
    assert autocorrelation(walk, 1)[0] > 0.9
    with pytest.raises(ValueError, match="pred"):
        rmse(np.ones(3), np.ones(4))


def test_loaders_read_the_installed_packages():
    dates, temp = load_seattle_weather()
    assert len(temp) == 1461 and str(dates[0]) == "2012-01-01" and -10 < temp.min() < temp.max() < 40
    years, spots = load_sunspots()
    assert len(spots) == 309 and years[0] == 1700 and spots.min() >= 0
    stocks = load_stock_prices()
    assert sorted(stocks) == ["AAPL", "AMZN", "GOOG", "IBM", "MSFT"]
    assert all(np.all(np.diff(d).astype(int) > 0) for d, _ in stocks.values())
    with pytest.raises(ValueError, match="column"):
        load_seattle_weather("humidity")


def test_loader_names_the_package_when_it_is_missing(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "vega_datasets", None)
    with pytest.raises(ModuleNotFoundError, match="pip install vega_datasets"):
        load_seattle_weather()
    monkeypatch.setitem(sys.modules, "statsmodels.datasets", None)
    with pytest.raises(ModuleNotFoundError, match="pip install statsmodels"):
        load_sunspots()


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_forecaster_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(2)
    params = init_model(kind, 2, 4, 3, rng=rng)
    X = rng.normal(size=(5, 3, 2))
    Y = rng.normal(size=(3, 3))
    _, grads = forecaster_loss_and_grads(kind, params, X, Y)
    for name, value in params.items():
        numeric = numerical_gradient(lambda _: np.array(forecaster_loss_and_grads(kind, params, X, Y)[0]),
                                     value, df=np.array(1.0))
        assert rel_error(numeric, grads[name]) < 1e-6, name


def test_forecaster_reads_only_the_last_step():
    rng = np.random.default_rng(3)
    params = init_model("rnn", 1, 4, 2, rng=rng)
    X = rng.normal(size=(6, 2, 1))
    y, cache = forecaster_forward(X, params)
    assert y.shape == (2, 2)
    grads = forecaster_backward(np.ones((2, 2)), cache)
    np.testing.assert_allclose(grads["b_y"], [2.0, 2.0])
    assert as_sequence(np.ones((4, 6))).shape == (6, 4, 1)


def test_the_forecaster_learns_what_persistence_cannot():
    t = np.arange(600)
    s = np.sin(2 * np.pi * t / 12)  # persistence is poor on a fast oscillation
    X, Y, _ = make_windows(s, 12, 1)
    run = train_forecaster("gru", X[:500], Y[:500], hidden_size=16, steps=300, rng=0)
    pred = forecast("gru", run["params"], X[500:])
    assert rmse(pred, Y[500:]) < 0.3 * rmse(persistence(X[500:], 1), Y[500:])
