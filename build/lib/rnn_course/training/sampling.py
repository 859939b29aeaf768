"""Choosing the next token from a model's scores: sampling with a temperature, or greedily.

A language model gives logits ``z`` over the V tokens of its vocabulary. Dividing them by a
**temperature** ``τ > 0`` before the softmax reshapes the distribution it samples from:

    p_i = exp(z_i / τ) / sum_j exp(z_j / τ)

``τ = 1`` samples from the model as trained; ``τ < 1`` sharpens it towards the most likely
token (as ``τ → 0`` sampling becomes the argmax, **greedy** decoding); ``τ > 1`` flattens it
towards uniform. Greedy decoding picks ``argmax_i z_i`` every time: deterministic, the
usual choice when there is one right answer (translation of a date), and repetitive when
there is not (text generation).

Shapes: logits ``(..., V)``; one token id per leading position, ``(...)``.

Book: chapter 6, the character-level language model (temperature) and machine
translation (greedy decoding); exercise ex06-language.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_rng, real
from ..layers.activations import softmax


def temperature_probs(logits, temperature=1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` over the last axis, computed without overflow."""
    logits = as_float_array("logits", logits)
    temperature = real("temperature", temperature, low=0.0, low_open=True)
    return softmax(logits / temperature)


def sample_with_temperature(logits, temperature=1.0, *, rng=None) -> np.ndarray:
    """Draw one token id per leading position from ``softmax(logits / temperature)``.

    Parameters
    ----------
    logits : (..., V) unnormalised scores.
    temperature : positive number.
    rng : None, an int seed or a ``numpy.random.Generator``.

    Returns
    -------
    ids : (...) integers in ``0 .. V-1``.
    """
    p = temperature_probs(logits, temperature)
    gen = as_rng(rng)
    flat = p.reshape(-1, p.shape[-1])
    # inverse-CDF sampling, one uniform number per row (vectorised gen.choice)
    u = gen.random(flat.shape[0])[:, None]
    ids = (np.cumsum(flat, axis=-1) < u).sum(axis=-1)
    return np.minimum(ids, p.shape[-1] - 1).reshape(p.shape[:-1])


def greedy(logits) -> np.ndarray:
    """The most likely token at every leading position, ``argmax`` over the last axis."""
    logits = as_float_array("logits", logits)
    return logits.argmax(axis=-1)
