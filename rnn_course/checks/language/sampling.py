"""Checks of ``sample_with_temperature(logits, temperature, rng)`` (exercise ex06-language, Part 1).

The learner's function gets logits (B, V), a positive temperature and a NumPy Generator,
and returns one token id per row, drawn from ``softmax(logits / temperature)``.

The inputs are diagnostic in every draw: the reproducibility test draws from many rows of
equal logits (two different streams of random numbers cannot give the same ids by
chance), every row of the large logits overflows ``exp`` at id 0 and has its largest
logit elsewhere (so a row turned into NaN lands away from it), and the logits of the frequency
test are spread out, so that the softmax at each temperature is far from the others.
"""

from __future__ import annotations

import copy

import numpy as np

from ...layers.activations import softmax
from .._core import FeedbackError, call_learner, fit, passed, rng_for
from ._sampling_axes import axis_hint, name_axis_mistake, not_an_overflow, unnormalised_rows

NAME = "sample_with_temperature"
#: Logits beyond this overflow exp (exp(710) is inf in float64).
OVERFLOW = 710.0
OVERFLOW_HINT = ("exp(1000) overflows to inf and inf / inf is NaN. Subtract each row's largest logit "
                 "before exp (it does not change the softmax).")


def _draw(fn, logits, temperature, seed, rng=None):
    """Call the learner's function with ``rng`` (default: a fresh Generator seeded ``seed``);
    return ids (B,)."""
    __tracebackhide__ = True
    large = np.abs(logits).max() > OVERFLOW
    rng = np.random.default_rng(seed) if rng is None else rng
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            result = call_learner(fn, NAME, {"logits": logits, "temperature": temperature, "rng": rng},
                                  may_modify=("rng",), any_package_code=True,
                                  hint=lambda exc: axis_hint(exc, *logits.shape))
        except FeedbackError as err:
            if message := unnormalised_rows(err.__cause__):
                raise FeedbackError(message) from err.__cause__
            text = str(err)
            if large and ("NaN" in text or "nan" in text or "overflow" in text):
                raise FeedbackError(
                    f"{NAME} fails on large logits: exp overflows.\n"
                    f"With logits as large as {np.abs(logits).max():.0f}, it stopped: {err.headline}\n"
                    f"{OVERFLOW_HINT}"
                ) from err.__cause__
            raise
    if result is None:
        raise FeedbackError(f"{NAME} returned None.\nIs a `return` missing?")
    ids = np.asarray(result)
    if ids.dtype == object or not (np.issubdtype(ids.dtype, np.integer)
                                   or (np.issubdtype(ids.dtype, np.floating) and np.all(ids == np.round(ids)))):
        raise FeedbackError(f"{NAME} must return integer token ids.\nIt returned values of dtype {ids.dtype}.")
    B, V = logits.shape
    if ids.shape != (B,):
        hint = (" It looks like probabilities (one row per example), not drawn ids: draw one "
                "id per row." if ids.shape == (B, V) else "")
        raise FeedbackError(f"{NAME} returned ids of the wrong shape.\nIt is {ids.shape} for logits of "
                            f"shape {logits.shape}; expected ({B},), one id per row.{hint}")
    if ids.min() < 0 or ids.max() >= V:
        hint = (f" The logits were as large as {np.abs(logits).max():.0f}: {OVERFLOW_HINT}" if large else
                " Is u above every entry of a row's cumulative sum? Each row's probabilities must sum to 1 "
                "(divide by p.sum(axis=-1, keepdims=True)).")
        raise FeedbackError(f"{NAME} returned ids outside 0 .. {V - 1}.\nThere are V = {V} tokens, so an "
                            f"id is one of 0 .. {V - 1}.{hint}")
    return ids.astype(int)


def _huge_logits(rng, B: int, V: int) -> np.ndarray:
    """Logits (B, V) where, in every row, id 0 overflows exp (it is above 710) and the largest
    logit, elsewhere, is at least 1000 above every other one: the softmax is practically
    certain, and an unstable softmax turns the row into NaN from id 0 on, whatever the
    sampler does next (a cumulative sum, an argmax, rng.choice)."""
    __tracebackhide__ = True
    logits = rng.normal(0.0, 200.0, (B, V))
    logits[:, 0] = rng.uniform(750.0, 1000.0, B)
    top = rng.integers(1, V, B)
    logits[np.arange(B), top] = logits.max(axis=1) + rng.uniform(1000.0, 1500.0, B)
    return logits


def check_sample_shapes(fn, hidden: bool = False) -> None:
    """One id per row, integers in range, reproducible from ``rng``, and no overflow."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 61)
    B, V = (3, 5) if not hidden else (int(rng.integers(2, 7)), int(rng.integers(3, 9)))
    _draw(fn, rng.normal(size=(B, V)), 1.0, 7)
    flat = np.zeros((64, V))  # every id equally likely: two streams agree on all 64 rows with chance V**-64
    if not np.array_equal(_draw(fn, flat, 1.0, 7), _draw(fn, flat, 1.0, 7)):
        raise FeedbackError(
            f"{NAME} is not reproducible from its rng.\nIt gave different ids for the same logits and the "
            f"same seeded rng: draw the random numbers from the rng argument (rng.random, rng.choice), "
            f"not from np.random."
        )
    _require_draws_from_rng(fn, 64, V, int(rng.integers(2**31)) if hidden else 5)
    big = _huge_logits(rng, B, V)
    if not np.array_equal(_draw(fn, big, 1.0, 3), big.argmax(axis=-1)):
        other = not_an_overflow(lambda logits: _draw(fn, logits, 1.0, 3), big)
        if other is not None:
            raise FeedbackError(f"{NAME} {other[0]}\n{other[1]}")
        raise FeedbackError(
            f"{NAME} fails on large logits: exp overflows.\nFor logits as large as {np.abs(big).max():.0f}, "
            f"where the softmax is practically certain, it drew unlikely ids. {OVERFLOW_HINT}"
        )
    passed(f"{NAME}: one id per row, in range, drawn from rng, no overflow", hidden)


def _require_draws_from_rng(fn, B: int, V: int, seed: int) -> None:
    """The ids are the ones the numbers of the ``rng`` given make: one uniform number per row,
    ``u = rng.random(B)`` (or ``rng.choice(V, p=p[b])`` row by row, which draws the same),
    row ``b`` taking the id where ``cumsum(p[b])`` passes ``u[b]``; and ``rng`` has moved on by
    exactly those ``B`` numbers. Equal logits make ``p`` uniform, whatever the temperature."""
    __tracebackhide__ = True
    rng, twin = np.random.default_rng(seed), np.random.default_rng(seed)
    start = copy.deepcopy(twin.bit_generator.state)
    ids = _draw(fn, np.zeros((B, V)), 1.0, None, rng=rng)
    u = twin.random(B)
    want = np.minimum((np.cumsum(np.full(V, 1.0 / V)) < u[:, None]).sum(axis=1), V - 1)
    how = ("Draw one number per row from the rng you are given, u = rng.random(B), and take the id where "
           "cumsum(p[b]) passes u[b] (rng.choice(V, p=p[b]) row by row draws the same).")
    if rng.bit_generator.state == start:
        raise FeedbackError(f"{NAME} does not draw from the rng it is given.\nThe generator passed as rng "
                            f"did not move on: no random number came from it. {how}")
    if rng.bit_generator.state != twin.bit_generator.state:
        raise FeedbackError(fit(f"{NAME} draws other random numbers than one per row.",
                                f"{NAME} draws too many or too few numbers.") +
                            f"\nFor {B} rows it did not draw exactly {B} numbers of rng.random. {how}")
    if not np.array_equal(ids, want):
        axis = name_axis_mistake(lambda logits: _draw(fn, logits, 1.0, seed), np.linspace(1.5, -1.5, V), 1.0,
                                 20000)  # a reduction over the batch makes other ids of the same numbers
        if axis is not None:
            raise FeedbackError(f"{NAME} {axis[0]}\n{axis[1]}")
        raise FeedbackError(fit(f"{NAME}: the ids do not follow the numbers drawn.",
                                f"{NAME}: the ids do not follow rng.") +
                            f"\nFor {B} rows of equal logits (p = 1/V each), row b should get the number of "
                            f"entries of cumsum(p) below u[b], with u = rng.random(B). {how}")


def _frequencies(fn, logits_row, temperature, n, seed) -> np.ndarray:
    __tracebackhide__ = True
    ids = _draw(fn, np.tile(logits_row, (n, 1)), temperature, seed)
    return np.bincount(ids, minlength=len(logits_row)) / n


def _matches(freq, p, n) -> bool:
    __tracebackhide__ = True
    sigma = np.sqrt(p * (1 - p) / n) + 1e-12
    return bool(np.all(np.abs(freq - p) <= 5 * sigma + 1e-3))


def _logits_row(rng, hidden: bool) -> np.ndarray:
    """V logits spread evenly over a range of 3 to 4, shuffled: softmax(z), softmax(z / 2)
    and softmax(2 z) differ by far more than the sampling noise of 20,000 draws."""
    __tracebackhide__ = True
    if not hidden:
        return rng.normal(0, 1.5, 4)
    V = int(rng.integers(3, 7))
    spread = rng.uniform(3.0, 4.0)
    return rng.permutation(np.linspace(-spread / 2, spread / 2, V)) + rng.uniform(-0.5, 0.5)


def check_sample_distribution(fn, hidden: bool = False) -> None:
    """Frequencies over many draws match ``softmax(logits / temperature)`` at several temperatures."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 62)
    row = _logits_row(rng, hidden)
    n = 20000
    regular = True
    for temperature in (1.0, 0.5, 2.0):
        freq = _frequencies(fn, row, temperature, n, 11)
        want = softmax(row / temperature)
        regular = regular and bool(np.all(np.abs(freq - want) * n <= 1.5))
        if _matches(freq, want, n):
            continue
        context = f"At temperature {temperature}, over {n} draws"
        axis = name_axis_mistake(lambda logits: _draw(fn, logits, temperature, 11), row, temperature, n)
        if axis is not None:
            raise FeedbackError(f"{NAME} {axis[0]}\n{axis[1]}")
        if np.count_nonzero(freq) == 1:
            raise FeedbackError(
                f"{NAME} is greedy: it always draws the likeliest id.\n{context} it returned id "
                f"{int(np.argmax(freq))} every time: that is argmax decoding. Draw at random from the "
                f"probabilities.")
        if _matches(freq, softmax(row * temperature), n):
            raise FeedbackError(
                f"{NAME} multiplies the logits by the temperature.\n{context} the frequencies match "
                f"softmax(logits * temperature). Divide the logits by the temperature: a high temperature "
                f"must flatten the distribution.")
        if _matches(freq, softmax(row), n):
            raise FeedbackError(
                f"{NAME} ignores the temperature.\n{context} the frequencies match softmax(logits), as if "
                f"the temperature were 1. Divide the logits by the temperature before the softmax.")
        if _matches(freq, softmax(row / temperature)[::-1], n) or _matches(freq, softmax(-row / temperature), n):
            raise FeedbackError(
                fit(f"{NAME} draws the least likely tokens most often.", f"{NAME}: the frequencies are reversed.")
                + "\nThe frequencies are reversed: check the sign of the logits and the order of the tokens.")
        raise FeedbackError(
            f"{NAME} draws with the wrong frequencies.\n{context} the frequencies are "
            f"{np.round(freq, 3).tolist()}, expected about {np.round(want, 3).tolist()} "
            f"(softmax(logits / temperature)).")
    if regular:  # random draws miss n p by more than 1.5 at some id and temperature, but for odds below 1e-10
        raise FeedbackError(
            f"{NAME} does not draw at random.\nOver {n} draws of the same row, every id came up exactly as "
            f"often as its probability says, at every temperature: the ids are spread out by rule, not drawn. "
            f"Draw them from the rng you are given (rng.random or rng.choice).")
    passed(f"{NAME}: frequencies match softmax(logits / temperature) at temperatures 1, 0.5 and 2", hidden)
