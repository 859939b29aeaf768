"""Checks of ``sample_with_temperature(logits, temperature, rng)`` (exercise ex06-language, Part 1).

The learner's function gets logits (B, V), a positive temperature and a NumPy Generator,
and returns one token id per row, drawn from ``softmax(logits / temperature)``.
"""

from __future__ import annotations

import numpy as np

from ...layers.activations import softmax
from .._core import FeedbackError, call_learner, passed, rng_for

NAME = "sample_with_temperature"


def _draw(fn, logits, temperature, seed):
    """Call the learner's function with a fresh Generator seeded ``seed``; return ids (B,)."""
    __tracebackhide__ = True
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            result = call_learner(fn, NAME, {"logits": logits, "temperature": temperature,
                                             "rng": np.random.default_rng(seed)}, may_modify=("rng",),
                                  any_package_code=True)
        except FeedbackError as err:
            if "NaN" in str(err) or "nan" in str(err) or "overflow" in str(err):
                raise FeedbackError(
                    f"{NAME} failed on logits as large as {np.abs(logits).max():.0f}: {err}\n"
                    f"exp(1000) overflows to inf and inf / inf is NaN. Subtract each row's largest "
                    f"logit before exp (it does not change the softmax).") from None
            raise
    if result is None:
        raise FeedbackError(f"{NAME} returned None: is a `return` missing?")
    ids = np.asarray(result)
    if ids.dtype == object or not (np.issubdtype(ids.dtype, np.integer)
                                   or (np.issubdtype(ids.dtype, np.floating) and np.all(ids == np.round(ids)))):
        raise FeedbackError(f"{NAME} must return integer token ids; it returned values of dtype {ids.dtype}")
    B, V = logits.shape
    if ids.shape != (B,):
        hint = (" It looks like probabilities (one row per example), not drawn ids: draw one "
                "id per row." if ids.shape == (B, V) else "")
        raise FeedbackError(f"{NAME} returned shape {ids.shape} for logits of shape {logits.shape}; "
                            f"expected ({B},), one id per row.{hint}")
    if ids.min() < 0 or ids.max() >= V:
        hint = (" The logits were large (up to {:.0f}): exp overflows to inf and inf / inf is NaN; "
                "subtract each row's largest logit before exp.".format(np.abs(logits).max())
                if np.abs(logits).max() > 500 else "")
        raise FeedbackError(f"{NAME} returned ids outside 0 .. {V - 1} for V = {V} tokens.{hint}")
    return ids.astype(int)


def check_sample_shapes(fn, hidden: bool = False) -> None:
    """One id per row, integers in range, reproducible from ``rng``, and no overflow."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 61)
    B, V = (3, 5) if not hidden else (int(rng.integers(2, 7)), int(rng.integers(3, 9)))
    logits = rng.normal(size=(B, V))
    first = _draw(fn, logits, 1.0, 7)
    if not np.array_equal(first, _draw(fn, logits, 1.0, 7)):
        raise FeedbackError(
            f"{NAME} gave different ids for the same logits and the same seeded rng: draw the random "
            f"numbers from the rng argument (rng.random, rng.choice), not from np.random")
    big = logits * 1000.0
    if not np.array_equal(_draw(fn, big, 1.0, 3), big.argmax(axis=-1)):
        raise FeedbackError(
            f"{NAME} drew unlikely ids for logits as large as {np.abs(big).max():.0f}, where the softmax is "
            f"practically certain: exp overflows to inf and inf / inf is NaN. Subtract each row's "
            f"largest logit before exp (it does not change the softmax).")
    passed(f"{NAME}: one id per row, in range, reproducible from rng, no overflow", hidden)


def _frequencies(fn, logits_row, temperature, n, seed) -> np.ndarray:
    __tracebackhide__ = True
    ids = _draw(fn, np.tile(logits_row, (n, 1)), temperature, seed)
    return np.bincount(ids, minlength=len(logits_row)) / n


def _matches(freq, p, n) -> bool:
    __tracebackhide__ = True
    sigma = np.sqrt(p * (1 - p) / n) + 1e-12
    return bool(np.all(np.abs(freq - p) <= 5 * sigma + 1e-3))


def check_sample_distribution(fn, hidden: bool = False) -> None:
    """Frequencies over many draws match ``softmax(logits / temperature)`` at several temperatures."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 62)
    V = 4 if not hidden else int(rng.integers(3, 7))
    row = rng.normal(0, 1.5, V)
    n = 20000
    for temperature in (1.0, 0.5, 2.0):
        freq = _frequencies(fn, row, temperature, n, 11)
        want = softmax(row / temperature)
        if _matches(freq, want, n):
            continue
        if np.count_nonzero(freq) == 1:
            raise FeedbackError(
                f"{NAME} returned the same id {int(np.argmax(freq))} in all {n} draws at temperature "
                f"{temperature}: that is greedy (argmax) decoding. Draw at random from the probabilities.")
        if _matches(freq, softmax(row * temperature), n):
            raise FeedbackError(
                f"{NAME} at temperature {temperature}: the frequencies match softmax(logits * temperature). "
                f"Divide the logits by the temperature: a high temperature must flatten the distribution.")
        if _matches(freq, softmax(row), n):
            raise FeedbackError(
                f"{NAME} at temperature {temperature}: the frequencies match softmax(logits), as if the "
                f"temperature were 1. Divide the logits by the temperature before the softmax.")
        if _matches(freq, softmax(row / temperature)[::-1], n) or _matches(freq, softmax(-row / temperature), n):
            raise FeedbackError(f"{NAME}: the frequencies are reversed (the least likely token is drawn most): "
                                f"check the sign and the order of the tokens")
        raise FeedbackError(
            f"{NAME} at temperature {temperature}: over {n} draws the frequencies are "
            f"{np.round(freq, 3).tolist()}, expected about {np.round(want, 3).tolist()} "
            f"(softmax(logits / temperature))")
    passed(f"{NAME}: frequencies match softmax(logits / temperature) at temperatures 1, 0.5 and 2", hidden)
