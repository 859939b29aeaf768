"""Parameter initialisers that return the parameter dicts the layers take."""

from __future__ import annotations

import numpy as np


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _rng(rng) -> np.random.Generator:
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")


def init_rnn_params(input_size, hidden_size, output_size=None, *, rng=None) -> dict[str, np.ndarray]:
    """Parameters of a vanilla RNN, drawn as PyTorch does: ``U(-1/sqrt(H), 1/sqrt(H))``.

    Returns ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,), and with ``output_size`` O also
    ``W_y`` (O, H) and ``b_y`` (O,).
    """
    D = _positive_int("input_size", input_size)
    H = _positive_int("hidden_size", hidden_size)
    gen = _rng(rng)
    k = 1.0 / np.sqrt(H)
    params = {
        "W_x": gen.uniform(-k, k, (H, D)),
        "W_h": gen.uniform(-k, k, (H, H)),
        "b_h": gen.uniform(-k, k, H),
    }
    if output_size is not None:
        O = _positive_int("output_size", output_size)
        params["W_y"] = gen.uniform(-k, k, (O, H))
        params["b_y"] = np.zeros(O)
    return params
