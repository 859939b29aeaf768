"""ex06's sampler must draw from the generator it is given, and draw at random at all.

A sampler that makes its own generator (with a fixed seed, so it is reproducible) or one
that spreads the ids by rule without drawing anything would pass a check that only looks at
reproducibility and frequencies. The checks see through both: the ids must be the ones the
numbers of the ``rng`` given make, with ``rng`` moved on by one number per row, and over
many draws the counts must show sampling noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnn_course.checks import FeedbackError, check_sample_distribution, check_sample_shapes


def _probs(logits, temperature):
    z = logits / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True)


def _inverse_cdf(p, u):
    return np.minimum((np.cumsum(p, axis=-1) < u[:, None]).sum(axis=-1), p.shape[-1] - 1)


def one_number_per_row(logits, temperature, rng):
    p = _probs(logits, temperature)
    return _inverse_cdf(p, rng.random(p.shape[0]))


def choice_row_by_row(logits, temperature, rng):
    p = _probs(logits, temperature)
    return np.array([rng.choice(p.shape[1], p=row) for row in p])


def uniform(logits, temperature, rng):
    p = _probs(logits, temperature)
    return _inverse_cdf(p, rng.uniform(size=p.shape[0]))


def own_generator(logits, temperature, rng):
    """Ignores rng: draws from a generator of its own (reproducible, since its seed is fixed)."""
    return one_number_per_row(logits, temperature, np.random.default_rng(1234))


def by_rule(logits, temperature, rng):
    """Draws nothing: spreads the ids over the rows in proportion to p (stratified)."""
    p = _probs(logits, temperature)
    u = (np.arange(p.shape[0]) + 0.5) / p.shape[0]
    return _inverse_cdf(p, u)


def two_numbers_per_row(logits, temperature, rng):
    p = _probs(logits, temperature)
    return _inverse_cdf(p, rng.random(2 * p.shape[0])[1::2])


def numbers_reversed(logits, temperature, rng):
    p = _probs(logits, temperature)
    return _inverse_cdf(p, rng.random(p.shape[0])[::-1])


@pytest.mark.parametrize("fn", [one_number_per_row, choice_row_by_row, uniform])
@pytest.mark.parametrize("hidden", [False, True])
def test_samplers_that_draw_from_rng_pass(fn, hidden, capsys):
    check_sample_shapes(fn, hidden=hidden)
    check_sample_distribution(fn, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


RNG_MISTAKES = {
    "does not draw from the rng it is given": own_generator,
    "other random numbers than one per row": two_numbers_per_row,
    "the ids do not follow the numbers drawn": numbers_reversed,
}
RANDOMNESS_MISTAKES = {"does not draw at random": by_rule}


@pytest.mark.parametrize("message", RNG_MISTAKES)
def test_a_sampler_that_does_not_draw_from_rng_loses_the_point(message):
    with pytest.raises(FeedbackError, match=message):
        check_sample_shapes(RNG_MISTAKES[message])


def test_fair_scores_of_the_two_samplers_that_ignore_rng(capsys):
    """Own generator: right frequencies, so only the point for drawing from rng is lost.
    No draws at all: both parts are lost."""
    check_sample_distribution(own_generator)
    with pytest.raises(FeedbackError, match="does not draw from the rng"):
        check_sample_shapes(own_generator)
    with pytest.raises(FeedbackError, match="does not draw at random"):
        check_sample_distribution(by_rule)
    with pytest.raises(FeedbackError, match="does not draw from the rng"):
        check_sample_shapes(by_rule)


MISTAKE_TABLES = [
    (RNG_MISTAKES, lambda m, fn, hidden: check_sample_shapes(fn, hidden=hidden)),
    (RANDOMNESS_MISTAKES, lambda m, fn, hidden: check_sample_distribution(fn, hidden=hidden)),
]
