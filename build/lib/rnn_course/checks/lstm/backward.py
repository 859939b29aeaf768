"""Feedback checks for the LSTM cell and sequence backward passes (exercise ex04-lstm, Parts 3 and 4).

The checks hand the learner caches made by the reference forward function
``rnn_course.lstm_cell_forward`` (the list of the T cell caches for the sequence), so each
part is graded on its own. A wrong answer is compared with mutants (``BACKWARD_MISTAKES``).
In the messages ``dc_t`` is the gradient arriving at C_t from the next step (the argument
of ``lstm_cell_backward``) and ``dc_total`` the total gradient at C_t,
``dc_total = dc_t + dh_t ⊙ o_t ⊙ (1 − tanh²(C_t))``, as in the exercise.
"""

from __future__ import annotations

import numpy as np

from ..._arrays import flat as _flat
from ...layers.lstm import lstm_cell_backward, lstm_cell_forward
from ...layers.unroll import unroll
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack
from .._inputs import case, lstm_params
from .._watch import uses
from ._common import CELL_B, GATES, KEYS, NAMES, SEQ_B, SHORT, _first_match, _grads, _same, lstm_hint, mistake


def _bwd(dh, dc_in, cache, *, no_f=False, no_h_path=False, no_dc_in=False, do_no_tanh=False,
         dtanh_c=False, twice_c=False, c_prev_for_c=False, df_ct=False, swap_fi=False, no_sig=(),
         twice_sig=(), no_dtanh_cand=False, twice_cand=False, cand_sig=False, drop=None, w_t=False,
         mean=False):
    """The backward step, with one chosen mistake (the defaults compute it right)."""
    __tracebackhide__ = True
    x, hp, cp = cache["x_t"], cache["h_prev"], cache["c_prev"]
    f, i, ct, o, C = (cache[k] for k in ("f_t", "i_t", "c_tilde", "o_t", "c_t"))
    p = cache["params"]
    Cu = cp if c_prev_for_c else C
    tc = np.tanh(Cu)
    do = dh * (Cu if do_no_tanh else tc)
    dtanh = (1 - Cu**2) if dtanh_c else (1 - tc**2)
    dtanh = dtanh**2 if twice_c else dtanh
    total = (0.0 if no_dc_in else dc_in) + (0.0 if no_h_path else dh * o * dtanh)
    df = total * (C if df_ct else cp)
    di = total * ct
    if swap_fi:
        df, di = total * ct, total * cp
    dct = total * i
    dc_prev = total if no_f else total * f
    gate = {"f": f, "i": i, "o": o}

    def dsig(g):
        d = gate[g] * (1 - gate[g])
        return 1.0 if g in no_sig else d * d if g in twice_sig else d

    da = {g: d * dsig(g) for g, d in (("f", df), ("i", di), ("o", do))}
    dcand = ct * (1 - ct) if cand_sig else 1 - ct**2
    da["c"] = dct * (1.0 if no_dtanh_cand else dcand**2 if twice_cand else dcand)
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


def _backward_mistakes() -> dict[str, tuple[tuple[str, str], dict]]:
    """{name: ((headline, detail), keyword arguments of _bwd)} for the typical mistakes, most telling first."""
    total = "dc_total = dc_t + dh_t ⊙ o_t ⊙ (1 − tanh²(C_t))"
    out = {
        "no_f": (("dc_prev forgets the factor f_t",
                  "C_t = f_t ⊙ C_{t-1} + ..., so dc_prev = dc_total ⊙ f_t."), {"no_f": True}),
        "no_h_path": (("dc_total misses the path through h_t", f"{total}."), {"no_h_path": True}),
        "no_dc_in": (("the incoming dc_t is not added to dc_total",
                      f"dc_t is the gradient arriving from the next step's cell state: {total}."),
                     {"no_dc_in": True}),
        "do_no_tanh": (("tanh is missing on the cell state in do_t",
                        "h_t = o_t ⊙ tanh(C_t), so do_t = dh_t ⊙ tanh(C_t)."), {"do_no_tanh": True}),
        "dtanh_c": (("the derivative of tanh(C_t) is 1 − tanh²(C_t)",
                     "Not 1 − C_t²: C_t is not squashed, so take tanh(C_t) first."), {"dtanh_c": True}),
        "twice_c": (("tanh′(C_t) is applied twice",
                     f"{total}: one factor (1 − tanh²(C_t)), on the path through h_t only."), {"twice_c": True}),
        "c_prev_for_c": (("C_{t-1} is used where C_t belongs",
                          "The path through h_t = o_t ⊙ tanh(C_t) uses the new cell state cache['c_t']."),
                         {"c_prev_for_c": True}),
        "df_ct": (("df_t uses C_t where C_{t-1} belongs", "df_t = dc_total ⊙ C_{t-1} (cache['c_prev'])."),
                  {"df_ct": True}),
        "swap_fi": (("the forget and input gates are swapped",
                     "df_t = dc_total ⊙ C_{t-1} and di_t = dc_total ⊙ C̃_t."), {"swap_fi": True}),
        "twice_cand": (("tanh′ is applied twice to the candidate C̃_t",
                        "dC̃_t = dc_total ⊙ i_t is the gradient at C̃_t; multiply it by (1 − C̃_t²) "
                        "once, to get da_c = dC̃_t ⊙ (1 − C̃_t²)."), {"twice_cand": True}),
        "cand_sig": (("the candidate's derivative is 1 − C̃_t²",
                      "C̃_t uses tanh, so its derivative is 1 − C̃_t², not C̃_t ⊙ (1 − C̃_t)."),
                     {"cand_sig": True}),
        "no_dtanh_cand": (("tanh′ of the candidate C̃_t is missing",
                           "da_c = dC̃_t ⊙ (1 − C̃_t²), with dC̃_t = dc_total ⊙ i_t."), {"no_dtanh_cand": True}),
        "no_sig": (("the sigmoid derivatives are missing",
                    "For each gate, e.g. da_f = df_t ⊙ f_t ⊙ (1 − f_t)."), {"no_sig": ("f", "i", "o")}),
        "w_transposed": (("the W_* are applied transposed", "dh_prev = Σ da_* @ W_* (not W_*.T)."), {"w_t": True}),
        "mean": (("the gradients are averaged over the batch", "Sum them over the batch instead."), {"mean": True}),
    }
    for g in ("f", "i", "o"):
        out[f"no_sig_{g}"] = ((f"σ′ of the {NAMES[g]} is missing", f"da_{g} = d{g}_t ⊙ {g}_t ⊙ (1 − {g}_t)."),
                              {"no_sig": (g,)})
        out[f"twice_sig_{g}"] = ((f"σ′ is applied twice to the {NAMES[g]}",
                                  f"Multiply d{g}_t by {g}_t ⊙ (1 − {g}_t) once: da_{g} = d{g}_t ⊙ {g}_t ⊙ (1 − {g}_t)."),
                                 {"twice_sig": (g,)})
    for g in GATES:
        out[f"drop_{g}"] = ((f"dh_prev and dx_t miss the {SHORT[g]}'s term",
                             f"They add up all four gates: da_{g} @ W_{g} and da_{g} @ U_{g} are missing."),
                            {"drop": g})
    return out


#: The typical mistakes in the cell backward, by name: ((headline, detail), keyword arguments of _bwd).
BACKWARD_MISTAKES = _backward_mistakes()


def _cell_b(fn, dh, dc, cache, context):
    __tracebackhide__ = True
    args = {"dh_t": dh, "dc_t": dc, "cache": cache}
    result = call_learner(fn, CELL_B, args, hint=lstm_hint(cache["params"], dh))
    dx, dh_prev, dc_prev, grads = unpack(result, CELL_B, ("dx_t", "dh_prev", "dc_prev", "grads"))
    want = lstm_cell_backward(dh, dc, cache)
    got = []
    for name, value, w in zip(("dx_t", "dh_prev", "dc_prev"), (dx, dh_prev, dc_prev), want):
        value = as_result_array(value, CELL_B, name)
        require_result_shape(value, w.shape, CELL_B, name, context)
        got.append(value)
    return (*got, _grads(grads, CELL_B, context, want[3])), want


def _gate_error(name, got, want, context) -> FeedbackError:
    """Which result, or which gates' parameter gradients, are wrong, in words."""
    __tracebackhide__ = True
    bad = [g for g in GATES if not all(close(got[3][f"{k}_{g}"], want[3][f"{k}_{g}"]) for k in "WUb")]
    if not bad:
        for k, label in zip(range(3), ("dx_t", "dh_prev", "dc_prev")):
            if not close(got[k], want[k]):
                return FeedbackError(f"{name}: {label} is wrong.\nIt is off by up to "
                                     f"{max_diff(got[k], want[k]):.3g}, with {context}.")
        return FeedbackError(f"{name}: the result is wrong, with {context}.")
    for g in bad:
        wrong = [f"{k}_{g}" for k in "WUb" if not close(got[3][f"{k}_{g}"], want[3][f"{k}_{g}"])]
        if wrong == [f"W_{g}"] and close(got[3][f"W_{g}"].T, want[3][f"W_{g}"]):
            return FeedbackError(f'{name}: grads["W_{g}"] is transposed.\nIt is da_{g}^T h_prev, shaped like W_{g}.')
    names = ", ".join(NAMES[g] for g in bad)
    head = f"the {SHORT[bad[0]]}'s gradients are" if len(bad) == 1 else f"the gradients of {len(bad)} gates are"
    return FeedbackError(
        f"{name}: {head} wrong.\n"
        f"Wrong with {context}: the parameter gradients of the {names}. da_* is the gradient at the "
        f"gate's pre-activation; dW_* = da_*^T h_prev, dU_* = da_*^T x_t, db_* = Σ da_*."
    )


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
        mutants = [(found, (lambda kw=kw: _bwd(dh, dc, cache, **kw))) for found, kw in BACKWARD_MISTAKES.values()]
        found = _first_match(got, want, mutants)
        if found:
            raise mistake(CELL_B, found)
        raise _gate_error(CELL_B, got, want, context)
    passed(f"{CELL_B} gives the right dx_t, dh_prev, dc_prev and gradients for every gate", hidden)


# --------------------------------------------------------------------------- sequence backward


def _seq_bwd(dhs, caches, *, carry_h=True, carry_c=True, overwrite=False, **kw):
    __tracebackhide__ = True
    dh_next = np.zeros_like(caches[0]["h_prev"])
    dc_next = np.zeros_like(caches[0]["c_prev"])
    dX = [None] * len(caches)
    total = {k: 0.0 for k in KEYS}
    for k in reversed(range(len(caches))):
        dh = dhs[k] + (dh_next if carry_h else 0.0)
        dX[k], dh_next, dc_prev, g = _bwd(dh, dc_next if carry_c else 0.0 * dc_next, caches[k], **kw)
        dc_next = dc_prev
        total = {key: g[key] if overwrite else total[key] + g[key] for key in KEYS}
    return np.stack(dX), dh_next, dc_next, total


def _seq_b(fn, dhs, caches, context, used):
    __tracebackhide__ = True
    args = {"dhs": dhs, "cache": caches}
    result = call_learner(fn, SEQ_B, args, hint=lstm_hint(caches[0]["params"], dhs[0]), used=used)
    dX, dh0, dc0, grads = unpack(result, SEQ_B, ("dX", "dh0", "dc0", "grads"))
    want = _seq_bwd(dhs, caches)
    got = []
    for name, value, w in zip(("dX", "dh0", "dc0"), (dX, dh0, dc0), want):
        value = as_result_array(value, SEQ_B, name)
        require_result_shape(value, w.shape, SEQ_B, name, context)
        got.append(value)
    return (*got, _grads(grads, SEQ_B, context, want[3])), want


def _uses_cell(cell):
    __tracebackhide__ = True
    return uses(cell, CELL_B, 3, check_lstm_cell_backward_shapes, check_lstm_cell_backward_values)


def check_lstm_backward_shapes(fn, *, cell=None, hidden: bool = False) -> None:
    """dX, dh0, dc0 and the twelve gradients have the right shapes.

    ``cell`` is the learner's ``lstm_cell_backward``: when ``fn`` runs it and it fails its own
    checks, the message says to fix Part 3 first.
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 47, lstm_params)
    used = _uses_cell(cell)
    with builds_on(SEQ_B, used, hidden):
        for shape, context in (((T,), f"{T} steps"), ((T, B), f"a batch of {B}, {T} steps")):
            zeros = np.zeros((*shape[1:], H))
            *_, caches = unroll(lstm_cell_forward, rng.normal(size=(*shape, D)), zeros, zeros, params=p)
            _seq_b(fn, rng.normal(size=(*shape, H)), caches, context, used)
    passed(f"{SEQ_B} returns dX, dh0, dc0 and twelve gradients of the right shapes", hidden)


def check_lstm_backward_values(fn, *, cell=None, hidden: bool = False) -> None:
    """One step, then sequences: both gradients carried back, grads summed over time.

    ``cell`` is the learner's ``lstm_cell_backward`` (see :func:`check_lstm_backward_shapes`).
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 48, lstm_params)
    used = _uses_cell(cell)
    with builds_on(SEQ_B, used, hidden):
        for shape, context in (((1,), "one step"), ((T,), f"{T} steps"), ((T, B), f"a batch of {B}, {T} steps")):
            *_, caches = unroll(lstm_cell_forward, rng.normal(size=(*shape, D)), rng.normal(size=(*shape[1:], H)),
                                rng.normal(size=(*shape[1:], H)), params=p)
            dhs = rng.normal(size=(*shape, H))
            got, want = _seq_b(fn, dhs, caches, context, used)
            _diagnose_seq(got, want, dhs, caches, context)
    passed(f"{SEQ_B} backpropagates through time: dX, dh0, dc0 and gradients summed over steps", hidden)


def _diagnose_seq(got, want, dhs, caches, context) -> None:
    __tracebackhide__ = True
    if _same(got, want):
        return
    mutants = [
        (("the gradient from the next cell state is not carried",
          "Pass each step's dc_prev to the step before as its dc_t (zeros at the last step)."),
         lambda: _seq_bwd(dhs, caches, carry_c=False)),
        (("the gradient flowing back through h is lost",
          "For the step that read X[k] use dh = dhs[k] + dh_next, where dh_next is the dh_prev of the "
          "step after it (zeros after the last step)."), lambda: _seq_bwd(dhs, caches, carry_h=False)),
        (("the gradients are not summed over time",
          "The parameters are shared by every step: add up (+=) each step's grads instead of "
          "overwriting them."), lambda: _seq_bwd(dhs, caches, overwrite=True)),
    ]
    found = _first_match(got, want, mutants)
    if found:
        raise mistake(SEQ_B, found)
    step_mutants = [(f, (lambda kw=kw: _seq_bwd(dhs, caches, **kw))) for f, kw in BACKWARD_MISTAKES.values()]
    found = _first_match(got, want, step_mutants)
    if found:
        raise mistake(SEQ_B, found, "At every step: ")
    if not close(got[1], want[1]) or not close(got[2], want[2]):
        raise FeedbackError(
            f"{SEQ_B}: dh0 or dc0 is wrong.\nFor {context}, they are the dh_prev and dc_prev of the step "
            f"that read X[0], the last one the loop goes through."
        )
    raise _gate_error(SEQ_B, got, want, context)
