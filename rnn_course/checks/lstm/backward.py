"""Feedback checks for the LSTM cell and sequence backward passes (exercise ex04-lstm, Parts 3 and 4).

The checks hand the learner caches made by the reference forward function
``rnn_course.lstm_cell_forward`` (one per step for the sequence), so each part is graded
on its own. A wrong answer is compared with mutants (``BACKWARD_MISTAKES``).
"""

from __future__ import annotations

import numpy as np

from ..._arrays import flat as _flat
from ...layers.lstm import lstm_cell_backward, lstm_cell_forward
from .._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack
from .._inputs import case, lstm_params
from ._common import CELL_B, GATES, KEYS, NAMES, SEQ_B, _first_match, _grads, _same


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


def _backward_mistakes() -> dict[str, tuple[str, dict]]:
    """{name: (message, keyword arguments of _bwd)} for the typical mistakes, most telling first."""
    out = {
        "no_f": ("dc_prev forgets the factor f_t: C_t = f_t ⊙ C_{t-1} + ..., so dc_prev = dC_t ⊙ f_t", {"no_f": True}),
        "no_h_path": ("dC_t misses the path through h_t: dC_t = dc_t + dh_t ⊙ o_t ⊙ (1 − tanh²(C_t))",
                      {"no_h_path": True}),
        "no_dc_in": ("the gradient from the next step's cell state is not carried: dC_t = dc_t + "
                     "dh_t ⊙ o_t ⊙ (1 − tanh²(C_t)) starts from the incoming dc_t", {"no_dc_in": True}),
        "do_no_tanh": ("tanh is missing on the cell state: do_t = dh_t ⊙ tanh(C_t), and h_t depends on C_t "
                       "through tanh", {"do_no_tanh": True}),
        "dtanh_c": ("the derivative of tanh(C_t) is 1 − tanh²(C_t), not 1 − C_t²", {"dtanh_c": True}),
        "c_prev_for_c": ("C_{t-1} is used where C_t belongs: the path through h_t = o_t ⊙ tanh(C_t) uses the new "
                         "cell state cache['c_t']", {"c_prev_for_c": True}),
        "df_ct": ("C_t is used where C_{t-1} belongs: df_t = dC_t ⊙ C_{t-1} (cache['c_prev'])", {"df_ct": True}),
        "swap_fi": ("the forget and input gates are swapped: df_t = dC_t ⊙ C_{t-1} and di_t = dC_t ⊙ C̃_t",
                    {"swap_fi": True}),
        "cand_sig": ("the candidate's derivative is 1 − C̃_t² (it uses tanh), not C̃_t ⊙ (1 − C̃_t)",
                     {"cand_sig": True}),
        "no_dtanh_cand": ("the tanh derivative (1 − C̃_t²) of the candidate C̃_t is missing",
                          {"no_dtanh_cand": True}),
        "no_sig": ("the sigmoid derivatives are missing: for each gate, e.g. da_f = df_t ⊙ f_t ⊙ (1 − f_t)",
                   {"no_sig": ("f", "i", "o")}),
        "w_transposed": ("the W_* are applied transposed: dh_prev = Σ da_* @ W_* (not W_*.T)", {"w_t": True}),
        "mean": ("the gradients are averaged over the batch; sum them instead", {"mean": True}),
    }
    for g in ("f", "i", "o"):
        out[f"no_sig_{g}"] = (f"the sigmoid derivative {g}_t ⊙ (1 − {g}_t) of the {NAMES[g]} is missing",
                              {"no_sig": (g,)})
    for g in GATES:
        out[f"drop_{g}"] = (f"dh_prev and dx_t must add up all four gates; the {NAMES[g]}'s term "
                            f"(da_{g} @ W_{g}, da_{g} @ U_{g}) is missing", {"drop": g})
    return out


#: The typical mistakes in the cell backward, by name: (message, keyword arguments of _bwd).
BACKWARD_MISTAKES = _backward_mistakes()


def _cell_b(fn, dh, dc, cache, context):
    __tracebackhide__ = True
    result = call_learner(fn, CELL_B, {"dh_t": dh, "dc_t": dc, "cache": cache})
    dx, dh_prev, dc_prev, grads = unpack(result, CELL_B, ("dx_t", "dh_prev", "dc_prev", "grads"))
    want = lstm_cell_backward(dh, dc, cache)
    got = []
    for name, value, w in zip(("dx_t", "dh_prev", "dc_prev"), (dx, dh_prev, dc_prev), want):
        value = as_result_array(value, CELL_B, name)
        require_result_shape(value, w.shape, CELL_B, name, context)
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
    rng, (_, B, D, H), p = case(hidden, 45, lstm_params)
    for lead, context in (((), "a single example"), ((B,), f"a batch of {B}")):
        _, _, cache = lstm_cell_forward(rng.normal(size=(*lead, D)), rng.normal(size=(*lead, H)),
                                        rng.normal(size=(*lead, H)), p)
        _cell_b(fn, rng.normal(size=(*lead, H)), rng.normal(size=(*lead, H)), cache, context)
    passed(f"{CELL_B} returns dx_t, dh_prev, dc_prev and twelve gradients of the right shapes", hidden)


def check_lstm_cell_backward_values(fn, *, hidden: bool = False) -> None:
    """Each path on its own (dc_t = 0, then dh_t = 0), then both, for a batch."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 46, lstm_params)
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
        mutants = [(msg, (lambda kw=kw: _bwd(dh, dc, cache, **kw))) for msg, kw in BACKWARD_MISTAKES.values()]
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
    result = call_learner(fn, SEQ_B, {"dhs": dhs, "cache": caches})
    dX, dh0, dc0, grads = unpack(result, SEQ_B, ("dX", "dh0", "dc0", "grads"))
    want = _seq_bwd(dhs, caches)
    got = []
    for name, value, w in zip(("dX", "dh0", "dc0"), (dX, dh0, dc0), want):
        value = as_result_array(value, SEQ_B, name)
        require_result_shape(value, w.shape, SEQ_B, name, context)
        got.append(value)
    return (*got, _grads(grads, SEQ_B, context, want[3])), want


def check_lstm_backward_shapes(fn, *, hidden: bool = False) -> None:
    """dX, dh0, dc0 and the twelve gradients have the right shapes."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 47, lstm_params)
    for shape, context in (((T,), f"{T} steps"), ((T, B), f"a batch of {B}, {T} steps")):
        caches = _make_caches(rng.normal(size=(*shape, D)), np.zeros((*shape[1:], H)),
                              np.zeros((*shape[1:], H)), p)
        _seq_b(fn, rng.normal(size=(*shape, H)), caches, context)
    passed(f"{SEQ_B} returns dX, dh0, dc0 and twelve gradients of the right shapes", hidden)


def check_lstm_backward_values(fn, *, hidden: bool = False) -> None:
    """One step, then sequences: both gradients carried back, grads summed over time."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 48, lstm_params)
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
                    for msg, kw in BACKWARD_MISTAKES.values()]
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
