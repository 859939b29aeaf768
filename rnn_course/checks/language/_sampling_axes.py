"""Axis mistakes of ``sample_with_temperature`` (exercise ex06-language, Part 1): the max,
the normalising sum or the cumulative sum taken over the batch (axis 0) instead of each row
(axis -1), and the hints for a row's max or sum that lost its axis.

Identical rows hide an axis mistake (the max down a column of equal rows is each entry
itself, so every row turns uniform), so the diagnosis draws from two different rows,
alternating, and compares the frequencies of each with those of the same computation
done over the other axis.
"""

from __future__ import annotations

import numpy as np

from .._hints import mismatch_sizes

NAME = "sample_with_temperature"


def wrong_axis_sampler(logits, temperature, rng, *, max_axis=-1, sum_axis=-1, cumsum_axis=-1):
    """The reference sampler with one of its reductions over another axis (the mistakes)."""
    __tracebackhide__ = True
    z = logits / temperature
    z = z - z.max(axis=max_axis, keepdims=True)
    p = np.exp(z)
    p = p / p.sum(axis=sum_axis, keepdims=True)
    u = rng.random(p.shape[0])[:, None]
    ids = (np.cumsum(p, axis=cumsum_axis) < u).sum(axis=-1)
    return np.minimum(ids, p.shape[-1] - 1)


AXIS_MISTAKES = (
    ({"max_axis": 0}, "takes the max over the wrong axis.",
     "a softmax of z - z.max(axis=0), the max down the batch (axis 0), which changes each row's "
     "distribution. Subtract each row's own max: z.max(axis=-1, keepdims=True)."),
    ({"sum_axis": 0}, "normalises over the wrong axis.",
     "probabilities divided by their sum down the batch (axis 0), so that a row does not sum to 1. "
     "Divide by each row's sum: p / p.sum(axis=-1, keepdims=True)."),
    ({"cumsum_axis": 0}, "sums cumulatively over the wrong axis.",
     "a cumulative sum down the batch (axis 0), across different rows. Add up each row's own "
     "probabilities: np.cumsum(p, axis=-1)."),
)


def _two_rows(row: np.ndarray, n: int) -> np.ndarray:
    """``n`` rows alternating between ``row`` and ``row`` rolled by one: their largest logits
    are in different columns, so the max of a column is not every row's own."""
    __tracebackhide__ = True
    other = np.roll(row, 1)
    return np.where((np.arange(n) % 2 == 0)[:, None], row, other)


def _frequencies(ids: np.ndarray, V: int) -> np.ndarray:
    """(2, V): how often each id was drawn from the even rows and from the odd rows."""
    __tracebackhide__ = True
    return np.stack([np.bincount(ids[k::2], minlength=V)[:V] / len(ids[k::2]) for k in (0, 1)])


def _alike(a: np.ndarray, b: np.ndarray, draws: int) -> bool:
    """Two sets of frequencies, each from ``draws`` draws, that agree within their noise."""
    __tracebackhide__ = True
    p = (a + b) / 2
    sigma = np.sqrt(2 * p * (1 - p) / draws) + 1e-12
    return bool(np.all(np.abs(a - b) <= 5 * sigma + 1e-3))


def name_axis_mistake(draw, row: np.ndarray, temperature: float, n: int) -> tuple[str, str] | None:
    """(verdict, explanation) if the learner's sampler (``draw(logits)`` returns its ids)
    behaves like one with a reduction over the wrong axis, else None."""
    __tracebackhide__ = True
    logits = _two_rows(row, n)
    V = len(row)
    got = _frequencies(np.asarray(draw(logits)), V)
    for options, verdict, explanation in AXIS_MISTAKES:
        ids = wrong_axis_sampler(logits, temperature, np.random.default_rng(2024), **options)
        if _alike(got, _frequencies(ids, V), n // 2):
            return verdict, (f"On {n} rows of two kinds of logits, alternating, at temperature "
                             f"{temperature}, its frequencies match {explanation}")
    return None


def not_an_overflow(draw, big: np.ndarray) -> tuple[str, str] | None:
    """Why a sampler drew unlikely ids from ``big``, logits where one id per row is practically
    certain and exp overflows, when the overflow is not the reason: (verdict, explanation),
    or None if it is (it draws right once each row's largest logit is subtracted).
    ``draw(logits)`` returns the learner's ids at temperature 1."""
    __tracebackhide__ = True
    V = big.shape[1]
    axis = name_axis_mistake(draw, np.linspace(1.5, -1.5, V), 1.0, 20000)
    if axis is not None:
        return axis
    shifted = big - big.max(axis=-1, keepdims=True)  # the same softmax, and nothing overflows
    if np.array_equal(draw(shifted), big.argmax(axis=-1)):
        return None
    return ("draws unlikely ids where one is practically certain.",
            "In logits where each row's largest is at least 1000 above the others (so its softmax is "
            "practically 1), it drew other ids, even with each row's largest logit subtracted first. "
            "Check that each row's probabilities come from that row alone and sum to 1.")


def unnormalised_rows(err: Exception) -> str | None:
    """The message for ``rng.choice`` refusing a row of probabilities (``err`` is the
    learner's exception), or None for any other error."""
    __tracebackhide__ = True
    if not (isinstance(err, ValueError) and "do not sum to 1" in str(err).lower()):
        return None
    return (f"{NAME}: a row's probabilities do not sum to 1.\nrng.choice said: {err} Divide each row "
            f"by its own sum, p / p.sum(axis=-1, keepdims=True) (not by the sum down the batch, axis 0).")


def axis_hint(exc: Exception, B: int, V: int) -> str:
    """A hint for an error that a reduction over the wrong axis, or without keepdims, causes."""
    __tracebackhide__ = True
    if B != V and mismatch_sizes(exc) == frozenset((B, V)):
        return (f"Hint: a row's max or sum, z.max(axis=-1), has shape ({B},): keep the axis, "
                f"z.max(axis=-1, keepdims=True), shape ({B}, 1), so that it lines up with the rows.")
    return ""
