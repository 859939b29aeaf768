"""Feedback checks for the GRU cell and sequence backward passes (exercise ex05-gru, Parts 3 and 4).

The checks hand the learner caches of the reference ``gru_cell_forward`` (the cache
contract: one cell cache for Part 3, the list of the T cell caches for Part 4, biases
included in both), so each part is graded on its own, and compare a wrong answer with the
typical mistakes (``BACKWARD_MISTAKES``).
"""

from __future__ import annotations


from ..._arrays import flat as _flat
from ...layers.gru import PARAM_NAMES as PARAMS
from ...layers.gru import gru_cell_backward, gru_cell_forward
from ...layers.unroll import unroll
from .._core import FeedbackError, as_result_array, builds_on, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack_triple
from .._inputs import case, gru_params
from .._sequence import bptt, diagnose_bptt
from .._watch import uses
from .forward import _gru_hint

CELL_B, SEQ_B = "gru_cell_backward", "gru_backward"
GATES = ("z", "r", "h")


# ----------------------------------------------------------------- cell backward

#: Typical mistakes in the cell backward: (headline, detail) of the message each one gets.
BACKWARD_MISTAKES = {
    "no_direct": ("dh_prev misses the direct path through (1 − z_t)", "Add dh_t * (1 - z_t)."),
    "no_z_path": ("dh_prev misses the path through the update gate",
                  "h_{t-1} enters z_t's pre-activation: add da_z @ W_z."),
    "no_r_path": ("dh_prev misses the path through the reset gate",
                  "h_{t-1} enters r_t's pre-activation: add da_r @ W_r."),
    "no_cand_path": ("dh_prev misses the path through the candidate",
                     "h_{t-1} enters h̃_t as r_t ⊙ h_{t-1}: add (da_h @ W_h) * r_t."),
    "cand_path_no_r": ("multiply da_h @ W_h by r_t in dh_prev",
                       "The candidate sees r_t ⊙ h_{t-1}, so its path to h_{t-1} is (da_h @ W_h) * r_t."),
    "flip_dz": ("dz_t has the wrong sign",
                "h_t = h_{t-1} + z_t ⊙ (h̃_t − h_{t-1}), so dz_t = dh_t * (h_tilde - h_prev)."),
    "no_z_in_cand": ("the gradient reaching h̃_t misses the factor z_t",
                     "h̃_t is weighed by z_t, so dh̃_t = dh_t * z_t."),
    "no_tanh": ("the derivative of tanh is missing", "da_h = dh_tilde * (1 - h_tilde**2)."),
    "no_sig_z": ("σ′ of the update gate is missing", "da_z = dz_t * z_t * (1 - z_t)."),
    "no_sig_r": ("σ′ of the reset gate is missing", "da_r = dr_t * r_t * (1 - r_t)."),
    "dr_no_h": ("dr_t misses the factor h_{t-1}",
                "r_t multiplies h_{t-1}, so dr_t = (da_h @ W_h) * h_prev."),
    "dWh_no_r": ('grads["W_h"] needs r_t ⊙ h_{t-1}, not h_{t-1}',
                 "W_h multiplies the candidate's input, which is r_t ⊙ h_{t-1}, not h_{t-1}."),
    "dx_no_z": ("dx_t misses the update gate's term", "Add da_z @ U_z."),
    "dx_no_r": ("dx_t misses the reset gate's term", "Add da_r @ U_r."),
    "dx_no_h": ("dx_t misses the candidate's term", "Add da_h @ U_h."),
}


def _backward_variant(dh, c, m: str = ""):
    """The cell backward with the mistake ``m`` (a key of BACKWARD_MISTAKES)."""
    __tracebackhide__ = True
    x, h, z, r, ht = (c[k] for k in ("x_t", "h_prev", "z_t", "r_t", "h_tilde"))
    dz = dh * ((h - ht) if m == "flip_dz" else (ht - h))
    dht = dh if m == "no_z_in_cand" else dh * z
    da_h = dht if m == "no_tanh" else dht * (1 - ht**2)
    d_rh = da_h @ c["W_h"]
    dr = d_rh if m == "dr_no_h" else d_rh * h
    da_z = dz if m == "no_sig_z" else dz * z * (1 - z)
    da_r = dr if m == "no_sig_r" else dr * r * (1 - r)
    paths = {"no_direct": dh * (1 - z), "no_z_path": da_z @ c["W_z"],
             "no_r_path": da_r @ c["W_r"],
             "no_cand_path": d_rh * (1 if m == "cand_path_no_r" else r)}
    dh_prev = sum(v for k, v in paths.items() if k != m)
    terms = {"dx_no_z": da_z @ c["U_z"], "dx_no_r": da_r @ c["U_r"],
             "dx_no_h": da_h @ c["U_h"]}
    dx = sum(v for k, v in terms.items() if k != m)
    xf, hf = _flat(x), _flat(h)
    rh = hf if m == "dWh_no_r" else _flat(r * h)
    das = {"z": _flat(da_z), "r": _flat(da_r), "h": _flat(da_h)}
    grads = {f"U_{g}": das[g].T @ xf for g in GATES}
    grads.update({f"b_{g}": das[g].sum(axis=0) for g in GATES})
    grads.update(W_z=das["z"].T @ hf, W_r=das["r"].T @ hf, W_h=das["h"].T @ rh)
    return {"dx_t": dx, "dh_prev": dh_prev, **grads}


def _grads(grads, name, context, shapes):
    __tracebackhide__ = True
    missing = [k for k in PARAMS if k not in grads]
    if missing:
        raise FeedbackError(
            f"{name}: grads is missing {missing[0]!r}.\nIt must "
            f"have the nine keys of params: {', '.join(PARAMS)}.")
    out = {}
    for k in PARAMS:
        g = as_result_array(grads[k], name, f'grads["{k}"]')
        if k[0] == "b" and g.ndim >= 2 and g.shape[-1] == shapes[k][0]:
            raise FeedbackError(
                f'{name}: grads["{k}"] must be summed over the batch.\nIt has shape {g.shape} for '
                f"{context}: sum it over the batch axis (and time), to shape {shapes[k]}.")
        require_result_shape(g, shapes[k], name, f'grads["{k}"]', context)
        out[k] = g
    return out


def _learner_backward(fn, name, names, upstream, cache, want, context, used=None):
    """Call a backward function; its outputs by name, checked for shape."""
    __tracebackhide__ = True
    arg = "dh_t" if name == CELL_B else "dhs"
    params = cache if name == CELL_B else cache[0]
    result = call_learner(fn, name, {arg: upstream, "cache": cache}, hint=_gru_hint(params, upstream),
                          used=used)
    d1, d2, grads = unpack_triple(result, name, *names)
    got = {}
    for key, value in zip(names, (d1, d2)):
        got[key] = as_result_array(value, name, key)
        require_result_shape(got[key], want[key].shape, name, key, context)
    shapes = {k: want[k].shape for k in PARAMS}
    got.update(_grads(grads, name, context, shapes))
    return got


def _all_close(got, want, keys=None):
    __tracebackhide__ = True
    return all(close(got[k], want[k]) for k in (keys or want))


def _diagnose_cell_backward(got, want, dh, cache, batch) -> None:
    __tracebackhide__ = True
    if _all_close(got, want):
        return
    for m, (head, detail) in BACKWARD_MISTAKES.items():
        alt = _backward_variant(dh, cache, m)
        changed = [k for k in want if not close(alt[k], want[k])]
        if changed and _all_close(got, alt, changed):
            raise FeedbackError(f"{CELL_B}: {head}.\n{detail}")
    if batch and all(close(got[k] * batch, want[k]) for k in PARAMS):
        raise FeedbackError(f"{CELL_B}: gradients are averaged over the batch.\nSum them instead.")
    hints = {"dx_t": "dx_t = da_z @ U_z + da_r @ U_r + da_h @ U_h",
             "dh_prev": "dh_prev adds four paths: dh_t * (1 - z_t), "
                        "da_z @ W_z, da_r @ W_r and (da_h @ W_h) * r_t"}
    for k in want:
        if close(got[k], want[k]):
            continue
        g = got[k]
        if g.ndim == 2 and g.shape[0] == g.shape[1] and close(g.T, want[k]):
            raise FeedbackError(
                f'{CELL_B}: grads["{k}"] is transposed.\nIt is da^T times the '
                f"input, shaped like params[\"{k}\"].")
        what = k if k in hints else f'grads["{k}"]'
        raise FeedbackError(
            f"{CELL_B}: {what} is wrong.\nIt is off by up to "
            f"{max_diff(got[k], want[k]):.3g}." +
            (f" {hints[k]}." if k in hints else ""))


def _want_cell(dh, cache):
    __tracebackhide__ = True
    dx, dh_prev, grads = gru_cell_backward(dh, cache)
    return {"dx_t": dx, "dh_prev": dh_prev, **grads}


def check_gru_cell_backward(fn, *, hidden: bool = False) -> None:
    """dx_t, dh_prev and the nine gradients, single and batched."""
    __tracebackhide__ = True
    rng, (_, B, D, H), p = case(hidden, 55, gru_params)
    for lead, context in (((), "a single example"),
                          ((B,), f"a batch of {B}")):
        _, cache = gru_cell_forward(rng.normal(size=(*lead, D)),
                                    rng.normal(size=(*lead, H)), p)
        dh = rng.normal(size=(*lead, H))
        want = _want_cell(dh, cache)
        got = _learner_backward(fn, CELL_B, ("dx_t", "dh_prev"), dh, cache,
                                want, context)
        _diagnose_cell_backward(got, want, dh, cache, B if lead else None)
    passed(f"{CELL_B} gives the right dx_t, dh_prev and the nine parameter "
           f"gradients, single and batched", hidden)


# ------------------------------------------------------------- sequence backward


def _cell_backward(dh, cache):
    __tracebackhide__ = True
    dx, dh_prev, grads = gru_cell_backward(dh, cache)
    return dx, dh_prev, {k: grads[k] for k in PARAMS}


def check_gru_backward(fn, *, cell=None, hidden: bool = False) -> None:
    """A one-step sequence, then longer sequences, single and batched. ``cache`` is the list of
    the T cell caches of the reference ``gru_cell_forward``.

    ``cell`` is the learner's ``gru_cell_backward``: when ``fn`` runs it and it fails its own
    check, the message says to fix Part 3 first.
    """
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 56, gru_params)
    used = uses(cell, CELL_B, 3, check_gru_cell_backward)
    with builds_on(SEQ_B, used, hidden):
        for shape, context in (((1,), "a sequence of one step"),
                               ((T,), f"a sequence of {T} steps"),
                               ((T, B), f"a batch of {B} sequences of {T} steps")):
            lead = shape[1:]
            hs, caches = unroll(gru_cell_forward, rng.normal(size=(*shape, D)), rng.normal(size=(*lead, H)),
                                params=p)
            dhs = rng.normal(size=hs.shape)
            want = bptt(_cell_backward, dhs, caches)
            got = _learner_backward(fn, SEQ_B, ("dX", "dh0"), dhs, caches, want, context, used)
            diagnose_bptt(SEQ_B, CELL_B, got, want, dhs, caches, _cell_backward, PARAMS, part=3)
    passed(f"{SEQ_B} backpropagates through time: dX, dh0 and the gradients "
           f"summed over steps", hidden)
