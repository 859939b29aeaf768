"""Parameter initialisers that return the parameter dicts the layers take."""

from __future__ import annotations

import numpy as np

from ._validate import as_rng, positive_int


# Argument helpers live in _validate; the private names stay importable from here.
_positive_int = positive_int
_rng = as_rng


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


def init_lstm_params(input_size, hidden_size, *, rng=None, forget_bias=0.0) -> dict[str, np.ndarray]:
    """Parameters of an LSTM, drawn as PyTorch does: ``U(-1/sqrt(H), 1/sqrt(H))``.

    Returns ``W_f, W_i, W_c, W_o`` (H, H), ``U_f, U_i, U_c, U_o`` (H, D) and
    ``b_f, b_i, b_c, b_o`` (H,).

    ``forget_bias`` is added to the drawn ``b_f``. The default 0.0 keeps PyTorch's
    initialisation; 1.0 (Gers et al. 2000, Jozefowicz et al. 2015) starts the forget gate
    near σ(1) ≈ 0.73, so the cell state, and its gradient, survive many steps early in
    training. The random draws are the same whatever ``forget_bias`` is.
    """
    D = _positive_int("input_size", input_size)
    H = _positive_int("hidden_size", hidden_size)
    is_number = isinstance(forget_bias, (int, float, np.integer, np.floating))
    if isinstance(forget_bias, bool):
        is_number = False
    if not (is_number and np.isfinite(forget_bias)):
        raise ValueError(f"forget_bias must be a finite number, got {forget_bias!r}")
    gen = _rng(rng)
    k = 1.0 / np.sqrt(H)
    params = {}
    for g in ("f", "i", "c", "o"):
        params[f"W_{g}"] = gen.uniform(-k, k, (H, H))
        params[f"U_{g}"] = gen.uniform(-k, k, (H, D))
        params[f"b_{g}"] = gen.uniform(-k, k, H)
    params["b_f"] = params["b_f"] + float(forget_bias)
    return {f"{kind}_{g}": params[f"{kind}_{g}"] for kind in ("W", "U", "b") for g in ("f", "i", "c", "o")}
