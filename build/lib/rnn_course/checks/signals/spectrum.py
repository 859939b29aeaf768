"""Feedback check for framing a signal and taking the log power spectrum of each frame
(exercise ex07-signals, Part 3):

    frame k = x[k*hop : k*hop + frame_length],  F = 1 + (n - frame_length) // hop
    S[k] = log(abs(rfft(frame k * hann))**2 + 1e-10)    (F, frame_length // 2 + 1)
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, call_learner, close, fit, passed, rng_for

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
    ({"window": np.ones}, "the frames are not multiplied by a Hann window.",
     "Multiply every frame by np.hanning(frame_length) before the rfft."),
    ({"window": np.hamming}, "that is a Hamming window, not a Hann window.",
     "Use np.hanning(frame_length)."),
    ({"power": 1}, "that is the log of the magnitude, not of the power.",
     "The power spectrum is the square of the magnitude: np.abs(spectrum)**2."),
    ({"log": np.log10}, "that is log10, not the natural logarithm.", "Use np.log."),
    ({"eps": 0.0}, "the 1e-10 before the log is missing.",
     "Without it a silent signal (all zeros) gives log(0) = -inf: return np.log(power + 1e-10)."),
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
            raise FeedbackError(f"{NAME} returned an array of the wrong shape.\nIt is {got.shape} for "
                                f"{context}; expected ({F}, {K}): one row per frame, one column per frequency.")
        if got.shape[1] == L and L != K:
            raise FeedbackError(f"{NAME} returned {L} frequencies per frame, not {K}.\nFor {context}: use "
                                f"np.fft.rfft, which keeps the {K} = frame_length // 2 + 1 non-negative "
                                f"frequencies of a real signal.")
        if got.shape[0] != F:
            raise FeedbackError(
                fit(f"{NAME} returned {got.shape[0]} frames for {n} samples, not {F}.",
                    f"{NAME} returned the wrong number of frames for {n} samples.") +
                f"\nFor {context} there are {F} = 1 + (n - frame_length) // hop frames: frame k starts "
                f"at k * hop, and the tail that does not fill a whole frame is dropped.")
        if got.shape != want.shape:
            raise FeedbackError(f"{NAME} returned an array of the wrong shape.\nIt is {got.shape} for "
                                f"{context}; expected {want.shape}.")
        if close(got, want, rtol=1e-6, atol=1e-6):
            continue
        with np.errstate(divide="ignore"):
            for options, verdict, advice in _MISTAKES:
                if close(got, expected_spectrogram(x, L, hop, **options), rtol=1e-6, atol=1e-6):
                    raise FeedbackError(f"{NAME}: {verdict}\n{advice} (That was for {context}.)")
        raise FeedbackError(f"{NAME} returned the right shape but wrong values.\nFor {context}: frame with "
                            f"x[k*hop : k*hop + frame_length], multiply by np.hanning, then "
                            f"np.log(np.abs(np.fft.rfft(frames))**2 + 1e-10).")
    silent = call_learner(fn, NAME, {"x": np.zeros(32), "frame_length": 8, "hop": 4}, any_package_code=True)
    try:
        finite = np.all(np.isfinite(np.asarray(silent, dtype=float)))
    except (TypeError, ValueError):
        finite = False
    if not finite:
        raise FeedbackError(f"{NAME} returned -inf or NaN for a silent signal.\nFor all zeros the power is 0 "
                            f"and log(0) = -inf: add 1e-10 to the power before the log.")
    passed(f"{NAME} frames the signal and takes the log power spectrum", hidden)
