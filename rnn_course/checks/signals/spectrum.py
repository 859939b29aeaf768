"""Feedback check for framing a signal and taking the log power spectrum of each frame
(exercise ex07-signals, Part 3):

    frame k = x[k*hop : k*hop + frame_length],  F = max(0, 1 + (n - frame_length) // hop)
    S[k] = log(abs(rfft(frame k * hann))**2 + 1e-10)    (F, frame_length // 2 + 1)

A signal shorter than one frame has no frames: (0, frame_length // 2 + 1). When the values
are wrong, the check finds where each returned frame starts in the signal, so that it can
say "the frames do not overlap" or "frame k starts at k".
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, call_learner, close, fit, passed, rng_for

NAME = "log_spectrogram"
EPS = 1e-10


def _frames(x, L, hop):
    __tracebackhide__ = True
    count = max(0, 1 + (len(x) - L) // hop)
    return x[np.arange(count)[:, None] * hop + np.arange(L)]


def _framing_mistake(got, x, L, hop) -> tuple[str, str] | None:
    """(verdict, advice) when every returned row is the log spectrum of a piece of ``x``
    (zero-padded at the end), but not of the right piece."""
    __tracebackhide__ = True
    candidates = expected_spectrogram(np.concatenate([x, np.zeros(len(got) * L + L)]), L, 1)  # row s: start s
    k = np.arange(len(got))

    def starting_at(starts) -> bool:
        return bool(np.allclose(got, candidates[starts], rtol=1e-6, atol=1e-6))

    right = (f"Frame k starts at k * hop ({', '.join(map(str, k[:4] * hop))}, ...): "
             f"x[k*hop : k*hop + frame_length]")
    if L != hop and starting_at(k * L):
        return ("the frames do not overlap.",
                f"Yours start at k * frame_length ({', '.join(map(str, k[:4] * L))}, ...), one after the "
                f"other. {right}; with hop = {hop} and frame_length = {L}, consecutive frames share "
                f"{L - hop} samples.")
    if hop != 1 and starting_at(k):
        return ("frame k starts at k, not at k * hop.",
                f"Yours start at {', '.join(map(str, k[:4]))}, ..., one sample apart. {right}.")
    found = [np.flatnonzero(np.all(np.isclose(candidates, row, rtol=1e-6, atol=1e-6), axis=1)) for row in got]
    if not found or any(len(f) == 0 for f in found):
        return None
    return ("the frames start at the wrong places.",
            f"Yours start at {', '.join(str(f[0]) for f in found[:4])}, ... {right}.")


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
        # hop < frame_length: frames overlap, so frames that ignore the overlap are always wrong
        cases = [(int(rng.integers(40, 120)), L, int(rng.integers(2, L)))
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
        framing = _framing_mistake(got, x, L, hop)
        if framing is not None:
            raise FeedbackError(f"{NAME}: {framing[0]}\n{framing[1]} (That was for {context}.)")
        raise FeedbackError(f"{NAME} returned the right shape but wrong values.\nFor {context}: frame with "
                            f"x[k*hop : k*hop + frame_length], multiply by np.hanning, then "
                            f"np.log(np.abs(np.fft.rfft(frames))**2 + 1e-10).")
    _check_too_short(fn, rng, hidden)
    silent = call_learner(fn, NAME, {"x": np.zeros(32), "frame_length": 8, "hop": 4}, any_package_code=True)
    try:
        finite = np.all(np.isfinite(np.asarray(silent, dtype=float)))
    except (TypeError, ValueError):
        finite = False
    if not finite:
        raise FeedbackError(f"{NAME} returned -inf or NaN for a silent signal.\nFor all zeros the power is 0 "
                            f"and log(0) = -inf: add 1e-10 to the power before the log.")
    passed(f"{NAME} frames the signal and takes the log power spectrum", hidden)


def _check_too_short(fn, rng, hidden: bool) -> None:
    """A signal shorter than one frame has no frames: an array (0, frame_length // 2 + 1)."""
    __tracebackhide__ = True
    L = 8 if not hidden else int(rng.choice([8, 10, 12, 16, 20]))
    n, hop = (6, 4) if not hidden else (int(rng.integers(1, L)), int(rng.integers(2, L)))
    K, count = L // 2 + 1, 1 + (n - L) // hop
    verdict = f"{NAME} must return no frames for a too short signal."
    why = (f"For {n} samples, frame_length = {L} and hop = {hop}, no frame fits: return an array of "
           f"shape (0, {K}). Here 1 + (n - frame_length) // hop is {count}: there are max(0, {count}) = 0 "
           f"frames.")
    try:
        got = call_learner(fn, NAME, {"x": rng.normal(size=n), "frame_length": L, "hop": hop},
                           any_package_code=True)
    except FeedbackError as err:
        if isinstance(err.__cause__, ValueError) and "at least one array" in str(err.__cause__):
            raise FeedbackError(f"{verdict}\nnp.stack of an empty list of frames raised "
                                f"\"{err.__cause__}\". {why} Pick the frames by index instead: "
                                f"x[starts[:, None] + np.arange(frame_length)].") from err.__cause__
        raise
    got = as_result_array(got, NAME, "the log power spectrum")
    if got.shape != (0, K):
        raise FeedbackError(f"{verdict}\nIt returned an array of shape {got.shape}. {why}")

