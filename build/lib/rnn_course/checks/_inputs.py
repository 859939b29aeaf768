"""The sizes and the random parameters that every check feeds to a learner's functions
(exercises ex01 to ex07)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..layers import gru, lstm, rnn
from ._core import rng_for


def sizes(rng: np.random.Generator, hidden: bool) -> tuple[int, int, int, int]:
    """(T, B, D, H), all four different, so a transposed weight or a swapped axis (time and
    batch included) shows up as a wrong shape rather than silently broadcasting."""
    __tracebackhide__ = True
    if not hidden:
        return 4, 2, 3, 5
    D = int(rng.integers(2, 6))
    H = int(rng.choice([h for h in range(3, 8) if h != D]))
    B = int(rng.choice([b for b in range(2, 7) if b not in (D, H)]))
    T = int(rng.choice([t for t in range(3, 8) if t != B]))
    return T, B, D, H


def random_params(rng: np.random.Generator, shapes: Mapping[str, tuple[int, ...]],
                  scale: float, *, bias_scale: float | None = None) -> dict[str, np.ndarray]:
    """Normal parameters ``N(0, scale²)`` (biases ``N(0, bias_scale²)``), drawn in the
    order of ``shapes`` (a layer's ``param_shapes``), so a seed gives the same inputs."""
    __tracebackhide__ = True
    b_scale = scale if bias_scale is None else bias_scale
    return {k: rng.normal(0, b_scale if k.startswith("b") else scale, shape)
            for k, shape in shapes.items()}


def rnn_params(rng: np.random.Generator, D: int, H: int) -> dict[str, np.ndarray]:
    """``W_x``, ``W_h``, ``b_h`` of a vanilla RNN."""
    __tracebackhide__ = True
    return random_params(rng, rnn.param_shapes(D, H), 0.6, bias_scale=0.5)


def lstm_params(rng: np.random.Generator, D: int, H: int) -> dict[str, np.ndarray]:
    """The twelve LSTM parameters, keyed in the order ``W_*``, ``U_*``, ``b_*``."""
    __tracebackhide__ = True
    p = random_params(rng, lstm.param_shapes(D, H), 0.5)
    return {k: p[k] for k in lstm.PARAM_NAMES}


def gru_params(rng: np.random.Generator, D: int, H: int) -> dict[str, np.ndarray]:
    """The nine parameters of the sources' GRU."""
    __tracebackhide__ = True
    return random_params(rng, gru.param_shapes(D, H), 0.6)


def case(hidden: bool, seed: int, make_params) -> tuple:
    """``rng, (T, B, D, H), params``: what a check starts from.

    Visible checks (``hidden=False``) get fixed sizes and the values of ``seed``; hidden
    ones fresh random sizes and values, so a hard-coded answer fails. ``make_params`` is
    one of :func:`rnn_params`, :func:`lstm_params`, :func:`gru_params`.
    """
    __tracebackhide__ = True
    rng = rng_for(hidden, seed)
    T, B, D, H = sizes(rng, hidden)
    return rng, (T, B, D, H), make_params(rng, D, H)
