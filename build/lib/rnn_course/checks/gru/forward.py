"""Feedback checks for the GRU cell and sequence forward passes (exercise ex05-gru, Parts 1 and 2).

The checks force the gates with saturating biases (``b_z = ±30`` with ``W_z = U_z = 0``
makes ``z_t`` 1 or 0 to machine precision) so that each part of the cell can be tested
on its own, then compare a wrong answer with the typical mistakes
(``FORWARD_MISTAKES``). Those run with ``D == H`` so that a swapped ``W``/``U``
gives numbers instead of a shape error.
"""

from __future__ import annotations

import numpy as np

from ..._arrays import flat as _flat
from ...layers.activations import sigmoid
from ...layers.gru import gru_cell_forward
from ...layers.unroll import unroll
from .._caches import require_cell_cache, require_sequence_cache
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, rng_for, unpack_pair
from .._hints import product_hint
from .._inputs import case, gru_params, sizes
from .._sequence import diagnose_states, require_states_shape
from .._watch import uses

CELL, SEQ = "gru_cell_forward", "gru_forward"
SAT = 30.0  # σ(±30) is 1 or 0 to 1e-13
def _force(p, gate: str, bias) -> dict[str, np.ndarray]:
    """Parameters with the gate ``z`` or ``r`` fixed to ``σ(bias)`` whatever the input."""
    __tracebackhide__ = True
    H = p["b_z"].shape[0]
    return {**p, f"W_{gate}": np.zeros_like(p[f"W_{gate}"]),
            f"U_{gate}": np.zeros_like(p[f"U_{gate}"]),
            f"b_{gate}": np.broadcast_to(np.asarray(bias, float), (H,)).copy()}


# ----------------------------------------------------------------- cell forward

#: Typical mistakes in the cell forward: (headline, detail) of the message each one gets.
FORWARD_MISTAKES = {
    "flip_z": ("the update gate is applied the wrong way round",
               "z_t = 1 must take the candidate: h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t, "
               "not z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t."),
    "reset_x": ("the reset gate is applied to U_h x_t",
                "It multiplies the previous state before W_h: W_h (r_t ⊙ h_{t-1})."),
    "reset_after": ("the reset gate is applied after W_h",
                    "PyTorch computes r_t ⊙ (W_h h_{t-1}); this course uses W_h (r_t ⊙ h_{t-1})."),
    "reset_none": ("the reset gate is not used",
                   "The candidate is tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)."),
    "reset_flip": ("the candidate uses (1 − r_t) ⊙ h_{t-1}", "It is r_t ⊙ h_{t-1}."),
    "cand_sigmoid": ("the candidate h̃_t uses the sigmoid, not tanh",
                     "h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)."),
    "gate_tanh": ("the gates use tanh, not the sigmoid", "z_t and r_t use the sigmoid σ."),
    "swap_zr": ("the update and reset gates are swapped",
                "z_t uses W_z, U_z, b_z and mixes the states; r_t uses W_r, U_r, b_r inside the candidate."),
    "swap_h": ("W_h and U_h are swapped in the candidate", "W_h multiplies r_t ⊙ h_{t-1}, U_h multiplies x_t."),
    "swap_z": ("W_z and U_z are swapped in the update gate", "W_z multiplies h_{t-1}, U_z multiplies x_t."),
    "swap_r": ("W_r and U_r are swapped in the reset gate", "W_r multiplies h_{t-1}, U_r multiplies x_t."),
    **{f"transpose_{w}": (f"{w} is applied transposed",
                          f"{w} multiplies {v} from the right as {v} @ {w}.T, not {v} @ {w}.")
       for w, v in (("W_z", "h_prev"), ("W_r", "h_prev"), ("W_h", "(r_t * h_prev)"),
                    ("U_z", "x_t"), ("U_r", "x_t"), ("U_h", "x_t"))},
    "transpose": ("the W matrices are applied transposed", "W h_{t-1} is h_prev @ W.T."),
    "no_b_z": ("the bias b_z of the update gate is missing", "z_t = σ(W_z h_{t-1} + U_z x_t + b_z)."),
    "no_b_r": ("the bias b_r of the reset gate is missing", "r_t = σ(W_r h_{t-1} + U_r x_t + b_r)."),
    "no_b_h": ("the bias b_h of the candidate is missing", "h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)."),
}


def _gru_hint(params: dict, batch_of):
    """The hint for a product that did not fit in a function computing GRU steps."""
    __tracebackhide__ = True
    products = {f"W_{g}": ("r_t ⊙ h_prev" if g == "h" else "h_prev", np.shape(params[f"W_{g}"])) for g in "zrh"}
    products.update({f"U_{g}": ("x_t", np.shape(params[f"U_{g}"])) for g in "zrh"})
    shape = np.shape(batch_of)
    batch = shape[-2] if len(shape) >= 2 else None
    return lambda exc: product_hint(exc, products, batch)


def _variant(x, h, p, m: str = ""):
    """The GRU cell with the mistake ``m`` (a key of FORWARD_MISTAKES), or right."""
    __tracebackhide__ = True
    square = x.shape[-1] == h.shape[-1]
    if not square and (m.startswith("swap_") and m != "swap_zr" or m.startswith("transpose")):
        return None

    def weights(g):
        W, U = p[f"W_{g}"], p[f"U_{g}"]
        if m == f"swap_{g}":
            W, U = U, W
        if m in ("transpose", f"transpose_W_{g}"):
            W = W.T
        if m == f"transpose_U_{g}":
            U = U.T
        return W, U, (0.0 if m == f"no_b_{g}" else p[f"b_{g}"])

    act = np.tanh if m == "gate_tanh" else sigmoid
    gate = {}
    for g in "zr":
        W, U, b = weights(g)
        gate[g] = act(h @ W.T + x @ U.T + b)
    z, r = (gate["r"], gate["z"]) if m == "swap_zr" else (gate["z"], gate["r"])
    W, U, b = weights("h")
    xu = x @ U.T
    rec = {"reset_x": h @ W.T, "reset_after": r * (h @ W.T),
           "reset_none": h @ W.T, "reset_flip": ((1 - r) * h) @ W.T}
    a = rec.get(m, (r * h) @ W.T) + (r * xu if m == "reset_x" else xu) + b
    cand = sigmoid(a) if m == "cand_sigmoid" else np.tanh(a)
    if m == "flip_z":
        return z * h + (1 - z) * cand
    return (1 - z) * h + z * cand


def _cell(fn, x, h, p, context):
    __tracebackhide__ = True
    result = call_learner(fn, CELL, {"x_t": x, "h_prev": h, "params": p}, hint=_gru_hint(p, x))
    h_t, cache = unpack_pair(result, CELL, "h_t")
    h_t = as_result_array(h_t, CELL, "h_t")
    want, want_cache = gru_cell_forward(x, h, p)
    require_result_shape(h_t, want.shape, CELL, "h_t", context)
    return (h_t, cache), (want, want_cache)


def _diagnose_forward(got, want, x, h, p, context: str, expected: str):
    __tracebackhide__ = True
    if close(got, want):
        return
    for m, (head, detail) in FORWARD_MISTAKES.items():
        alt = _variant(x, h, p, m)
        if alt is not None and close(got, alt):
            raise FeedbackError(f"{CELL}: {head}.\n{detail} (Found with {context}.)")
    raise FeedbackError(
        f"{CELL}: h_t is wrong.\nWith {context}, it should be {expected}; yours differs by "
        f"up to {max_diff(got, want):.3g}."
    )


def check_gru_cell_forward_shapes(fn, *, hidden: bool = False) -> None:
    """h_t is (H,) for a single example (D,) and (B, H) for a batch (B, D)."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 51, gru_params)
    for lead, context in (((), f"a single example x_t ({D},), h_prev ({H},)"),
                          ((B,), f"a batch x_t ({B}, {D}), h_prev ({B}, {H})")):
        (_, cache), (_, want) = _cell(fn, rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)), p, context)
        require_cell_cache(cache, want, "gru", CELL, context, values=False)
    passed(f"{CELL} returns h_t of shape (H,) for one example and (B, H) "
           f"for a batch, and its cache", hidden)


def check_gru_cell_forward_values(fn, *, hidden: bool = False) -> None:
    """Gates forced open and shut, then each gate alone, then all together."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 52)
    _, B, D, H = sizes(rng, hidden)
    p = gru_params(rng, H, H)  # D == H: a swapped W and U gives numbers
    x, h = rng.normal(size=H), rng.normal(size=H)
    spread = np.linspace(-2.0, 2.0, H)  # r_t from 0.12 to 0.88, unit by unit
    cases = (
        (_force(_force(p, "z", SAT), "r", SAT),
         "z_t = 1 and r_t = 1 (forced by the biases)",
         "the candidate tanh(W_h h_{t-1} + U_h x_t + b_h)"),
        (_force(p, "z", -SAT), "z_t = 0 (forced by b_z)",
         "h_{t-1}, unchanged"),
        (_force(_force(p, "z", SAT), "r", spread),
         "z_t = 1 and r_t between 0 and 1",
         "tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)"),
        (_force(p, "r", SAT), "the update gate alone (r_t = 1)",
         "(1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t with z_t = σ(W_z h_{t-1} + "
         "U_z x_t + b_z)"),
        (_force(p, "z", SAT), "the reset gate alone (z_t = 1)",
         "tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h) with r_t = "
         "σ(W_r h_{t-1} + U_r x_t + b_r)"),
        (p, "every term together", "the GRU equations"),
    )
    for q, context, expected in cases:
        (got, _), (want, _) = _cell(fn, x, h, q, context)
        _diagnose_forward(got, want, x, h, q, context, expected)
    p = gru_params(rng, D, H)
    xb, hb = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    context = f"a batch of {B} with D = {D}, H = {H}"
    (got, cache), (want, want_cache) = _cell(fn, xb, hb, p, context)
    _diagnose_forward(got, want, xb, hb, p, context, "the GRU equations")
    require_cell_cache(cache, want_cache, "gru", CELL, context, values=True)
    passed(f"{CELL} gives the right values: update gate, reset gate, "
           f"candidate and biases", hidden)


# --------------------------------------------------------------- sequence forward


def _seq(fn, X, h0, p, context, used):
    __tracebackhide__ = True
    result = call_learner(fn, SEQ, {"X": X, "h0": h0, "params": p}, hint=_gru_hint(p, h0), used=used)
    hs, cache = unpack_pair(result, SEQ, "hs")
    hs = as_result_array(hs, SEQ, "hs")
    want, want_cache = unroll(gru_cell_forward, X, h0, params=p)
    require_states_shape(hs, want, SEQ, context)
    return (hs, cache), (want, want_cache)


def _diagnose_seq(got, want, X, h0, p) -> None:
    __tracebackhide__ = True

    def from_h0():  # every step from h0: one cell call over all (time, batch) rows at once
        rows = gru_cell_forward(_flat(X), _flat(np.broadcast_to(h0, want.shape)), p)[0]
        return rows.reshape(want.shape)

    diagnose_states(SEQ, got, want, X, h0, lambda X_, h0_: unroll(gru_cell_forward, X_, h0_, params=p)[0],
                    from_h0, CELL)


def _uses_cell(cell):
    __tracebackhide__ = True
    return uses(cell, CELL, 1, check_gru_cell_forward_shapes, check_gru_cell_forward_values)


def check_gru_forward_shapes(fn, *, cell=None, hidden: bool = False) -> None:
    """hs is (T, H) for a sequence (T, D), (T, B, H) for a batch (T, B, D); the cache is the
    list of the T cell caches.

    ``cell`` is the learner's ``gru_cell_forward``: when ``fn`` runs it and it fails its own
    checks, the message says to fix Part 1 first.
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 53, gru_params)
    used = _uses_cell(cell)
    with builds_on(SEQ, used, hidden):
        for lead, context in (((), f"X of shape ({T}, {D}) and h0 ({H},)"),
                              ((B,), f"X of shape ({T}, {B}, {D}) and h0 ({B}, {H})")):
            (_, cache), (_, want) = _seq(fn, rng.normal(size=(T, *lead, D)), rng.normal(size=(*lead, H)), p,
                                         context, used)
            require_sequence_cache(cache, want, "gru", SEQ, CELL, context, values=False)
    passed(f"{SEQ} returns hs of shape (T, H) for one sequence and (T, B, H) "
           f"for a batch, and the list of the cell caches", hidden)


def check_gru_forward_values(fn, *, cell=None, hidden: bool = False) -> None:
    """A one-step sequence, then longer ones, single and batched.

    ``cell`` is the learner's ``gru_cell_forward`` (see :func:`check_gru_forward_shapes`).
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 54, gru_params)
    used = _uses_cell(cell)
    h0 = rng.normal(size=H)
    with builds_on(SEQ, used, hidden):
        for X, h, context in (
            (rng.normal(size=(1, D)), h0, "a sequence of one step"),
            (rng.normal(size=(T, D)), h0, f"a sequence of {T} steps"),
            (rng.normal(size=(T, B, D)), rng.normal(size=(B, H)),
             f"a batch of {B} sequences"),
        ):
            (got, cache), (want, want_cache) = _seq(fn, X, h, p, context, used)
            _diagnose_seq(got, want, X, h, p)
            require_sequence_cache(cache, want_cache, "gru", SEQ, CELL, context, values=True)
    passed(f"{SEQ} carries the hidden state through time correctly", hidden)
