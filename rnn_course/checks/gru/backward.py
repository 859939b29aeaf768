"""Feedback checks for the GRU cell and sequence backward passes (exercise ex05-gru, Parts 3 and 4).

The checks hand the learner the caches of the reference forward functions, so each part
is graded on its own, and compare a wrong answer with the typical mistakes
(``BACKWARD_MISTAKES``).
"""

from __future__ import annotations

import numpy as np

from ..._arrays import flat as _flat
from ...layers.gru import PARAM_NAMES as PARAMS
from ...layers.gru import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from .._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from .._core import require_result_shape, unpack_triple
from .._inputs import case, gru_params

CELL_B, SEQ_B = "gru_cell_backward", "gru_backward"
GATES = ("z", "r", "h")


# ----------------------------------------------------------------- cell backward

#: Typical mistakes in the cell backward, with the message each one gets.
BACKWARD_MISTAKES = {
    "no_direct": "dh_prev misses the direct path through (1 − z_t): "
                 "add dh_t * (1 - z_t)",
    "no_z_path": "dh_prev misses the path through the update gate's "
                 "pre-activation: add da_z @ W_z",
    "no_r_path": "dh_prev misses the path through the reset gate's "
                 "pre-activation: add da_r @ W_r",
    "no_cand_path": "dh_prev misses the path through the candidate, where "
                    "h_{t-1} enters as r_t ⊙ h_{t-1}: add (da_h @ W_h) * r_t",
    "cand_path_no_r": "in the path through the candidate, multiply "
                      "da_h @ W_h by r_t (the candidate sees r_t ⊙ h_{t-1})",
    "flip_dz": "dz_t has the wrong sign: h_t = h_{t-1} + z_t ⊙ (h̃_t − h_{t-1}), "
               "so dz_t = dh_t * (h_tilde - h_prev)",
    "no_z_in_cand": "the gradient reaching the candidate is dh_t * z_t "
                    "(h̃_t is weighed by z_t)",
    "no_tanh": "the derivative of tanh is missing: da_h = dh_tilde * "
               "(1 - h_tilde**2)",
    "no_sig_z": "the derivative of the sigmoid is missing for the update "
                "gate: da_z = dz_t * z_t * (1 - z_t)",
    "no_sig_r": "the derivative of the sigmoid is missing for the reset "
                "gate: da_r = dr_t * r_t * (1 - r_t)",
    "dr_no_h": "dr_t is the gradient of r_t ⊙ h_{t-1} times h_{t-1}: "
               "dr_t = (da_h @ W_h) * h_prev",
    "dWh_no_r": 'grads["W_h"] multiplies the candidate\'s input, which is '
                "r_t ⊙ h_{t-1}, not h_{t-1}",
    "dx_no_z": "dx_t misses the update gate's term da_z @ U_z",
    "dx_no_r": "dx_t misses the reset gate's term da_r @ U_r",
    "dx_no_h": "dx_t misses the candidate's term da_h @ U_h",
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
            f"{name}: grads is missing {', '.join(map(repr, missing))}; it must "
            f"have the nine keys of params: {', '.join(PARAMS)}")
    out = {}
    for k in PARAMS:
        g = as_result_array(grads[k], name, f'grads["{k}"]')
        if k[0] == "b" and g.ndim >= 2 and g.shape[-1] == shapes[k][0]:
            raise FeedbackError(
                f'{name}: grads["{k}"] has shape {g.shape} for {context}: sum '
                f"it over the batch axis (and time), to shape {shapes[k]}")
        require_result_shape(g, shapes[k], name, f'grads["{k}"]', context)
        out[k] = g
    return out


def _learner_backward(fn, name, names, upstream, cache, want, context):
    """Call a backward function; its outputs by name, checked for shape."""
    __tracebackhide__ = True
    arg = "dh_t" if name == CELL_B else "dhs"
    result = call_learner(fn, name, {arg: upstream, "cache": cache})
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
    for m, message in BACKWARD_MISTAKES.items():
        alt = _backward_variant(dh, cache, m)
        changed = [k for k in want if not close(alt[k], want[k])]
        if changed and _all_close(got, alt, changed):
            raise FeedbackError(f"{CELL_B}: {message}")
    if batch and all(close(got[k] * batch, want[k]) for k in PARAMS):
        raise FeedbackError(f"{CELL_B}: gradients are averaged over the batch; "
                            f"sum them instead")
    hints = {"dx_t": "dx_t = da_z @ U_z + da_r @ U_r + da_h @ U_h",
             "dh_prev": "dh_prev adds four paths: dh_t * (1 - z_t), "
                        "da_z @ W_z, da_r @ W_r and (da_h @ W_h) * r_t"}
    for k in want:
        if close(got[k], want[k]):
            continue
        g = got[k]
        if g.ndim == 2 and g.shape[0] == g.shape[1] and close(g.T, want[k]):
            raise FeedbackError(
                f'{CELL_B}: grads["{k}"] is transposed: it is da^T times the '
                f"input, shaped like params[\"{k}\"]")
        what = k if k in hints else f'grads["{k}"]'
        raise FeedbackError(
            f"{CELL_B}: {what} is wrong, off by up to "
            f"{max_diff(got[k], want[k]):.3g}" +
            (f" ({hints[k]})" if k in hints else ""))


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


def step_caches(cache) -> list[dict]:
    """Cell caches, one per step, from the cache of the reference gru_forward."""
    __tracebackhide__ = True
    X, h0, hs, gates = cache["X"], cache["h0"], cache["hs"], cache["gates"]
    H = hs.shape[-1]
    W_zr, U = cache["W_zr"], cache["U"]
    zeros = np.zeros(H)
    shared = {"variant": "sources", "W_z": W_zr[:H], "W_r": W_zr[H:],
              "W_h": cache["W_h"], "U_z": U[:H], "U_r": U[H:2 * H],
              "U_h": U[2 * H:], "b_z": zeros, "b_r": zeros, "b_h": zeros}
    return [{**shared, "x_t": X[t], "h_prev": h0 if t == 0 else hs[t - 1],
             "z_t": gates[t, ..., :H], "r_t": gates[t, ..., H:2 * H],
             "h_tilde": gates[t, ..., 2 * H:]} for t in range(X.shape[0])]


def _bptt(dhs, cache, *, carry=True, overwrite=False, same_step_h=False,
          swap_zr=False):
    """BPTT through the reference cell backward, with an optional mistake."""
    __tracebackhide__ = True
    steps, hs = step_caches(cache), cache["hs"]
    total = {k: 0.0 for k in PARAMS}
    dX, dh_next = np.empty_like(cache["X"]), np.zeros_like(cache["h0"])
    for t in reversed(range(len(steps))):
        c = steps[t]
        if same_step_h:
            c = {**c, "h_prev": hs[t]}
        if swap_zr:
            c = {**c, "z_t": c["r_t"], "r_t": c["z_t"]}
        dX[t], dh_prev, g = gru_cell_backward(
            dhs[t] + (dh_next if carry else 0.0), c)
        dh_next = dh_prev
        total = {k: g[k] if overwrite else total[k] + g[k] for k in PARAMS}
    return {"dX": dX, "dh0": dh_next, **total}


def _diagnose_seq_backward(got, want, dhs, cache) -> None:
    __tracebackhide__ = True
    if _all_close(got, want):
        return
    T = dhs.shape[0]
    if T > 1 and _all_close(got, _bptt(dhs, cache, carry=False), ["dX"]):
        raise FeedbackError(
            f"{SEQ_B}: the gradient flowing back through time is lost: at step "
            f"t use dh = dhs[t] + dh_next, where dh_next is the dh_prev "
            f"returned by step t+1")
    if _all_close(got, _bptt(dhs, cache, swap_zr=True), ["dX"]):
        raise FeedbackError(
            f'{SEQ_B}: z_t and r_t are swapped: cache["gates"][t] holds z_t '
            f"in [..., :H], r_t in [..., H:2*H] and h̃_t in [..., 2*H:]")
    if _all_close(got, _bptt(dhs, cache, same_step_h=True), ["dX"]):
        raise FeedbackError(
            f"{SEQ_B}: wrong time index for h_prev: step t reads hs[t-1] "
            f"(h0 when t = 0), not hs[t]")
    if _all_close(got, want, ["dX", "dh0"]):
        bad = [k for k in PARAMS if not close(got[k], want[k])]
        over = _bptt(dhs, cache, overwrite=True)
        if T > 1 and _all_close(got, over, bad):
            raise FeedbackError(
                f"{SEQ_B}: dX and dh0 are right but the gradients are those "
                f"of one step: the parameters are shared by every step, so "
                f"add up each step's gradients (+=) instead of overwriting them")
        raise FeedbackError(
            f'{SEQ_B}: dX and dh0 are right but grads["{bad[0]}"] is wrong '
            f"(off by up to {max_diff(got[bad[0]], want[bad[0]]):.3g}): add "
            f"each step's gradient, for every one of the nine parameters")
    if not close(got["dh0"], want["dh0"]) and close(got["dX"], want["dX"]):
        raise FeedbackError(
            f"{SEQ_B}: dh0 is wrong (off by up to "
            f"{max_diff(got['dh0'], want['dh0']):.3g}): it is the dh_prev of "
            f"step 0, after the loop has gone back through every step "
            f"(if Part 3 does not pass yet, make it pass first)")
    dX, wdX = got["dX"], want["dX"]
    bad = max(t for t in range(T) if not close(dX[t], wdX[t])) \
        if not close(dX, wdX) else T - 1
    raise FeedbackError(
        f"{SEQ_B}: dX[{bad}] is wrong (off by up to "
        f"{max_diff(dX[bad], wdX[bad]):.3g}). Make Part 3 pass first, then "
        f"check each step's cell cache (x_t = X[t], h_prev = hs[t-1] or h0, "
        f"z_t, r_t, h_tilde from cache[\"gates\"][t], W_* and U_* sliced from "
        f'cache["W_zr"] and cache["U"])')


def check_gru_backward(fn, *, hidden: bool = False) -> None:
    """A one-step sequence, then longer sequences, single and batched."""
    __tracebackhide__ = True
    rng, (T, B, D, H), p = case(hidden, 56, gru_params)
    for shape, context in (((1,), "a sequence of one step"),
                           ((T,), f"a sequence of {T} steps"),
                           ((T, B), f"a batch of {B} sequences of {T} steps")):
        lead = shape[1:]
        _, cache = gru_forward(rng.normal(size=(*shape, D)),
                               rng.normal(size=(*lead, H)), p)
        dhs = rng.normal(size=(*shape, H))
        dX, dh0, grads = gru_backward(dhs, cache)
        want = {"dX": dX, "dh0": dh0, **grads}
        got = _learner_backward(fn, SEQ_B, ("dX", "dh0"), dhs, cache, want,
                                context)
        _diagnose_seq_backward(got, want, dhs, cache)
    passed(f"{SEQ_B} backpropagates through time: dX, dh0 and the gradients "
           f"summed over steps", hidden)
