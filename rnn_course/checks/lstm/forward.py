"""Feedback checks for the LSTM cell and sequence forward passes (exercise ex04-lstm, Parts 1 and 2).

A wrong answer is compared with mutants (``FORWARD_MISTAKES``); when none matches,
gates are forced open or shut with large biases to say which gate or path is wrong.
"""

from __future__ import annotations

import numpy as np

from ...layers.activations import sigmoid
from ...layers.lstm import lstm_cell_forward
from .._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack
from .._inputs import case, lstm_params
from ._common import BIG, CELL_F, GATES, NAMES, SEQ_F, _first_match, _same


def _fwd(x, h, c, p, *, src=None, act=None, drop=(), swap_wu=False, w_t=False, cell="ok", out="ok"):
    """The LSTM step, with one chosen mistake (the defaults compute it right)."""
    __tracebackhide__ = True
    a = {}
    for g in GATES:
        s = (src or {}).get(g, g)
        W, U = p[f"W_{s}"], p[f"U_{s}"]
        if swap_wu:
            W, U = U, W
        if w_t:
            W = W.T
        z = np.zeros(h.shape[:-1] + (p["b_f"].shape[0],))
        if ("W", g) not in drop:
            z = z + h @ W.T
        if ("U", g) not in drop:
            z = z + x @ U.T
        if ("b", g) not in drop:
            z = z + p[f"b_{s}"]
        a[g] = z
    acts = {"f": sigmoid, "i": sigmoid, "c": np.tanh, "o": sigmoid, **(act or {})}
    f, i, ct, o = (acts[g](a[g]) for g in GATES)
    C = {"ok": f * c + i * ct, "no_f": c + i * ct, "no_i": f * c + ct}[cell]
    hh = {"ok": o * np.tanh(C), "no_tanh": o * C, "c_prev": o * np.tanh(c),
          "no_o": np.tanh(C), "tanh_out": np.tanh(o * C)}[out]
    return hh, C


def _forward_mistakes() -> dict[str, tuple[str, dict]]:
    """{name: (message, keyword arguments of _fwd)} for the typical mistakes, most telling first."""
    out = {
        "swap_fi": ("the forget and input gates are swapped: the forget gate f_t = σ(W_f h_{t-1} + U_f x_t + b_f) "
                    "multiplies C_{t-1}, and the input gate i_t multiplies the candidate C̃_t",
                    {"src": {"f": "i", "i": "f"}}),
        "no_tanh": ("tanh is missing on the cell state: the output gate is applied to C_t instead of tanh(C_t); "
                    "h_t = o_t ⊙ tanh(C_t)", {"out": "no_tanh"}),
        "c_prev": ("C_{t-1} is used where C_t belongs: h_t = o_t ⊙ tanh(C_t) uses the new cell state C_t, "
                   "computed first", {"out": "c_prev"}),
        "cand_sigmoid": ("the candidate C̃_t uses the sigmoid instead of tanh: C̃_t = tanh(W_c h_{t-1} + U_c x_t + b_c)",
                         {"act": {"c": sigmoid}}),
        "swap_wu": ("W_* and U_* are swapped: W_* multiplies h_{t-1} (h_prev @ W_f.T) and U_* multiplies x_t "
                    "(x_t @ U_f.T)", {"swap_wu": True}),
        "w_transposed": ("the W_* are applied transposed: W_f h_{t-1} is h_prev @ W_f.T", {"w_t": True}),
        "no_o": ("the output gate is missing: h_t = o_t ⊙ tanh(C_t)", {"out": "no_o"}),
        "tanh_out": ("h_t = o_t ⊙ tanh(C_t): take tanh of C_t, then multiply by o_t (not tanh(o_t ⊙ C_t))",
                     {"out": "tanh_out"}),
        "no_f": ("the forget gate is missing from the cell update: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t",
                 {"cell": "no_f"}),
        "no_i": ("the input gate is missing from the cell update: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t",
                 {"cell": "no_i"}),
    }
    for g in ("f", "i", "o"):
        out[f"tanh_{g}"] = (f"the {NAMES[g]} uses tanh instead of the sigmoid σ", {"act": {g: np.tanh}})
    for a, b in (("f", "o"), ("i", "o"), ("f", "c"), ("i", "c"), ("o", "c")):
        out[f"swap_{a}{b}"] = (f"the {NAMES[a]} and the {NAMES[b]} are swapped: each uses the other's parameters "
                               f"(W_{a}, U_{a}, b_{a} versus W_{b}, U_{b}, b_{b})", {"src": {a: b, b: a}})
    out["no_biases"] = ("every bias b_* is missing", {"drop": tuple(("b", g) for g in GATES)})
    out["no_W"] = ("h_{t-1} is ignored: every gate needs its W_* h_{t-1} term",
                   {"drop": tuple(("W", g) for g in GATES)})
    out["no_U"] = ("x_t is ignored: every gate needs its U_* x_t term", {"drop": tuple(("U", g) for g in GATES)})
    for g in GATES:
        out[f"no_b_{g}"] = (f"the bias b_{g} of the {NAMES[g]} is missing", {"drop": (("b", g),)})
        out[f"no_W_{g}"] = (f"the {NAMES[g]} ignores h_{{t-1}}: its W_{g} h_{{t-1}} term is missing",
                            {"drop": (("W", g),)})
        out[f"no_U_{g}"] = (f"the {NAMES[g]} ignores x_t: its U_{g} x_t term is missing", {"drop": (("U", g),)})
    return out


#: The typical mistakes in the cell forward, by name: (message, keyword arguments of _fwd).
FORWARD_MISTAKES = _forward_mistakes()


def _fwd_mutants(x, h, c, p, prefix=""):
    __tracebackhide__ = True
    return [(prefix + msg, (lambda kw=kw: _fwd(x, h, c, p, **kw))) for msg, kw in FORWARD_MISTAKES.values()]


def _cell(fn, x, h, c, p, context):
    """Run the learner's cell; return (h_t, c_t) checked for type, NaN and shape, and the reference."""
    __tracebackhide__ = True
    result = call_learner(fn, CELL_F, {"x_t": x, "h_prev": h, "c_prev": c, "params": p})
    h_t, c_t, _ = unpack(result, CELL_F, ("h_t", "c_t", "cache"))
    h_t = as_result_array(h_t, CELL_F, "h_t")
    c_t = as_result_array(c_t, CELL_F, "c_t")
    want_h, want_c, _ = lstm_cell_forward(x, h, c, p)
    require_result_shape(h_t, want_h.shape, CELL_F, "h_t", context)
    require_result_shape(c_t, want_c.shape, CELL_F, "c_t", context)
    return (h_t, c_t), (want_h, want_c)


def _square_swap(fn, rng, B):
    """With D == H, a W/U swap runs without an error: recognise it by its values."""
    __tracebackhide__ = True
    H = 3
    p = lstm_params(rng, H, H)
    x, h, c = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    try:
        got, want = _cell(fn, x, h, c, p, f"x_t ({B}, {H}) with D = H")
    except FeedbackError:
        return  # the original error stands
    if not _same(got, want) and _same(got, _fwd(x, h, c, p, swap_wu=True)):
        raise FeedbackError(f"{CELL_F}: {FORWARD_MISTAKES['swap_wu'][0]}")


def check_lstm_cell_forward_shapes(fn, *, hidden: bool = False) -> None:
    """h_t and c_t are (H,) for one example and (B, H) for a batch."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 41, lstm_params)
    try:
        _cell(fn, rng.normal(size=D), rng.normal(size=H), rng.normal(size=H), p,
              f"a single example x_t ({D},), h_prev and c_prev ({H},)")
    except FeedbackError:
        _square_swap(fn, rng, B)
        raise
    _cell(fn, rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H)), p,
          f"a batch x_t ({B}, {D}), h_prev and c_prev ({B}, {H})")
    passed(f"{CELL_F} returns h_t and c_t of shape (H,) for one example and (B, H) for a batch", hidden)


def _diagnose_cell_forward(fn, got, want, x, h, c, p):
    """Name the mistake, or the gate or path where the answer goes wrong."""
    __tracebackhide__ = True
    if _same(got, want):
        return
    if _same(got, (want[1], want[0])):
        raise FeedbackError(f"{CELL_F} returns (c_t, h_t); return them in the order (h_t, c_t, cache)")
    message = _first_match(got, want, _fwd_mutants(x, h, c, p))
    if message:
        raise FeedbackError(f"{CELL_F}: {message}")
    # Force gates open (+BIG) or shut (-BIG) to find the part that is wrong.
    scenarios = (
        ({"b_f": -BIG, "b_i": BIG}, "c",
         "with the forget gate shut (f_t = 0) and the input gate open (i_t = 1), C_t must equal "
         "the candidate C̃_t = tanh(W_c h_{t-1} + U_c x_t + b_c): check the candidate memory"),
        ({"b_i": -BIG}, "c",
         "with the input gate shut (i_t = 0), C_t must equal f_t ⊙ C_{t-1}: check the forget gate "
         "f_t = σ(W_f h_{t-1} + U_f x_t + b_f) and how it multiplies C_{t-1}"),
        ({"b_f": -BIG}, "c",
         "with the forget gate shut (f_t = 0), C_t must equal i_t ⊙ C̃_t: check the input gate "
         "i_t = σ(W_i h_{t-1} + U_i x_t + b_i)"),
        ({"b_o": BIG}, "h",
         "with the output gate open (o_t = 1), h_t must equal tanh(C_t): check the hidden state "
         "h_t = o_t ⊙ tanh(C_t)"),
        ({}, "h",
         "C_t is right but h_t is wrong: check the output gate o_t = σ(W_o h_{t-1} + U_o x_t + b_o) "
         "and h_t = o_t ⊙ tanh(C_t)"),
    )
    for change, which, message in scenarios:
        q = {k: (np.full_like(v, change[k]) if k in change else v) for k, v in p.items()}
        g2, w2 = _cell(fn, x, h, c, q, "a forced-gate test")
        k = 1 if which == "c" else 0
        if not close(g2[k], w2[k]):
            raise FeedbackError(f"{CELL_F}: {message} (yours is off by up to {max_diff(g2[k], w2[k]):.3g})")
    raise FeedbackError(
        f"{CELL_F}: h_t or c_t is wrong (off by up to {max(max_diff(got[0], want[0]), max_diff(got[1], want[1])):.3g})"
    )


def check_lstm_cell_forward_values(fn, *, hidden: bool = False) -> None:
    """Every gate, checked by forcing gates open or shut; one example and a batch."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 42, lstm_params)
    for lead, context in (((), "a single example"), ((B,), f"a batch of {B}")):
        x, h, c = rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
        try:
            got, want = _cell(fn, x, h, c, p, context)
        except FeedbackError:
            _square_swap(fn, rng, B)
            raise
        _diagnose_cell_forward(fn, got, want, x, h, c, p)
    passed(f"{CELL_F} computes every gate, the cell state C_t and the hidden state h_t correctly", hidden)


# --------------------------------------------------------------------------- sequence forward


def _seq_fwd(X, h0, c0, p, *, carry_h=True, carry_c=True, before=False, **kw):
    __tracebackhide__ = True
    hs, cs, h, c = [], [], h0, c0
    for t in range(X.shape[0]):
        h_new, c_new = _fwd(X[t], h if carry_h else h0, c if carry_c else c0, p, **kw)
        hs.append(h if before else h_new)
        cs.append(c if before else c_new)
        h, c = h_new, c_new
    return np.stack(hs), np.stack(cs)


def _seq(fn, X, h0, c0, p, context):
    __tracebackhide__ = True
    result = call_learner(fn, SEQ_F, {"X": X, "h0": h0, "c0": c0, "params": p})
    hs, cs, _ = unpack(result, SEQ_F, ("hs", "cs", "cache"))
    hs = as_result_array(hs, SEQ_F, "hs")
    cs = as_result_array(cs, SEQ_F, "cs")
    want_h, want_c = _seq_fwd(X, h0, c0, p)
    for name, got, want in (("hs", hs, want_h), ("cs", cs, want_c)):
        if got.shape == want.shape[1:] and X.shape[0] > 1:
            raise FeedbackError(
                f"{SEQ_F} returned {name} of shape {got.shape} for {context}: only the last state? "
                f"Return every step's state, shape {want.shape}"
            )
        if got.ndim == want.ndim and got.shape[0] == want.shape[0] + 1:
            raise FeedbackError(
                f"{SEQ_F} returned {name} with {got.shape[0]} steps for {context}; expected {want.shape[0]}: "
                f"{name}[t] is the state after reading X[t], so do not include the initial state"
            )
        require_result_shape(got, want.shape, SEQ_F, name, context)
    return (hs, cs), (want_h, want_c)


def check_lstm_forward_shapes(fn, *, hidden: bool = False) -> None:
    """hs and cs are (T, H) for one sequence and (T, B, H) for a batch."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 43, lstm_params)
    _seq(fn, rng.normal(size=(T, D)), np.zeros(H), np.zeros(H), p, f"X ({T}, {D})")
    _seq(fn, rng.normal(size=(T, B, D)), np.zeros((B, H)), np.zeros((B, H)), p, f"X ({T}, {B}, {D})")
    passed(f"{SEQ_F} returns hs and cs of shape (T, H), or (T, B, H) for a batch", hidden)


def check_lstm_forward_values(fn, *, hidden: bool = False) -> None:
    """One step, then whole sequences: both states carried from step to step."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 44, lstm_params)
    for shape, context in (((1,), "one step"), ((T,), f"{T} steps"), ((T, B), f"a batch of {B}, {T} steps")):
        X = rng.normal(size=(*shape, D))
        h0, c0 = rng.normal(size=(*shape[1:], H)), rng.normal(size=(*shape[1:], H))
        got, want = _seq(fn, X, h0, c0, p, context)
        if _same(got, want):
            continue
        if _same(got, (want[1], want[0])):
            raise FeedbackError(f"{SEQ_F} returns (cs, hs); return them in the order (hs, cs, cache)")
        mutants = [
            ("the cell state is not carried: each step must start from the previous step's C_t "
             "(C_0 only at the first step)", lambda: _seq_fwd(X, h0, c0, p, carry_c=False)),
            ("the hidden state is not carried: each step must start from the previous step's h_t "
             "(h_0 only at the first step)", lambda: _seq_fwd(X, h0, c0, p, carry_h=False)),
            ("hs[t] and cs[t] must be the states after reading X[t], not before",
             lambda: _seq_fwd(X, h0, c0, p, before=True)),
        ]
        mutants += [("at every step, " + msg, (lambda kw=kw: _seq_fwd(X, h0, c0, p, **kw)))
                    for msg, kw in FORWARD_MISTAKES.values()]
        message = _first_match(got, want, mutants)
        if message:
            raise FeedbackError(f"{SEQ_F}: {message}")
        bad = int(np.argmax([not (close(a, b) and close(c, d))
                             for a, b, c, d in zip(got[0], want[0], got[1], want[1])]))
        raise FeedbackError(
            f"{SEQ_F}: the states are wrong from step {bad} on, for {context} (off by up to "
            f"{max(max_diff(got[0][bad], want[0][bad]), max_diff(got[1][bad], want[1][bad])):.3g}). "
            + ("Step 0 is one cell step from (h0, c0): check the cell (Part 1)." if bad == 0 else
               "Check what each step passes to the next: (h_t, C_t).")
        )
    passed(f"{SEQ_F} runs the LSTM over whole sequences, carrying h_t and C_t from step to step", hidden)
