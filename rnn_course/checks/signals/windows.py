"""Feedback check for windowing a series into supervised pairs, split in time without
leakage (exercise ex07-signals, Part 1).

The series given to the learner's function is ``0, 1, 2, ...`` (plus an offset in hidden
mode), so every value says where it came from and a message can say which window is wrong.
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, call_learner, passed, rng_for, unpack

NAME = "split_windows"
PARTS = ("X_train", "Y_train", "X_test", "Y_test")


def expected_windows(series, lookback, horizon, split):
    """The right answer, computed here (the checks do not import the tasks)."""
    __tracebackhide__ = True
    n = len(series) - lookback - horizon + 1
    start = np.arange(n) + lookback  # index of each window's first target
    X = np.stack([series[i:i + lookback] for i in range(n)])
    Y = np.stack([series[i + lookback:i + lookback + horizon] for i in range(n)])
    train, test = start + horizon - 1 < split, start >= split
    return X[train], Y[train], X[test], Y[test]


def _diagnose(got, want, offset, L, h, split) -> tuple[str, str]:
    """Name the likely mistake, reading positions off the values (value = index + offset):
    (verdict, explanation)."""
    __tracebackhide__ = True
    X_tr, Y_tr, X_te, Y_te = (g - offset for g in got)
    for X, Y in ((X_tr, Y_tr), (X_te, Y_te)):
        if len(X) and len(X) == len(Y) and np.any(Y[:, 0] != X[:, -1] + 1):
            return ("the targets do not start right after the inputs.",
                    "For the window starting at i, X is series[i : i+lookback] and Y is "
                    "series[i+lookback : i+lookback+horizon].")
    if Y_tr.size and Y_tr.max() >= split:
        return ("a training target is at or after the split (leakage).",
                f"A training window has a target at index {int(Y_tr.max())}, at or after the split "
                f"({split}): that is leakage. A window trains only if all its targets come before the "
                f"split (its last target index, first + horizon - 1, is < split).")
    if X_te.size and Y_te.size and Y_te[:, 0].min() < split:
        return ("a test window starts its targets before the split.",
                f"A test window's first target is at index {int(Y_te[:, 0].min())}, before the split "
                f"({split}): test windows start their targets at or after the split.")
    if len(got[0]) + len(got[2]) == len(want[0]) + len(want[2]) - 1:
        return ("one window is missing.",
                "A series of n values has n - lookback - horizon + 1 windows (the last one ends exactly "
                "at the last value): check the range of your loop.")
    if len(got[0]) < len(want[0]):
        return (f"{len(want[0]) - len(got[0])} training windows are missing.",
                "Every window whose targets all come before the split belongs to training.")
    if len(got[2]) < len(want[2]):
        return (f"{len(want[2]) - len(got[2])} test windows are missing.",
                "Every window whose first target is at or after the split belongs to the test set.")
    return ("the windows are wrong.",
            "For the window starting at i, X is series[i : i+lookback] and Y is "
            "series[i+lookback : i+lookback+horizon]; it trains if its last target is before the split, "
            "and is tested if its first target is at or after it.")


def check_split_windows(fn, *, hidden: bool = False) -> None:
    """Windows, targets right after the inputs, no training target at or after the split.

    Every hidden case (and two of the visible ones) has a horizon of at least 2, so that some
    windows straddle the split: the ones that leak into training, or into the test set, when
    the rule is wrong. The last two cases leave one side empty (a split so early that no
    window trains, so late that none is tested): that side is an array with no rows,
    (0, lookback) or (0, horizon).
    """
    __tracebackhide__ = True
    rng = rng_for(hidden, 71)
    cases = [(20, 3, 1, 12), (24, 4, 3, 15), (12, 2, 2, 8), (12, 3, 2, 4), (12, 2, 2, 11)]
    if hidden:
        cases = []
        for _ in range(3):
            L, h = int(rng.integers(2, 7)), int(rng.integers(2, 5))
            n = int(rng.integers(L + h + 8, 40))
            cases.append((n, L, h, int(rng.integers(L + h + 2, n - h - 1))))
        L, h = int(rng.integers(2, 7)), int(rng.integers(2, 5))
        n = int(rng.integers(L + h + 8, 40))
        cases.append((n, L, h, int(rng.integers(0, L + h))))  # no training window
        cases.append((n, L, h, int(rng.integers(n - h + 1, n + 1))))  # no test window
    for n, L, h, split in cases:
        offset = 100.0 if hidden else 0.0
        series = np.arange(n, dtype=float) + offset
        context = f"a series of {n} values, lookback = {L}, horizon = {h}, split = {split}"
        result = call_learner(fn, NAME, {"series": series, "lookback": L, "horizon": h, "split": split},
                              any_package_code=True)
        unpack(result, NAME, PARTS, count="four")
        want = expected_windows(series, L, h, split)
        got = []
        for part, value, right in zip(PARTS, result, want):
            array = as_result_array(value, NAME, part)
            if array.size == 0 and right.size == 0 and array.shape != right.shape:
                side = "training" if part.endswith("train") else "test"
                raise FeedbackError(
                    f"{NAME}: an empty {part} must have shape {right.shape}.\nFor {context} no window "
                    f"goes to the {side} set, and {part} has shape {array.shape}. Keep one row per window "
                    f"even when there are none: index a 2-D array of all windows with a mask, or use "
                    f"np.empty({right.shape}).")
            if array.ndim != 2 or array.shape[1] != right.shape[1]:
                raise FeedbackError(
                    f"{NAME} returned {part} of the wrong shape.\nIt is {array.shape} for {context}; "
                    f"expected (number of windows, {right.shape[1]}): one row per window.")
            got.append(array)
        if all(g.shape == w.shape and np.array_equal(g, w) for g, w in zip(got, want)):
            continue
        verdict, why = _diagnose(got, want, offset, L, h, split)
        shapes = ", ".join(f"{p} {g.shape} (expected {w.shape})" for p, g, w in zip(PARTS, got, want))
        raise FeedbackError(f"{NAME}: {verdict}\n{why}\nThat was for {context}: got {shapes}.")
    passed(f"{NAME} cuts windows and splits them in time without leakage", hidden)
