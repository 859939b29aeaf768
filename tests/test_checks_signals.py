"""Feedback checks for ex07-signals: right answers pass (visible and hidden), and each typical
mistake gets a message that names it."""

from __future__ import annotations

import numpy as np
import pytest

import rnn_course
from rnn_course.checks import (FeedbackError, check_forecaster_backward, check_forecaster_forward,
                               check_log_spectrogram, check_split_windows)

# ----------------------------------------------------------------------------- Part 1


def windows(series, lookback, horizon, split, mistake=""):
    n = len(series) - lookback - horizon + (0 if mistake == "drop_last" else 1)
    shift = -1 if mistake == "overlap" else 0
    X = np.array([series[i:i + lookback] for i in range(n)])
    Y = np.array([series[i + lookback + shift:i + lookback + horizon + shift] for i in range(n)])
    first = np.arange(n) + lookback
    last = first + horizon - 1
    train = (first < split) if mistake == "leak" else (last < split)
    test = (last >= split) if mistake == "test_early" else (first >= split)
    return X[train], Y[train], X[test], Y[test]


@pytest.mark.parametrize("hidden", [False, True])
def test_windows_right(hidden, capsys):
    check_split_windows(windows, hidden=hidden)
    assert "✓" in capsys.readouterr().out


WINDOWS_MISTAKES = {
    "leakage": lambda *a: windows(*a, mistake="leak"),
    "test windows start their targets at or after the split": lambda *a: windows(*a, mistake="test_early"),
    "do not start right after the inputs": lambda *a: windows(*a, mistake="overlap"),
    "one window is missing": lambda *a: windows(*a, mistake="drop_last"),
    "must return four values": lambda *a: windows(*a)[:2],
    "one row per window": lambda *a: tuple(w.T for w in windows(*a)),
    "reference implementation": lambda s, L, h, split: rnn_course.split_windows(s, L, h, split),
    r"an empty (X|Y)_(train|test) must have shape \(0, \d\)": lambda *a: tuple(
        w if len(w) else np.array([]) for w in windows(*a)),
}


@pytest.mark.parametrize("message", WINDOWS_MISTAKES)
def test_windows_mistakes(message):
    with pytest.raises(FeedbackError, match=message):
        check_split_windows(WINDOWS_MISTAKES[message])

# ----------------------------------------------------------------------------- Part 2


def forward(X, p, mistake=""):
    h = np.zeros((X.shape[1], p["W_h"].shape[0]))
    hs = []
    steps = {"skip_last": range(len(X) - 1), "skip_first": range(1, len(X)),
             "past_the_end": range(1, len(X) + 1)}.get(mistake, range(len(X)))
    for k in steps:
        x = X[k - 1] if mistake == "shifted" else X[k]
        W_h = {"no_recurrence": 0 * p["W_h"].T, "no_transpose": p["W_h"]}.get(mistake, p["W_h"].T)
        h = np.tanh(h @ W_h + x @ p["W_x"].T + (0 if mistake == "no_b_h" else p["b_h"]))
        hs.append(h)
    hs = np.array(hs)
    last = {"first": hs[0], "mean": hs.mean(axis=0)}.get(mistake, hs[-1])
    y = last @ p["W_y"].T + (0 if mistake == "no_b_y" else p["b_y"])
    if mistake == "every_step":
        y = hs @ p["W_y"].T + p["b_y"]
    return y, {"X": X, "hs": hs, "p": p}


def backward(dy, cache, mistake=""):
    X, hs, p = cache["X"], cache["hs"], cache["p"]
    g = {k: np.zeros_like(v) for k, v in p.items()}
    g["W_y"] = dy.T @ hs[-1] if mistake != "W_y_T" else (dy.T @ hs[-1]).T
    g["b_y"] = dy.sum(axis=0) if mistake != "b_y_mean" else dy.mean(axis=0)
    dh = np.zeros_like(hs[0])
    for t in reversed(range(len(X))):
        if t == len(X) - 1 or mistake == "every_step":
            dh = dh + dy @ p["W_y"]
        da = dh if mistake == "no_tanh" else dh * (1 - hs[t] ** 2)
        prev = hs[t - 1] if t or mistake == "hs_k_minus_1" else np.zeros_like(hs[0])
        if mistake == "assign_W_x":
            g["W_x"] = da.T @ X[t]
        else:
            g["W_x"] += da.T @ X[t]
        g["W_h"] += da.T @ prev
        if mistake == "b_h_scalar":
            g["b_h"] = da.sum()
        else:
            g["b_h"] += da.sum() if mistake == "b_h_all_axes" else da.sum(axis=0)
        dh = da @ (p["W_h"].T if mistake == "W_h_T" else p["W_h"])
        if mistake == "last_only":
            break
    return g


@pytest.mark.parametrize("hidden", [False, True])
def test_forecaster_right(hidden, capsys):
    check_forecaster_forward(forward, hidden=hidden)
    check_forecaster_backward(forward, backward, hidden=hidden)
    assert capsys.readouterr().out.count("✓") == 2


FORWARD_MISTAKES = {message: (lambda X, p, m=mistake: forward(X, p, m)) for mistake, message in [
    ("first", "first state"),
    ("mean", "mean of the states"),
    ("no_b_y", "b_y is missing"),
    ("no_b_h", "b_h is missing"),
    ("no_recurrence", "not carried from step to step"),
    ("every_step", "an output at every step"),
    ("no_transpose", "W_h is used without its transpose"),
    ("skip_last", r"the last step is skipped(.|\n)*range\(T - 1\)"),
    ("skip_first", "the first step is skipped"),
    ("shifted", r"the inputs are shifted by one step(.|\n)*X\[k - 1\]"),
    ("past_the_end", r"IndexError(.|\n)*loop over range\(T\)"),
]}
FORWARD_MISTAKES["reference implementation"] = lambda X, p: rnn_course.forecaster_forward(X, p)
BACKWARD_MISTAKES = {message: (lambda dy, c, m=mistake: backward(dy, c, m)) for mistake, message in [
    ("every_step", "enters at every step"),
    ("no_tanh", "derivative of tanh"),
    ("last_only", "stops at the last step"),
    ("b_y_mean", "summed over the batch"),
    ("W_y_T", r'grads\["W_y"\] of the wrong shape(.|\n)*axes swapped'),
    ("hs_k_minus_1", r"at k = 0 it reads hs\[k - 1\], which is hs\[-1\](.|\n)*h_0 = 0"),
    ("assign_W_x", r'grads\["W_x"\] keeps only one step\'s term(.|\n)*\+='),
    ("W_h_T", r"the gradient goes back through W_h\.T(.|\n)*a @ W_h, without \.T"),
    ("b_h_all_axes", r'grads\["b_h"\] sums a over every axis(.|\n)*axis=0'),
    ("b_h_scalar", r'grads\["b_h"\] is a single number(.|\n)*axis=0'),
]}


@pytest.mark.parametrize("message", FORWARD_MISTAKES)
def test_forecaster_forward_mistakes(message):
    with pytest.raises(FeedbackError, match=message):
        check_forecaster_forward(FORWARD_MISTAKES[message])


@pytest.mark.parametrize("message", BACKWARD_MISTAKES)
def test_forecaster_backward_mistakes(message):
    with pytest.raises(FeedbackError, match=message):
        check_forecaster_backward(forward, BACKWARD_MISTAKES[message])

@pytest.mark.parametrize("hidden", [False, True])
def test_a_backward_on_a_wrong_forward_is_told_to_fix_the_forward_first(hidden):
    pattern = (r"^forecaster_backward: your forecaster_forward is wrong; fix it first\.\n"
               r"forecaster_backward reads its cache(.|\n)*b_h is missing")
    with pytest.raises(FeedbackError, match=pattern):
        check_forecaster_backward(lambda X, p: forward(X, p, "no_b_h"), backward, hidden=hidden)


def test_a_forward_wrong_only_in_its_output_leaves_the_backward_alone(capsys):
    check_forecaster_backward(lambda X, p: forward(X, p, "no_b_y"), backward)
    assert "✓" in capsys.readouterr().out

# ----------------------------------------------------------------------------- Part 3


def spectrogram(x, L, hop, mistake=""):
    count = max(0, 1 + (len(x) - L) // hop - (1 if mistake == "frames" else 0))
    step = {"no_overlap": L, "hop_one": 1}.get(mistake, hop)
    if mistake == "stack":
        frames = np.stack([x[k * hop:k * hop + L] for k in range(count)])
    else:
        padded = np.concatenate([x, np.zeros(count * L)])  # frames past the end are zero-padded
        frames = padded[np.arange(count)[:, None] * step + np.arange(L)]
    window = {"no_window": np.ones(L), "hamming": np.hamming(L)}.get(mistake, np.hanning(L))
    spectrum = (np.fft.fft if mistake == "fft" else np.fft.rfft)(frames * window)
    power = np.abs(spectrum) ** (1 if mistake == "magnitude" else 2)
    log = np.log10 if mistake == "log10" else np.log
    return log(power + (0 if mistake == "no_eps" else 1e-10))


@pytest.mark.parametrize("hidden", [False, True])
def test_spectrogram_right(hidden, capsys):
    check_log_spectrogram(spectrogram, hidden=hidden)
    assert "✓" in capsys.readouterr().out


SPECTROGRAM_MISTAKES = {message: (lambda x, L, hop, m=mistake: spectrogram(x, L, hop, m)) for mistake, message in [
    ("frames", "frames for"),
    ("no_window", "Hann window"),
    ("hamming", "Hamming"),
    ("fft", "rfft"),
    ("magnitude", "magnitude"),
    ("log10", "log10"),
    ("no_eps", "silent signal"),
    ("no_overlap", r"the frames do not overlap(.|\n)*share \d+ samples"),
    ("hop_one", r"frame k starts at k, not at k \* hop"),
    ("stack", r"no frames for a too short signal(.|\n)*shape \(0, \d+\)"),
]}
SPECTROGRAM_MISTAKES[r"no frames for a too short signal(.|\n)*shape \(1, \d+\)"] = (  # one padded frame
    lambda x, L, hop: spectrogram(np.concatenate([x, np.zeros(max(0, L - len(x)))]), L, hop))
SPECTROGRAM_MISTAKES["reference implementation"] = lambda x, L, hop: rnn_course.log_spectrogram(x, L, hop)


@pytest.mark.parametrize("message", SPECTROGRAM_MISTAKES)
def test_spectrogram_mistakes(message):
    with np.errstate(divide="ignore"):
        with pytest.raises(FeedbackError, match=message):
            check_log_spectrogram(SPECTROGRAM_MISTAKES[message])


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (WINDOWS_MISTAKES, lambda m, fn, hidden: check_split_windows(fn, hidden=hidden)),
    (FORWARD_MISTAKES, lambda m, fn, hidden: check_forecaster_forward(fn, hidden=hidden)),
    (BACKWARD_MISTAKES, lambda m, fn, hidden: check_forecaster_backward(forward, fn, hidden=hidden)),
    (SPECTROGRAM_MISTAKES, lambda m, fn, hidden: check_log_spectrogram(fn, hidden=hidden)),
]
