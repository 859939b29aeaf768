"""Feedback checks for the LSTM cell and sequence forward passes (exercise ex04-lstm, Parts 1 and 2).

A wrong answer is compared with mutants (``FORWARD_MISTAKES``); when none matches,
gates are forced open or shut with large biases to say which gate or path is wrong.
"""

from __future__ import annotations

import numpy as np

from ...layers.activations import sigmoid
from ...layers.lstm import lstm_cell_forward
from ...layers.unroll import unroll
from .._caches import require_cell_cache, require_sequence_cache
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack
from .._inputs import case, lstm_params
from .._sequence import TIME
from .._watch import uses
from ._common import BIG, CELL_F, GATES, NAMES, SEQ_F, SHORT, _first_match, _same, lstm_hint, mistake


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


def _forward_mistakes() -> dict[str, tuple[tuple[str, str], dict]]:
    """{name: ((headline, detail), keyword arguments of _fwd)} for the typical mistakes, most telling first."""
    cell = "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t."
    out = {
        "swap_fi": (("the forget and input gates are swapped",
                     "The forget gate f_t = σ(W_f h_{t-1} + U_f x_t + b_f) multiplies C_{t-1}, and the "
                     "input gate i_t multiplies the candidate C̃_t."), {"src": {"f": "i", "i": "f"}}),
        "no_tanh": (("tanh is missing on the cell state",
                     "The output gate is applied to C_t instead of tanh(C_t): h_t = o_t ⊙ tanh(C_t)."),
                    {"out": "no_tanh"}),
        "c_prev": (("C_{t-1} is used where C_t belongs",
                    "h_t = o_t ⊙ tanh(C_t) uses the new cell state C_t, computed first."), {"out": "c_prev"}),
        "cand_sigmoid": (("the candidate C̃_t uses σ instead of tanh",
                          "C̃_t = tanh(W_c h_{t-1} + U_c x_t + b_c)."), {"act": {"c": sigmoid}}),
        "swap_wu": (("W_* and U_* are swapped",
                     "W_* multiplies h_{t-1} (h_prev @ W_f.T) and U_* multiplies x_t (x_t @ U_f.T)."),
                    {"swap_wu": True}),
        "w_transposed": (("the W_* are applied transposed", "W_f h_{t-1} is h_prev @ W_f.T."), {"w_t": True}),
        "no_o": (("the output gate is missing", "h_t = o_t ⊙ tanh(C_t)."), {"out": "no_o"}),
        "tanh_out": (("h_t is tanh(o_t ⊙ C_t), not o_t ⊙ tanh(C_t)",
                      "Take tanh of C_t, then multiply by o_t."), {"out": "tanh_out"}),
        "no_f": (("the forget gate is missing from the cell update", cell), {"cell": "no_f"}),
        "no_i": (("the input gate is missing from the cell update", cell), {"cell": "no_i"}),
    }
    for g in ("f", "i", "o"):
        out[f"tanh_{g}"] = ((f"the {SHORT[g]} uses tanh, not σ",
                             f"The gates use σ: {g}_t = σ(W_{g} h_{{t-1}} + U_{g} x_t + b_{g})."), {"act": {g: np.tanh}})
    for a, b in (("f", "o"), ("i", "o"), ("f", "c"), ("i", "c"), ("o", "c")):
        out[f"swap_{a}{b}"] = ((f"the {SHORT[a]} and the {SHORT[b]} are swapped",
                                f"Each uses the other's parameters (W_{a}, U_{a}, b_{a} versus W_{b}, U_{b}, b_{b})."),
                               {"src": {a: b, b: a}})
    out["no_biases"] = (("every bias b_* is missing", "Each gate adds its bias: W_f h_{t-1} + U_f x_t + b_f."),
                        {"drop": tuple(("b", g) for g in GATES)})
    out["no_W"] = (("h_{t-1} is ignored", "Every gate needs its W_* h_{t-1} term."),
                   {"drop": tuple(("W", g) for g in GATES)})
    out["no_U"] = (("x_t is ignored", "Every gate needs its U_* x_t term."), {"drop": tuple(("U", g) for g in GATES)})
    for g in GATES:
        out[f"no_b_{g}"] = ((f"the bias b_{g} of the {NAMES[g]} is missing",
                             f"The {SHORT[g]} is {'tanh' if g == 'c' else 'σ'}(W_{g} h_{{t-1}} + U_{g} x_t + b_{g})."),
                            {"drop": (("b", g),)})
        out[f"no_W_{g}"] = ((f"the {SHORT[g]} ignores h_{{t-1}}", f"Its W_{g} h_{{t-1}} term is missing."),
                            {"drop": (("W", g),)})
        out[f"no_U_{g}"] = ((f"the {SHORT[g]} ignores x_t", f"Its U_{g} x_t term is missing."), {"drop": (("U", g),)})
    return out


#: The typical mistakes in the cell forward, by name: (message, keyword arguments of _fwd).
FORWARD_MISTAKES = _forward_mistakes()


def _fwd_mutants(x, h, c, p):
    __tracebackhide__ = True
    return [(found, (lambda kw=kw: _fwd(x, h, c, p, **kw))) for found, kw in FORWARD_MISTAKES.values()]


def _cell(fn, x, h, c, p, context):
    """Run the learner's cell: ((h_t, c_t), cache) checked for type, NaN and shape, and the
    reference's ((h_t, c_t), cache)."""
    __tracebackhide__ = True
    args = {"x_t": x, "h_prev": h, "c_prev": c, "params": p}
    result = call_learner(fn, CELL_F, args, hint=lstm_hint(p, x))
    h_t, c_t, cache = unpack(result, CELL_F, ("h_t", "c_t", "cache"))
    h_t = as_result_array(h_t, CELL_F, "h_t")
    c_t = as_result_array(c_t, CELL_F, "c_t")
    want_h, want_c, want_cache = lstm_cell_forward(x, h, c, p)
    require_result_shape(h_t, want_h.shape, CELL_F, "h_t", context)
    require_result_shape(c_t, want_c.shape, CELL_F, "c_t", context)
    return ((h_t, c_t), cache), ((want_h, want_c), want_cache)


def _square_swap(fn, rng, B):
    """With D == H, a W/U swap runs without an error: recognise it by its values."""
    __tracebackhide__ = True
    H = 3
    p = lstm_params(rng, H, H)
    x, h, c = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    try:
        (got, _), (want, _) = _cell(fn, x, h, c, p, f"x_t ({B}, {H}) with D = H")
    except FeedbackError:
        return  # the original error stands
    if not _same(got, want) and _same(got, _fwd(x, h, c, p, swap_wu=True)):
        raise mistake(CELL_F, FORWARD_MISTAKES["swap_wu"][0])


def check_lstm_cell_forward_shapes(fn, *, hidden: bool = False) -> None:
    """h_t and c_t are (H,) for one example and (B, H) for a batch; the cache is the dict the
    backward pass reads (keys x_t, h_prev, c_prev, f_t, i_t, c_tilde, o_t, c_t, h_t, params)."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 41, lstm_params)
    for lead, context in (((), f"a single example x_t ({D},), h_prev and c_prev ({H},)"),
                          ((B,), f"a batch x_t ({B}, {D}), h_prev and c_prev ({B}, {H})")):
        try:
            (_, cache), (_, want) = _cell(fn, rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)),
                                          rng.normal(size=(*lead, H)), p, context)
        except FeedbackError:
            _square_swap(fn, rng, B)
            raise
        require_cell_cache(cache, want, "lstm", CELL_F, context, values=False)
    passed(f"{CELL_F} returns h_t and c_t of shape (H,) for one example and (B, H) for a batch, and its "
           f"cache", hidden)


def _diagnose_cell_forward(fn, got, want, x, h, c, p):
    """Name the mistake, or the gate or path where the answer goes wrong."""
    __tracebackhide__ = True
    if _same(got, want):
        return
    if _same(got, (want[1], want[0])):
        raise FeedbackError(f"{CELL_F} returns (c_t, h_t) in the wrong order.\nReturn h_t, c_t, cache.")
    found = _first_match(got, want, _fwd_mutants(x, h, c, p))
    if found:
        raise mistake(CELL_F, found)
    # Force gates open (+BIG) or shut (-BIG) to find the part that is wrong.
    scenarios = (
        ({"b_f": -BIG, "b_i": BIG}, "c", "check the candidate memory",
         "With the forget gate shut (f_t = 0) and the input gate open (i_t = 1), C_t must equal "
         "the candidate C̃_t = tanh(W_c h_{t-1} + U_c x_t + b_c)"),
        ({"b_i": -BIG}, "c", "check the forget gate",
         "With the input gate shut (i_t = 0), C_t must equal f_t ⊙ C_{t-1}: check "
         "f_t = σ(W_f h_{t-1} + U_f x_t + b_f) and how it multiplies C_{t-1}"),
        ({"b_f": -BIG}, "c", "check the input gate",
         "With the forget gate shut (f_t = 0), C_t must equal i_t ⊙ C̃_t: check "
         "i_t = σ(W_i h_{t-1} + U_i x_t + b_i)"),
        ({"b_o": BIG}, "h", "check the hidden state",
         "With the output gate open (o_t = 1), h_t must equal tanh(C_t): check h_t = o_t ⊙ tanh(C_t)"),
        ({}, "h", "C_t is right, h_t is not: check the output gate",
         "Check o_t = σ(W_o h_{t-1} + U_o x_t + b_o) and h_t = o_t ⊙ tanh(C_t)"),
    )
    for change, which, head, detail in scenarios:
        q = {k: (np.full_like(v, change[k]) if k in change else v) for k, v in p.items()}
        (g2, _), (w2, _) = _cell(fn, x, h, c, q, "a forced-gate test")
        k = 1 if which == "c" else 0
        if not close(g2[k], w2[k]):
            raise FeedbackError(f"{CELL_F}: {head}.\n{detail} (yours is off by up to {max_diff(g2[k], w2[k]):.3g}).")
    off = max(max_diff(got[0], want[0]), max_diff(got[1], want[1]))
    raise FeedbackError(f"{CELL_F}: h_t or c_t is wrong.\nIt is off by up to {off:.3g}.")


def check_lstm_cell_forward_values(fn, *, hidden: bool = False) -> None:
    """Every gate, checked by forcing gates open or shut; one example and a batch."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 42, lstm_params)
    for lead, context in (((), "a single example"), ((B,), f"a batch of {B}")):
        x, h, c = rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H))
        try:
            (got, cache), (want, want_cache) = _cell(fn, x, h, c, p, context)
        except FeedbackError:
            _square_swap(fn, rng, B)
            raise
        _diagnose_cell_forward(fn, got, want, x, h, c, p)
        require_cell_cache(cache, want_cache, "lstm", CELL_F, context, values=True)
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


def _seq(fn, X, h0, c0, p, context, used):
    __tracebackhide__ = True
    args = {"X": X, "h0": h0, "c0": c0, "params": p}
    result = call_learner(fn, SEQ_F, args, hint=lstm_hint(p, h0), used=used)
    hs, cs, cache = unpack(result, SEQ_F, ("hs", "cs", "cache"))
    hs = as_result_array(hs, SEQ_F, "hs")
    cs = as_result_array(cs, SEQ_F, "cs")
    want_h, want_c, want_cache = unroll(lstm_cell_forward, X, h0, c0, params=p)
    for name, got, want in (("hs", hs, want_h), ("cs", cs, want_c)):
        if got.shape == want.shape[1:] and X.shape[0] > 1:
            raise FeedbackError(
                f"{SEQ_F} returned only the last state for {name}.\nFor {context} it is {got.shape}: "
                f"return every step's state, shape {want.shape}."
            )
        if got.ndim == want.ndim and got.shape[0] == want.shape[0] + 1:
            raise FeedbackError(
                f"{SEQ_F} returned {got.shape[0]} steps of {name}, not {want.shape[0]}.\n"
                f"{name}[k] is the state after reading X[k] ({TIME}): leave out the initial state."
            )
        require_result_shape(got, want.shape, SEQ_F, name, context)
    return ((hs, cs), cache), ((want_h, want_c), want_cache)


def _uses_cell(cell):
    __tracebackhide__ = True
    return uses(cell, CELL_F, 1, check_lstm_cell_forward_shapes, check_lstm_cell_forward_values)


def check_lstm_forward_shapes(fn, *, cell=None, hidden: bool = False) -> None:
    """hs and cs are (T, H) for one sequence and (T, B, H) for a batch; the cache is the list of
    the T cell caches.

    ``cell`` is the learner's ``lstm_cell_forward``: when ``fn`` runs it and it fails its own
    checks, the message says to fix Part 1 first.
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 43, lstm_params)
    used = _uses_cell(cell)
    with builds_on(SEQ_F, used, hidden):
        for lead, context in (((), f"X ({T}, {D})"), ((B,), f"X ({T}, {B}, {D})")):
            (_, cache), (_, want) = _seq(fn, rng.normal(size=(T, *lead, D)), np.zeros((*lead, H)),
                                         np.zeros((*lead, H)), p, context, used)
            require_sequence_cache(cache, want, "lstm", SEQ_F, CELL_F, context, values=False)
    passed(f"{SEQ_F} returns hs and cs of shape (T, H), or (T, B, H) for a batch, and the list of "
           f"the cell caches", hidden)


def check_lstm_forward_values(fn, *, cell=None, hidden: bool = False) -> None:
    """One step, then whole sequences: both states carried from step to step.

    ``cell`` is the learner's ``lstm_cell_forward`` (see :func:`check_lstm_forward_shapes`).
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 44, lstm_params)
    used = _uses_cell(cell)
    with builds_on(SEQ_F, used, hidden):
        for shape, context in (((1,), "one step"), ((T,), f"{T} steps"), ((T, B), f"a batch of {B}, {T} steps")):
            X = rng.normal(size=(*shape, D))
            h0, c0 = rng.normal(size=(*shape[1:], H)), rng.normal(size=(*shape[1:], H))
            (got, cache), (want, want_cache) = _seq(fn, X, h0, c0, p, context, used)
            _diagnose_seq(got, want, X, h0, c0, p, context)
            require_sequence_cache(cache, want_cache, "lstm", SEQ_F, CELL_F, context, values=True)
    passed(f"{SEQ_F} runs the LSTM over whole sequences, carrying h_t and C_t from step to step", hidden)


def _diagnose_seq(got, want, X, h0, c0, p, context) -> None:
    __tracebackhide__ = True
    if _same(got, want):
        return
    if _same(got, (want[1], want[0])):
        raise FeedbackError(f"{SEQ_F} returns (cs, hs) in the wrong order.\nReturn hs, cs, cache.")
    mutants = [
        (("the cell state is not carried",
          "Each step must start from the previous step's C_t (C_0 only at the first step)."),
         lambda: _seq_fwd(X, h0, c0, p, carry_c=False)),
        (("the hidden state is not carried",
          "Each step must start from the previous step's h_t (h_0 only at the first step)."),
         lambda: _seq_fwd(X, h0, c0, p, carry_h=False)),
        (("hs and cs hold the states before each step",
          f"hs[k] and cs[k] are the states after reading X[k] ({TIME})."),
         lambda: _seq_fwd(X, h0, c0, p, before=True)),
    ]
    found = _first_match(got, want, mutants)
    if found:
        raise mistake(SEQ_F, found)
    step_mutants = [(f, (lambda kw=kw: _seq_fwd(X, h0, c0, p, **kw))) for f, kw in FORWARD_MISTAKES.values()]
    found = _first_match(got, want, step_mutants)
    if found:
        raise mistake(SEQ_F, found, "At every step: ")
    bad = int(np.argmax([not (close(a, b) and close(c, d)) for a, b, c, d in zip(got[0], want[0], got[1], want[1])]))
    off = max(max_diff(got[0][bad], want[0][bad]), max_diff(got[1][bad], want[1][bad]))
    raise FeedbackError(
        f"{SEQ_F}: the states are wrong from step {bad} on.\nFor {context} they are off by up to {off:.3g}. "
        + ("Step 0 is one cell step from (h0, c0): check the cell (Part 1)." if bad == 0 else
           "Check what each step passes to the next: (h_t, C_t).")
    )
