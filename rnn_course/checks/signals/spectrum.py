"""Feedback check for framing a signal and taking the log power spectrum of each frame
(exercise ex07-signals, Part 3):

    frame k = x[k*hop : k*hop + frame_length],  F = 1 + (n - frame_length) // hop
    S[k] = log(abs(rfft(frame k * hann))**2 + 1e-10)    (F, frame_length // 2 + 1)
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, call_learner, close, passed, rng_for

NAME = "log_spectrogram"
EPS = 1e-10


def _frames(x, L, hop, count=None):
    __tracebackhide__ = True
    count = 1 + (len(x) - L) // hop if count is None else count
    return np.stack([x[k * hop:k * hop + L] for k in range(count)])


def expected_spectrogram(x, L, hop, *, window=np.hanning, power=2, log=np.log, eps=EPS):
    """The right answer (and, with other arguments, the usual wrong ones)."""
    __tracebackhide__ = True
    frames = _frames(x, L, hop) * window(L)
    return log(np.abs(np.fft.rfft(frames)) ** power + eps)


_MISTAKES = (
    ({"window": np.ones}, "the frames are not multiplied by a Hann window (np.hanning(frame_length))"),
    ({"window": np.hamming}, "that is a Hamming window; use a Hann window, np.hanning(frame_length)"),
    ({"power": 1}, "that is the log of the magnitude |rfft|; the power spectrum is its square, |rfft|**2"),
    ({"log": np.log10}, "that is log10; use the natural logarithm, np.log"),
)


def check_log_spectrogram(fn, *, hidden: bool = False) -> None:
    """Frame count and shape, the window, power (not magnitude), natural log, silence finite."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 89)
    cases = [(103, 16, 8), (64, 16, 16), (50, 12, 5)]
    if hidden:
        cases = [(int(rng.integers(40, 120)), L, int(rng.integers(2, L + 1)))
                 for L in (int(v) for v in rng.choice([8, 10, 12, 16, 20], 3))]
    for n, L, hop in cases:
        x = rng.normal(size=n)
        context = f"a signal of {n} samples, frame_length = {L}, hop = {hop}"
        got = as_result_array(call_learner(fn, NAME, {"x": x, "frame_length": L, "hop": hop}, any_package_code=True),
                              NAME, "the log power spectrum")
        want = expected_spectrogram(x, L, hop)
        F, K = want.shape
        if got.ndim != 2:
            raise FeedbackError(f"{NAME} returned shape {got.shape} for {context}; expected ({F}, {K}): "
                                f"one row per frame, one column per frequency")
        if got.shape[1] == L:
            raise FeedbackError(f"{NAME} returned {L} frequencies per frame for {context}: use "
                                f"np.fft.rfft, which keeps the {K} = frame_length // 2 + 1 "
                                f"non-negative frequencies of a real signal")
        if got.shape[0] != F:
            raise FeedbackError(
                f"{NAME} returned {got.shape[0]} frames for {context}; expected {F} = "
                f"1 + (n - frame_length) // hop (frame k starts at k * hop; the tail that does "
                f"not fill a whole frame is dropped)")
        if got.shape != want.shape:
            raise FeedbackError(f"{NAME} returned shape {got.shape} for {context}; expected {want.shape}")
        if close(got, want, rtol=1e-6, atol=1e-6):
            continue
        for options, message in _MISTAKES:
            if close(got, expected_spectrogram(x, L, hop, **options), rtol=1e-6, atol=1e-6):
                raise FeedbackError(f"{NAME} is wrong for {context}: {message}")
        raise FeedbackError(f"{NAME} returned the right shape but wrong values for {context}: frame "
                            f"with x[k*hop : k*hop + frame_length], multiply by np.hanning, then "
                            f"np.log(np.abs(np.fft.rfft(frames))**2 + 1e-10)")
    silent = call_learner(fn, NAME, {"x": np.zeros(32), "frame_length": 8, "hop": 4}, any_package_code=True)
    try:
        finite = np.all(np.isfinite(np.asarray(silent, dtype=float)))
    except (TypeError, ValueError):
        finite = False
    if not finite:
        raise FeedbackError(f"{NAME} returned -inf or NaN for a silent signal (all zeros): add "
                            f"1e-10 to the power before the log")
    passed(f"{NAME} frames the signal and takes the log power spectrum", hidden)
