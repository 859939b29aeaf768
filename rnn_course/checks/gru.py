"""Feedback checks for the GRU (exercise ex05-gru).

The forward checks force the gates with saturating biases (``b_z = ±30`` with
``W_z = U_z = 0`` makes ``z_t`` 1 or 0 to machine precision) so that each part of the
cell can be tested on its own, then compare a wrong answer with the typical mistakes
(update gate the wrong way round, reset gate on the wrong term, ``W_*`` and ``U_*``
swapped, a missing bias, ...). Those run with ``D == H`` so that a swapped ``W``/``U``
gives numbers instead of a shape error. The backward checks receive the caches of the
reference forward functions, so each part is graded on its own.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers.activations import sigmoid
from ..layers.gru import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from .._arrays import flat as _flat
from ._sequence import diagnose_states, require_states_shape
from ._core import (
    unpack_triple as _unpack_triple,
    FeedbackError,
    as_result_array,
    call_learner,
    close,
    max_diff,
    passed,
    require_shape,
    rng_for,
    unpack_pair,
)
from .rnn import _sizes

CELL, SEQ = "gru_cell_forward", "gru_forward"
CELL_B, SEQ_B = "gru_cell_backward", "gru_backward"
COUNT = "gru_param_count"
GATES = ("z", "r", "h")
PARAMS = ("W_z", "W_r", "W_h", "U_z", "U_r", "U_h", "b_z", "b_r", "b_h")
SAT = 30.0  # σ(±30) is 1 or 0 to 1e-13


def _params(rng, D: int, H: int) -> dict[str, np.ndarray]:
    __tracebackhide__ = True
    shapes = {"W": (H, H), "U": (H, D), "b": (H,)}
    return {k: rng.normal(0, 0.6, shapes[k[0]]) for k in PARAMS}


def _force(p, gate: str, bias) -> dict[str, np.ndarray]:
    """Parameters with the gate ``z`` or ``r`` fixed to ``σ(bias)`` whatever the input."""
    __tracebackhide__ = True
    H = p["b_z"].shape[0]
    return {**p, f"W_{gate}": np.zeros_like(p[f"W_{gate}"]),
            f"U_{gate}": np.zeros_like(p[f"U_{gate}"]),
            f"b_{gate}": np.broadcast_to(np.asarray(bias, float), (H,)).copy()}


def _call(fn, name, args):
    """call_learner, with a GRU hint when a matrix product does not fit."""
    __tracebackhide__ = True
    try:
        return call_learner(fn, name, args)
    except FeedbackError as err:
        if isinstance(err.__cause__, ValueError) and "matmul" in str(err):
            raise FeedbackError(
                f"{err}\nIn the GRU, W_z, W_r, W_h (H, H) multiply h_prev and "
                f"U_z, U_r, U_h (H, D) multiply x_t: are a W and a U swapped?"
            ) from None
        raise


# ----------------------------------------------------------------- cell forward

#: Typical mistakes in the cell forward, with the message each one gets.
FORWARD_MISTAKES = {
    "flip_z": "the update gate is applied the wrong way round (h_t = z ⊙ h_{t-1} + "
              "(1 − z) ⊙ h̃_t): z_t = 1 must take the candidate, so "
              "h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t",
    "reset_x": "the reset gate is applied to the wrong term (to U_h x_t): it "
               "multiplies the previous state before W_h, W_h (r_t ⊙ h_{t-1})",
    "reset_after": "the reset gate is applied to the wrong term (after the matrix "
                   "product, r_t ⊙ (W_h h_{t-1}), as PyTorch does): this course "
                   "uses W_h (r_t ⊙ h_{t-1})",
    "reset_none": "the reset gate is not used: the candidate is "
                  "tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)",
    "reset_flip": "the candidate uses (1 − r_t) ⊙ h_{t-1}; it is r_t ⊙ h_{t-1}",
    "cand_sigmoid": "the candidate h̃_t uses the sigmoid; it is tanh(...)",
    "gate_tanh": "the gates use tanh; z_t and r_t use the sigmoid σ",
    "swap_zr": "the update and reset gates are swapped: z_t uses W_z, U_z, b_z "
               "and mixes the states; r_t uses W_r, U_r, b_r inside the candidate",
    "swap_h": "W_h and U_h are swapped in the candidate: W_h multiplies "
              "r_t ⊙ h_{t-1}, U_h multiplies x_t",
    "swap_z": "W_z and U_z are swapped in the update gate: W_z multiplies "
              "h_{t-1}, U_z multiplies x_t",
    "swap_r": "W_r and U_r are swapped in the reset gate: W_r multiplies "
              "h_{t-1}, U_r multiplies x_t",
    "transpose": "the W matrices are applied transposed: W h_{t-1} is "
                 "h_prev @ W.T",
    "no_b_z": "the bias b_z of the update gate is missing",
    "no_b_r": "the bias b_r of the reset gate is missing",
    "no_b_h": "the bias b_h of the candidate is missing",
}


def _variant(x, h, p, m: str = ""):
    """The GRU cell with the mistake ``m`` (a key of FORWARD_MISTAKES), or right."""
    __tracebackhide__ = True
    square = x.shape[-1] == h.shape[-1]
    if not square and (m.startswith("swap_") and m != "swap_zr" or m == "transpose"):
        return None

    def weights(g):
        W, U = p[f"W_{g}"], p[f"U_{g}"]
        if m == f"swap_{g}":
            W, U = U, W
        if m == "transpose":
            W = W.T
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
    result = _call(fn, CELL, {"x_t": x, "h_prev": h, "params": p})
    h_t, _ = unpack_pair(result, CELL, "h_t")
    h_t = as_result_array(h_t, CELL, "h_t")
    want, _ = gru_cell_forward(x, h, p)
    require_shape(h_t, want.shape, CELL, "h_t", context)
    return h_t, want


def _diagnose_forward(got, want, x, h, p, context: str, expected: str):
    __tracebackhide__ = True
    if close(got, want):
        return
    for m, message in FORWARD_MISTAKES.items():
        alt = _variant(x, h, p, m)
        if alt is not None and close(got, alt):
            raise FeedbackError(f"{CELL}: {message} (found with {context})")
    raise FeedbackError(
        f"{CELL}: with {context}, h_t should be {expected}; yours differs by "
        f"up to {max_diff(got, want):.3g}"
    )


def check_gru_cell_forward_shapes(fn, *, hidden: bool = False) -> None:
    """h_t is (H,) for a single example (D,) and (B, H) for a batch (B, D)."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 51)
    _, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    _cell(fn, rng.normal(size=D), rng.normal(size=H), p,
          f"a single example x_t ({D},), h_prev ({H},)")
    _cell(fn, rng.normal(size=(B, D)), rng.normal(size=(B, H)), p,
          f"a batch x_t ({B}, {D}), h_prev ({B}, {H})")
    passed(f"{CELL} returns h_t of shape (H,) for one example and (B, H) "
           f"for a batch", hidden)


def check_gru_cell_forward_values(fn, *, hidden: bool = False) -> None:
    """Gates forced open and shut, then each gate alone, then all together."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 52)
    _, B, D, H = _sizes(rng, hidden)
    p = _params(rng, H, H)  # D == H: a swapped W and U gives numbers
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
        got, want = _cell(fn, x, h, q, context)
        _diagnose_forward(got, want, x, h, q, context, expected)
    p = _params(rng, D, H)
    xb, hb = rng.normal(size=(B, D)), rng.normal(size=(B, H))
    context = f"a batch of {B} with D = {D}, H = {H}"
    got, want = _cell(fn, xb, hb, p, context)
    _diagnose_forward(got, want, xb, hb, p, context, "the GRU equations")
    passed(f"{CELL} gives the right values: update gate, reset gate, "
           f"candidate and biases", hidden)


# --------------------------------------------------------------- sequence forward


def _seq(fn, X, h0, p, context):
    __tracebackhide__ = True
    result = _call(fn, SEQ, {"X": X, "h0": h0, "params": p})
    hs, _ = unpack_pair(result, SEQ, "hs")
    hs = as_result_array(hs, SEQ, "hs")
    want, _ = gru_forward(X, h0, p)
    require_states_shape(hs, want, SEQ, context)
    return hs, want


def _diagnose_seq(got, want, X, h0, p) -> None:
    __tracebackhide__ = True

    def from_h0():  # every step from h0: one cell call over all (time, batch) rows at once
        rows = gru_cell_forward(_flat(X), _flat(np.broadcast_to(h0, want.shape)), p)[0]
        return rows.reshape(want.shape)

    diagnose_states(SEQ, got, want, X, h0, lambda X_, h0_: gru_forward(X_, h0_, p)[0], from_h0, CELL)


def check_gru_forward_shapes(fn, *, hidden: bool = False) -> None:
    """hs is (T, H) for a sequence (T, D), (T, B, H) for a batch (T, B, D)."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 53)
    T, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    _seq(fn, rng.normal(size=(T, D)), rng.normal(size=H), p,
         f"X of shape ({T}, {D}) and h0 ({H},)")
    _seq(fn, rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), p,
         f"X of shape ({T}, {B}, {D}) and h0 ({B}, {H})")
    passed(f"{SEQ} returns hs of shape (T, H) for one sequence and (T, B, H) "
           f"for a batch", hidden)


def check_gru_forward_values(fn, *, hidden: bool = False) -> None:
    """A one-step sequence, then longer ones, single and batched."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 54)
    T, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
    h0 = rng.normal(size=H)
    for X, h, context in (
        (rng.normal(size=(1, D)), h0, "a sequence of one step"),
        (rng.normal(size=(T, D)), h0, f"a sequence of {T} steps"),
        (rng.normal(size=(T, B, D)), rng.normal(size=(B, H)),
         f"a batch of {B} sequences"),
    ):
        got, want = _seq(fn, X, h, p, context)
        _diagnose_seq(got, want, X, h, p)
    passed(f"{SEQ} carries the hidden state through time correctly", hidden)


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
        require_shape(g, shapes[k], name, f'grads["{k}"]', context)
        out[k] = g
    return out


def _learner_backward(fn, name, names, upstream, cache, want, context):
    """Call a backward function; its outputs by name, checked for shape."""
    __tracebackhide__ = True
    arg = "dh_t" if name == CELL_B else "dhs"
    result = call_learner(fn, name, {arg: upstream, "cache": cache})
    d1, d2, grads = _unpack_triple(result, name, *names)
    got = {}
    for key, value in zip(names, (d1, d2)):
        got[key] = as_result_array(value, name, key)
        require_shape(got[key], want[key].shape, name, key, context)
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
    rng = rng_for(hidden, 55)
    _, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
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
    rng = rng_for(hidden, 56)
    T, B, D, H = _sizes(rng, hidden)
    p = _params(rng, D, H)
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


# --------------------------------------------------------------- parameter count

#: Wrong formulas for the number of parameters, with the message each one gets.
COUNT_MISTAKES = (
    (lambda D, H: 4 * (H * H + H * D + H),
     "that is an LSTM's count (four blocks); a GRU has three: z, r and h̃"),
    (lambda D, H: 3 * (H * H + H * D),
     "the biases are missing: each of the three blocks has b (H,)"),
    (lambda D, H: 3 * (H * H + H * D + 2 * H),
     "that counts two biases per block, as torch.nn.GRU stores them; the "
     "course's GRU has one bias per block"),
    (lambda D, H: H * H + H * D + H,
     "that is one block (a vanilla RNN); a GRU has three: z, r and h̃"),
    (lambda D, H: 2 * (H * H + H * D + H),
     "that is two blocks; a GRU has three: z, r and the candidate h̃"),
    (lambda D, H: 3 * (D * D + D * H + D),
     "input_size and hidden_size are swapped: W_* are (H, H), U_* (H, D)"),
)


def check_gru_param_count(fn, *, hidden: bool = False) -> None:
    """3 (H·H + H·D + H) for several sizes, as a whole number."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 57)
    sizes = [(3, 5), (10, 4), (1, 1)]
    if hidden:
        sizes = [tuple(int(v) for v in rng.integers(1, 300, 2))
                 for _ in range(4)]
    for D, H in sizes:
        got = call_learner(fn, COUNT, {"input_size": D, "hidden_size": H})
        want = 3 * (H * H + H * D + H)
        context = f"input_size = {D}, hidden_size = {H}"
        if isinstance(got, (bool, np.bool_)) or not isinstance(
                got, (numbers.Real, np.number)):
            got_type = "None (is a `return` missing?)" if got is None \
                else f"a {type(got).__name__}"
            raise FeedbackError(f"{COUNT} returned {got_type} for {context}; "
                                f"return a whole number (an int)")
        if got == want:
            continue
        for formula, message in COUNT_MISTAKES:
            if formula(D, H) != want and got == formula(D, H):
                raise FeedbackError(
                    f"{COUNT} returned {got} for {context}: {message}")
        raise FeedbackError(
            f"{COUNT} returned {got} for {context}; expected {want}. Count "
            f"every array: W_z, W_r, W_h (H, H), U_z, U_r, U_h (H, D), "
            f"b_z, b_r, b_h (H,)")
    passed(f"{COUNT} counts 3 (H·H + H·D + H) parameters", hidden)
