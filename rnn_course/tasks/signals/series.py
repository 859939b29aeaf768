"""Time series as supervised pairs, split in time without leakage, and the baselines a
forecaster must beat.

A forecaster reads the last ``lookback`` values of a series and predicts the next
``horizon`` ones. Cutting a series ``s`` into **windows** gives the supervised pairs:
the window starting at ``i`` has inputs ``s[i : i + L]`` and targets
``s[i + L : i + L + h]``, so ``len(s) - L - h + 1`` windows in all.

Testing a forecaster honestly means testing it on a **later** span than the one it was
trained on, and letting nothing from that span leak into training:

- a window belongs to training only if **all** its targets come before the split, and to
  the test set only if its first target is at or after the split (its inputs may reach
  back before the split: at forecast time that past is known);
- the normalisation (mean and standard deviation) is fitted on the training span only.

    windows = split_windows(series, lookback=28, horizon=1, split=1096)
    norm = Normalizer.fit(series[:1096])
    persistence(windows["X_test"], 1)          # tomorrow = today

Shapes: N windows, L = lookback, h = horizon.

Book: chapter 6, time-series forecasting; exercise ex07-signals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validate import as_float_array, integer, positive_int


def _series(series) -> np.ndarray:
    s = as_float_array("series", series)
    if s.ndim != 1:
        raise ValueError(f"series has shape {s.shape}: expected one series (N,)")
    if not np.all(np.isfinite(s)):
        raise ValueError("series holds NaN or infinite values: fill or drop them first")
    return s


def make_windows(series, lookback, horizon):
    """Every window of a series as a supervised pair.

    Returns ``X`` (N, L), ``Y`` (N, h) and ``start`` (N,), the index in ``series`` of
    each window's first target: ``X[i] = series[i : i+L]``, ``Y[i] = series[i+L : i+L+h]``,
    ``start[i] = i + L``.
    """
    s = _series(series)
    L = positive_int("lookback", lookback)
    h = positive_int("horizon", horizon)
    N = len(s) - L - h + 1
    if N < 1:
        raise ValueError(f"series has {len(s)} values: too short for lookback {L} and horizon {h}")
    index = np.arange(N)[:, None]
    X = s[index + np.arange(L)]
    Y = s[index + L + np.arange(h)]
    return X, Y, np.arange(N) + L


def split_windows(series, lookback, horizon, split) -> dict[str, np.ndarray]:
    """Windows of ``series`` split in time at index ``split``, without leakage.

    Training windows have every target before ``split``; test windows have their first
    target at or after it. Windows whose targets straddle the split are in neither.

    Returns a dict with ``X_train`` (N_train, L), ``Y_train`` (N_train, h), ``start_train``,
    and ``X_test``, ``Y_test``, ``start_test`` likewise (``start``: the index of the first target).
    """
    s = _series(series)
    L = positive_int("lookback", lookback)
    h = positive_int("horizon", horizon)
    split = integer("split", split, low=L + h, high=len(s) - h)
    X, Y, start = make_windows(s, L, h)
    train = start + h - 1 < split
    test = start >= split
    return {"X_train": X[train], "Y_train": Y[train], "start_train": start[train],
            "X_test": X[test], "Y_test": Y[test], "start_test": start[test]}


@dataclass(frozen=True)
class Normalizer:
    """``z = (x - mean) / std``, with the mean and standard deviation of the training span."""

    mean: float
    std: float

    @classmethod
    def fit(cls, train_values) -> Normalizer:
        """Fit on the training span only (never on data the model is tested on)."""
        values = as_float_array("train_values", train_values)
        if values.size < 2:
            raise ValueError("train_values needs at least two values to have a spread")
        std = float(values.std())
        if std == 0:
            raise ValueError("train_values are all equal: nothing to normalise by")
        return cls(float(values.mean()), std)

    def __call__(self, x) -> np.ndarray:
        """Normalise: ``(x - mean) / std``."""
        return (as_float_array("x", x) - self.mean) / self.std

    def inverse(self, z) -> np.ndarray:
        """Back to the original units: ``z * std + mean``."""
        return as_float_array("z", z) * self.std + self.mean


# ------------------------------------------------------------------------- baselines


def persistence(X, horizon) -> np.ndarray:
    """Every future value equals the last one seen: (N, h) from windows ``X`` (N, L)."""
    X = as_float_array("X", X)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}: expected windows (N, L)")
    return np.repeat(X[:, -1:], positive_int("horizon", horizon), axis=1)


def seasonal_naive(series, start, horizon, period) -> np.ndarray:
    """Every future value equals the value one ``period`` earlier (same day last year).

    ``start`` (N,) holds the index of each window's first target (from :func:`make_windows`);
    returns (N, h). Needs ``start >= period``.
    """
    s = _series(series)
    start = np.asarray(start, dtype=int)
    h = positive_int("horizon", horizon)
    period = positive_int("period", period)
    if start.size and start.min() < period:
        raise ValueError(f"start has a window at index {start.min()}, less than one period ({period}) in")
    index = start[:, None] + np.arange(h) - period
    # a horizon longer than the period would read targets of its own window: forbid it
    if h > period:
        raise ValueError(f"horizon {h} is longer than the period {period}: the forecast would read its own targets")
    return s[index]


def fit_linear_ar(X, Y) -> np.ndarray:
    """Least-squares linear autoregression: ``Y ≈ X @ A[:-1] + A[-1]``; returns ``A`` (L + 1, h)."""
    X, Y = as_float_array("X", X), as_float_array("Y", Y)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
        raise ValueError(f"X {X.shape} and Y {Y.shape} must be windows (N, L) and targets (N, h)")
    design = np.column_stack([X, np.ones(len(X))])
    return np.linalg.lstsq(design, Y, rcond=None)[0]


def linear_ar_predict(A, X) -> np.ndarray:
    """Forecasts (N, h) of the linear autoregression ``A`` from :func:`fit_linear_ar`."""
    X = as_float_array("X", X)
    A = as_float_array("A", A)
    if X.ndim != 2 or A.shape[0] != X.shape[1] + 1:
        raise ValueError(f"A has shape {A.shape} but X is {X.shape}: expected A of ({X.shape[-1] + 1}, h)")
    return X @ A[:-1] + A[-1]


# --------------------------------------------------------------------------- metrics


def rmse(pred, target, axis=None):
    """Root mean squared error (over ``axis``; over everything by default)."""
    pred, target = as_float_array("pred", pred), as_float_array("target", target)
    if pred.shape != target.shape:
        raise ValueError(f"pred has shape {pred.shape} but target is {target.shape}")
    return np.sqrt(np.mean((pred - target) ** 2, axis=axis))


def skill(pred, target, reference) -> float:
    """``1 - MSE(pred) / MSE(reference)``: 0 is no better than the reference, 1 is perfect,
    negative is worse."""
    return float(1.0 - rmse(pred, target) ** 2 / rmse(reference, target) ** 2)


def autocorrelation(x, max_lag) -> np.ndarray:
    """Sample autocorrelation at lags 1 .. ``max_lag`` (the usual estimator, with the full-series
    mean and variance); for white noise each lies within ±1.96/√n about 95 % of the time."""
    x = _series(x)
    max_lag = integer("max_lag", max_lag, low=1, high=len(x) - 2)
    z = x - x.mean()
    denom = float(z @ z)
    return np.array([float(z[:-k] @ z[k:]) / denom for k in range(1, max_lag + 1)])
