"""Feedback checks for the LSTM forward and backward passes (exercise ex04-lstm).

Each check compares the learner's function with the reference, and when they differ it
compares the learner's result with "mutants": the LSTM computed with one typical mistake
(forget and input gates swapped, tanh missing on the cell state, C_{t-1} where C_t
belongs, ...). A match names the mistake. When nothing matches, gates are forced open or
shut with large biases (σ(±40) is 1 or 0 to machine precision) so that the message can
say which gate or which path is wrong.

The backward checks hand the learner caches made by the reference forward functions:
the cell cache of ``rnn_course.lstm_cell_forward`` (keys ``x_t, h_prev, c_prev, f_t,
i_t, c_tilde, o_t, c_t, h_t, params``), and for the sequence a list of those caches,
one per step, so each part is graded on its own.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..layers.activations import sigmoid
from ..layers.lstm import lstm_cell_backward, lstm_cell_forward
from .._arrays import flat as _flat
from ._core import (
    FeedbackError,
    as_result_array,
    call_learner,
    close,
    max_diff,
    passed,
    require_shape,
    rng_for,
)
from .rnn import _sizes

CELL_F, SEQ_F = "lstm_cell_forward", "lstm_forward"
CELL_B, SEQ_B = "lstm_cell_backward", "lstm_backward"
GATES = ("f", "i", "c", "o")
KEYS = tuple(f"{k}_{g}" for k in ("W", "U", "b") for g in GATES)
NAMES = {"f": "forget gate f_t", "i": "input gate i_t", "c": "candidate C̃_t", "o": "output gate o_t"}
BIG = 40.0  # σ(±40) is 1 or 0 to about 4e-18


# --------------------------------------------------------------------------- helpers


def _params(rng, D: int, H: int) -> dict[str, np.ndarray]:
    __tracebackhide__ = True
    p = {}
    for g in GATES:
        p[f"W_{g}"] = rng.normal(0, 0.5, (H, H))
        p[f"U_{g}"] = rng.normal(0, 0.5, (H, D))
        p[f"b_{g}"] = rng.normal(0, 0.5, H)
    return {k: p[k] for k in KEYS}


def _call(fn, name: str, args: dict, *, nested: tuple[str, ...] = ()):
    """call_learner; ``nested`` is kept for the callers (call_learner compares nested
    inputs such as caches itself)."""
    __tracebackhide__ = True
    return call_learner(fn, name, args)


def _unpack(result, name: str, names: tuple[str, ...]):
    __tracebackhide__ = True
    n = len(names)
    if not isinstance(result, tuple) or len(result) != n:
        got = "None (is a `return` missing?)" if result is None else f"a {type(result).__name__}"
        if isinstance(result, tuple):
            got = f"a tuple of {len(result)} values"
        raise FeedbackError(f"{name} must return {n} values ({', '.join(names)}); it returned {got}")
    return result


def _grads(grads, name: str, context: str, want: dict) -> dict:
    __tracebackhide__ = True
    if not isinstance(grads, Mapping):
        raise FeedbackError(f"{name}: grads must be a dict keyed by parameter name, got {type(grads).__name__}")
    missing = [k for k in KEYS if k not in grads]
    if missing:
        raise FeedbackError(
            f"{name}: grads is missing {', '.join(repr(k) for k in missing)}; it needs the twelve keys "
            f"W_f, W_i, W_c, W_o, U_f, ..., b_o (the same names as params)"
        )
    out = {}
    for k in KEYS:
        g = as_result_array(grads[k], name, f'grads["{k}"]')
        shape = want[k].shape
        if k[0] == "b" and g.ndim == 2 and g.shape[-1] == shape[0]:
            raise FeedbackError(
                f'{name}: grads["{k}"] has shape {g.shape} for {context}: sum it over the batch '
                f"axis (and time), to shape {shape}"
            )
        if k[0] in "WU" and g.shape != shape and g.ndim == 2 and g.shape[0] == shape[0]:
            other = {"W": "U", "U": "W"}[k[0]]
            if g.shape[1] != shape[1]:
                raise FeedbackError(
                    f'{name}: grads["{k}"] has shape {g.shape} for {context}; expected {shape}. '
                    f"W_* multiplies h_(t-1) and U_* multiplies x_t, so dW_* = da_*^T h_prev and "
                    f"dU_* = da_*^T x_t: are {k} and {other}_{k[2]} swapped?"
                )
        require_shape(g, shape, name, f'grads["{k}"]', context)
        out[k] = g
    return out


def _same(got: tuple, want: tuple) -> bool:
    __tracebackhide__ = True
    for a, b in zip(got, want):
        if isinstance(b, Mapping):
            if not all(close(a[k], b[k]) for k in b):
                return False
        elif not close(a, b):
            return False
    return True


def _first_match(got: tuple, want: tuple, mutants) -> str | None:
    """The message of the first mutant that explains ``got`` (and differs from ``want``)."""
    __tracebackhide__ = True
    for message, compute in mutants:
        try:
            with np.errstate(all="ignore"):
                candidate = compute()
        except ValueError:  # e.g. W and U swapped when D != H
            continue
        if not _same(candidate, want) and _same(got, candidate):
            return message
    return None


# --------------------------------------------------------------------------- cell forward


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


def _fwd_mistakes():
    """(message, keyword arguments of _fwd) for the typical mistakes, most telling first."""
    __tracebackhide__ = True
    out = [
        ("the forget and input gates are swapped: the forget gate f_t = σ(W_f h_{t-1} + U_f x_t + b_f) "
         "multiplies C_{t-1}, and the input gate i_t multiplies the candidate C̃_t",
         {"src": {"f": "i", "i": "f"}}),
        ("tanh is missing on the cell state: the output gate is applied to C_t instead of tanh(C_t); "
         "h_t = o_t ⊙ tanh(C_t)", {"out": "no_tanh"}),
        ("C_{t-1} is used where C_t belongs: h_t = o_t ⊙ tanh(C_t) uses the new cell state C_t, "
         "computed first", {"out": "c_prev"}),
        ("the candidate C̃_t uses the sigmoid instead of tanh: C̃_t = tanh(W_c h_{t-1} + U_c x_t + b_c)",
         {"act": {"c": sigmoid}}),
        ("W_* and U_* are swapped: W_* multiplies h_{t-1} (h_prev @ W_f.T) and U_* multiplies x_t "
         "(x_t @ U_f.T)", {"swap_wu": True}),
        ("the W_* are applied transposed: W_f h_{t-1} is h_prev @ W_f.T", {"w_t": True}),
        ("the output gate is missing: h_t = o_t ⊙ tanh(C_t)", {"out": "no_o"}),
        ("h_t = o_t ⊙ tanh(C_t): take tanh of C_t, then multiply by o_t (not tanh(o_t ⊙ C_t))",
         {"out": "tanh_out"}),
        ("the forget gate is missing from the cell update: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t",
         {"cell": "no_f"}),
        ("the input gate is missing from the cell update: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t",
         {"cell": "no_i"}),
    ]
    for g in ("f", "i", "o"):
        out.append((f"the {NAMES[g]} uses tanh instead of the sigmoid σ", {"act": {g: np.tanh}}))
    for a, b in (("f", "o"), ("i", "o"), ("f", "c"), ("i", "c"), ("o", "c")):
        out.append((f"the {NAMES[a]} and the {NAMES[b]} are swapped: each uses the other's parameters "
                    f"(W_{a}, U_{a}, b_{a} versus W_{b}, U_{b}, b_{b})", {"src": {a: b, b: a}}))
    out.append(("every bias b_* is missing", {"drop": tuple(("b", g) for g in GATES)}))
    out.append(("h_{t-1} is ignored: every gate needs its W_* h_{t-1} term",
                {"drop": tuple(("W", g) for g in GATES)}))
    out.append(("x_t is ignored: every gate needs its U_* x_t term", {"drop": tuple(("U", g) for g in GATES)}))
    for g in GATES:
        out.append((f"the bias b_{g} of the {NAMES[g]} is missing", {"drop": (("b", g),)}))
        out.append((f"the {NAMES[g]} ignores h_{{t-1}}: its W_{g} h_{{t-1}} term is missing",
                    {"drop": (("W", g),)}))
        out.append((f"the {NAMES[g]} ignores x_t: its U_{g} x_t term is missing", {"drop": (("U", g),)}))
    return out


def _fwd_mutants(x, h, c, p, prefix=""):
    __tracebackhide__ = True
    return [(prefix + msg, (lambda kw=kw: _fwd(x, h, c, p, **kw))) for msg, kw in _fwd_mistakes()]


def _cell(fn, x, h, c, p, context):
    """Run the learner's cell; return (h_t, c_t) checked for type, NaN and shape, and the reference."""
    __tracebackhide__ = True
    result = _call(fn, CELL_F, {"x_t": x, "h_prev": h, "c_prev": c, "params": p})
    h_t, c_t, _ = _unpack(result, CELL_F, ("h_t", "c_t", "cache"))
    h_t = as_result_array(h_t, CELL_F, "h_t")
    c_t = as_result_array(c_t, CELL_F, "c_t")
    want_h, want_c, _ = lstm_cell_forward(x, h, c, p)
    require_shape(h_t, want_h.shape, CELL_F, "h_t", context)
    require_shape(c_t, want_c.shape, CELL_F, "c_t", context)
    return (h_t, c_t), (want_h, want_c)


def _square_swap(fn, rng, B):
    """With D == H, a W/U swap runs without an error: recognise it by its values."""
    __tracebackhide__ = True
    H = 3
    p = _params(rng, H, H)
    x, h, c = rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    try:
        got, want = _cell(fn, x, h, c, p, f"x_t ({B}, {H}) with D = H")
    except FeedbackError:
        return  # the original error stands
    if not _same(got, want) and _same(got, _fwd(x, h, c, p, swap_wu=True)):
        raise FeedbackError(f"{CELL_F}: {_fwd_mistakes()[4][0]}")


def check_lstm_cell_forward_shapes(fn, *, hidden: bool = False) -> None:
    """h_t and c_t are (H,) for one example and (B, H) for a batch."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 41)
    _, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
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
    rng = rng_for(hidden, 42)
    _, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
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
    result = _call(fn, SEQ_F, {"X": X, "h0": h0, "c0": c0, "params": p})
    hs, cs, _ = _unpack(result, SEQ_F, ("hs", "cs", "cache"))
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
        require_shape(got, want.shape, SEQ_F, name, context)
    return (hs, cs), (want_h, want_c)


def check_lstm_forward_shapes(fn, *, hidden: bool = False) -> None:
    """hs and cs are (T, H) for one sequence and (T, B, H) for a batch."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 43)
    T, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    _seq(fn, rng.normal(size=(T, D)), np.zeros(H), np.zeros(H), p, f"X ({T}, {D})")
    _seq(fn, rng.normal(size=(T, B, D)), np.zeros((B, H)), np.zeros((B, H)), p, f"X ({T}, {B}, {D})")
    passed(f"{SEQ_F} returns hs and cs of shape (T, H), or (T, B, H) for a batch", hidden)


def check_lstm_forward_values(fn, *, hidden: bool = False) -> None:
    """One step, then whole sequences: both states carried from step to step."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 44)
    T, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
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
                    for msg, kw in _fwd_mistakes()]
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


# --------------------------------------------------------------------------- cell backward


def _bwd(dh, dc_in, cache, *, no_f=False, no_h_path=False, no_dc_in=False, do_no_tanh=False,
         dtanh_c=False, c_prev_for_c=False, df_ct=False, swap_fi=False, no_sig=(), no_dtanh_cand=False,
         cand_sig=False, drop=None, w_t=False, mean=False):
    """The backward step, with one chosen mistake (the defaults compute it right)."""
    __tracebackhide__ = True
    x, hp, cp = cache["x_t"], cache["h_prev"], cache["c_prev"]
    f, i, ct, o, C = (cache[k] for k in ("f_t", "i_t", "c_tilde", "o_t", "c_t"))
    p = cache["params"]
    Cu = cp if c_prev_for_c else C
    tc = np.tanh(Cu)
    do = dh * (Cu if do_no_tanh else tc)
    dC = (0.0 if no_dc_in else dc_in) + (0.0 if no_h_path else dh * o * ((1 - Cu**2) if dtanh_c else (1 - tc**2)))
    df = dC * (C if df_ct else cp)
    di = dC * ct
    if swap_fi:
        df, di = dC * ct, dC * cp
    dct = dC * i
    dc_prev = dC if no_f else dC * f
    gate = {"f": f, "i": i, "o": o}
    da = {g: d * (1.0 if g in no_sig else gate[g] * (1 - gate[g]))
          for g, d in (("f", df), ("i", di), ("o", do))}
    da["c"] = dct * (1.0 if no_dtanh_cand else (ct * (1 - ct) if cand_sig else 1 - ct**2))
    used = [g for g in GATES if g != drop]
    dh_prev = sum(da[g] @ (p[f"W_{g}"].T if w_t else p[f"W_{g}"]) for g in used)
    dx = sum(da[g] @ p[f"U_{g}"] for g in used)
    n = _flat(da["f"]).shape[0] if mean else 1
    grads = {}
    for g in GATES:
        grads[f"W_{g}"] = _flat(da[g]).T @ _flat(hp) / n
        grads[f"U_{g}"] = _flat(da[g]).T @ _flat(x) / n
        grads[f"b_{g}"] = _flat(da[g]).sum(0) / n
    return dx, dh_prev, dc_prev, {k: grads[k] for k in KEYS}


def _bwd_mistakes():
    __tracebackhide__ = True
    out = [
        ("dc_prev forgets the factor f_t: C_t = f_t ⊙ C_{t-1} + ..., so dc_prev = dC_t ⊙ f_t", {"no_f": True}),
        ("dC_t misses the path through h_t: dC_t = dc_t + dh_t ⊙ o_t ⊙ (1 − tanh²(C_t))", {"no_h_path": True}),
        ("the gradient from the next step's cell state is not carried: dC_t = dc_t + "
         "dh_t ⊙ o_t ⊙ (1 − tanh²(C_t)) starts from the incoming dc_t", {"no_dc_in": True}),
        ("tanh is missing on the cell state: do_t = dh_t ⊙ tanh(C_t), and h_t depends on C_t "
         "through tanh", {"do_no_tanh": True}),
        ("the derivative of tanh(C_t) is 1 − tanh²(C_t), not 1 − C_t²", {"dtanh_c": True}),
        ("C_{t-1} is used where C_t belongs: the path through h_t = o_t ⊙ tanh(C_t) uses the new "
         "cell state cache['c_t']", {"c_prev_for_c": True}),
        ("C_t is used where C_{t-1} belongs: df_t = dC_t ⊙ C_{t-1} (cache['c_prev'])", {"df_ct": True}),
        ("the forget and input gates are swapped: df_t = dC_t ⊙ C_{t-1} and di_t = dC_t ⊙ C̃_t",
         {"swap_fi": True}),
        ("the candidate's derivative is 1 − C̃_t² (it uses tanh), not C̃_t ⊙ (1 − C̃_t)", {"cand_sig": True}),
        ("the tanh derivative (1 − C̃_t²) of the candidate C̃_t is missing", {"no_dtanh_cand": True}),
        ("the sigmoid derivatives are missing: for each gate, e.g. da_f = df_t ⊙ f_t ⊙ (1 − f_t)",
         {"no_sig": ("f", "i", "o")}),
        ("the W_* are applied transposed: dh_prev = Σ da_* @ W_* (not W_*.T)", {"w_t": True}),
        ("the gradients are averaged over the batch; sum them instead", {"mean": True}),
    ]
    for g in ("f", "i", "o"):
        out.append((f"the sigmoid derivative {g}_t ⊙ (1 − {g}_t) of the {NAMES[g]} is missing",
                    {"no_sig": (g,)}))
    for g in GATES:
        out.append((f"dh_prev and dx_t must add up all four gates; the {NAMES[g]}'s term "
                    f"(da_{g} @ W_{g}, da_{g} @ U_{g}) is missing", {"drop": g}))
    return out


def _cell_b(fn, dh, dc, cache, context):
    __tracebackhide__ = True
    result = _call(fn, CELL_B, {"dh_t": dh, "dc_t": dc, "cache": cache}, nested=("cache",))
    dx, dh_prev, dc_prev, grads = _unpack(result, CELL_B, ("dx_t", "dh_prev", "dc_prev", "grads"))
    want = lstm_cell_backward(dh, dc, cache)
    got = []
    for name, value, w in zip(("dx_t", "dh_prev", "dc_prev"), (dx, dh_prev, dc_prev), want):
        value = as_result_array(value, CELL_B, name)
        require_shape(value, w.shape, CELL_B, name, context)
        got.append(value)
    return (*got, _grads(grads, CELL_B, context, want[3])), want


def _gate_hint(name, got, want) -> str:
    """Which gates' parameter gradients are wrong, in words."""
    __tracebackhide__ = True
    bad = [g for g in GATES if not all(close(got[3][f"{k}_{g}"], want[3][f"{k}_{g}"]) for k in "WUb")]
    if not bad:
        for k, label in zip(range(3), ("dx_t", "dh_prev", "dc_prev")):
            if not close(got[k], want[k]):
                return f"{name}: {label} is wrong (off by up to {max_diff(got[k], want[k]):.3g})"
        return f"{name}: the result is wrong"
    for g in bad:
        wrong = [f"{k}_{g}" for k in "WUb" if not close(got[3][f"{k}_{g}"], want[3][f"{k}_{g}"])]
        if wrong == [f"W_{g}"] and close(got[3][f"W_{g}"].T, want[3][f"W_{g}"]):
            return f'{name}: grads["W_{g}"] is transposed: it is da_{g}^T h_prev, shaped like W_{g}'
    names = ", ".join(NAMES[g] for g in bad)
    return (f"{name}: the parameter gradients of the {names} are wrong (da_* is the gradient at the "
            f"gate's pre-activation; dW_* = da_*^T h_prev, dU_* = da_*^T x_t, db_* = Σ da_*)")


def check_lstm_cell_backward_shapes(fn, *, hidden: bool = False) -> None:
    """dx_t, dh_prev, dc_prev and the twelve gradients have the right shapes."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 45)
    _, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    for lead, context in (((), "a single example"), ((B,), f"a batch of {B}")):
        _, _, cache = lstm_cell_forward(rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)),
                                        rng.normal(size=(*lead, H)), p)
        _cell_b(fn, rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H)), cache, context)
    passed(f"{CELL_B} returns dx_t, dh_prev, dc_prev and twelve gradients of the right shapes", hidden)


def check_lstm_cell_backward_values(fn, *, hidden: bool = False) -> None:
    """Each path on its own (dc_t = 0, then dh_t = 0), then both, for a batch."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 46)
    _, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    cases = (((), "dh", "only dh_t (dc_t = 0, as at the last step)"),
             ((), "dc", "only dc_t (dh_t = 0)"),
             ((B,), "both", f"a batch of {B} with dh_t and dc_t"))
    for lead, which, context in cases:
        _, _, cache = lstm_cell_forward(rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)),
                                        rng.normal(size=(*lead, H)), p)
        dh = rng.normal(size=(*lead, H)) if which != "dc" else np.zeros((*lead, H))
        dc = rng.normal(size=(*lead, H)) if which != "dh" else np.zeros((*lead, H))
        got, want = _cell_b(fn, dh, dc, cache, context)
        if _same(got, want):
            continue
        mutants = [(msg, (lambda kw=kw: _bwd(dh, dc, cache, **kw))) for msg, kw in _bwd_mistakes()]
        message = _first_match(got, want, mutants)
        if message:
            raise FeedbackError(f"{CELL_B}: {message}")
        raise FeedbackError(_gate_hint(CELL_B, got, want) + f" (with {context})")
    passed(f"{CELL_B} gives the right dx_t, dh_prev, dc_prev and gradients for every gate", hidden)


# --------------------------------------------------------------------------- sequence backward


def _seq_bwd(dhs, caches, *, carry_h=True, carry_c=True, overwrite=False, **kw):
    __tracebackhide__ = True
    dh_next = np.zeros_like(caches[0]["h_prev"])
    dc_next = np.zeros_like(caches[0]["c_prev"])
    dX = [None] * len(caches)
    total = {k: 0.0 for k in KEYS}
    for t in reversed(range(len(caches))):
        dh = dhs[t] + (dh_next if carry_h else 0.0)
        dX[t], dh_next, dc_prev, g = _bwd(dh, dc_next if carry_c else 0.0 * dc_next, caches[t], **kw)
        dc_next = dc_prev
        total = {k: g[k] if overwrite else total[k] + g[k] for k in KEYS}
    return np.stack(dX), dh_next, dc_next, total


def _make_caches(X, h0, c0, p):
    """The per-step caches of rnn_course.lstm_cell_forward, as the exercise hands them out."""
    __tracebackhide__ = True
    caches, h, c = [], h0, c0
    for t in range(X.shape[0]):
        h, c, cache = lstm_cell_forward(X[t], h, c, p)
        caches.append(cache)
    return caches


def _seq_b(fn, dhs, caches, context):
    __tracebackhide__ = True
    result = _call(fn, SEQ_B, {"dhs": dhs, "cache": caches}, nested=("cache",))
    dX, dh0, dc0, grads = _unpack(result, SEQ_B, ("dX", "dh0", "dc0", "grads"))
    want = _seq_bwd(dhs, caches)
    got = []
    for name, value, w in zip(("dX", "dh0", "dc0"), (dX, dh0, dc0), want):
        value = as_result_array(value, SEQ_B, name)
        require_shape(value, w.shape, SEQ_B, name, context)
        got.append(value)
    return (*got, _grads(grads, SEQ_B, context, want[3])), want


def check_lstm_backward_shapes(fn, *, hidden: bool = False) -> None:
    """dX, dh0, dc0 and the twelve gradients have the right shapes."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 47)
    T, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    for shape, context in (((T,), f"{T} steps"), ((T, B), f"a batch of {B}, {T} steps")):
        caches = _make_caches(rng.normal(size=(*shape, D)), np.zeros((*shape[1:], H)),
                              np.zeros((*shape[1:], H)), p)
        _seq_b(fn, rng.normal(size=(*shape, H)), caches, context)
    passed(f"{SEQ_B} returns dX, dh0, dc0 and twelve gradients of the right shapes", hidden)


def check_lstm_backward_values(fn, *, hidden: bool = False) -> None:
    """One step, then sequences: both gradients carried back, grads summed over time."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 48)
    T, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    for shape, context in (((1,), "one step"), ((T,), f"{T} steps"), ((T, B), f"a batch of {B}, {T} steps")):
        caches = _make_caches(rng.normal(size=(*shape, D)), rng.normal(size=(*shape[1:], H)),
                              rng.normal(size=(*shape[1:], H)), p)
        dhs = rng.normal(size=(*shape, H))
        got, want = _seq_b(fn, dhs, caches, context)
        if _same(got, want):
            continue
        mutants = [
            ("the gradient from the next step's cell state is not carried: pass each step's dc_prev "
             "to the step before as its dc_t (zeros at the last step)",
             lambda: _seq_bwd(dhs, caches, carry_c=False)),
            ("the gradient flowing back through h is lost: at step t use dh = dhs[t] + dh_next, "
             "where dh_next is the dh_prev of step t+1", lambda: _seq_bwd(dhs, caches, carry_h=False)),
            ("the gradients are not summed over time: the parameters are shared by every step, so "
             "add up (+=) each step's grads instead of overwriting them",
             lambda: _seq_bwd(dhs, caches, overwrite=True)),
        ]
        mutants += [("at every step, " + msg, (lambda kw=kw: _seq_bwd(dhs, caches, **kw)))
                    for msg, kw in _bwd_mistakes()]
        message = _first_match(got, want, mutants)
        if message:
            raise FeedbackError(f"{SEQ_B}: {message}")
        if not close(got[1], want[1]) or not close(got[2], want[2]):
            raise FeedbackError(
                f"{SEQ_B}: dh0 or dc0 is wrong for {context}: they are the dh_prev and dc_prev of "
                f"step 0, after the loop has gone back through every step"
            )
        raise FeedbackError(_gate_hint(SEQ_B, got, want) + f" (with {context})")
    passed(f"{SEQ_B} backpropagates through time: dX, dh0, dc0 and gradients summed over steps", hidden)
