"""Feedback checks for a many-to-one forecaster, a vanilla RNN read once after the last
step (exercise ex07-signals, Part 2):

    h_t = tanh(W_h h_{t-1} + W_x x_t + b_h),  h_0 = 0;   ŷ = W_y h_T + b_y

Each likely mistake is computed here and compared with what the learner returned, so the
message can name it.
"""

from __future__ import annotations

import numpy as np

from .._core import (FeedbackError, as_result_array, builds_on, call_learner, close, fit, max_diff, passed,
                     require_result_shape, rng_for, unpack_pair)
from .._hints import product_hint
from .._inputs import rnn_params, sizes
from .._watch import uses

FORWARD, BACKWARD = "forecaster_forward", "forecaster_backward"
KEYS = ("W_x", "W_h", "b_h", "W_y", "b_y")


def _states(X, p, *, h0=None, bias=True, transpose_W_h=True):
    __tracebackhide__ = True
    h = np.zeros((X.shape[1], p["W_h"].shape[0])) if h0 is None else h0
    W_h = p["W_h"].T if transpose_W_h else p["W_h"]
    hs = []
    for x in X:
        h = np.tanh(h @ W_h + x @ p["W_x"].T + (p["b_h"] if bias else 0))
        hs.append(h)
    return np.array(hs)


def _case(hidden: bool, seed: int):
    """``X, params, (T, B, D, H, O)``: the sizes all differ (O from H and B too), so a transposed
    weight or gradient shows up as a wrong shape."""
    __tracebackhide__ = True
    rng = rng_for(hidden, seed)
    T, B, D, H = sizes(rng, hidden)
    O = 2 if not hidden else int(rng.choice([o for o in range(1, 5) if o not in (H, B)]))
    p = rnn_params(rng, D, H)
    p["W_y"] = rng.normal(0, 0.7, (O, H))
    p["b_y"] = rng.normal(0, 0.5, O)
    return rng.normal(size=(T, B, D)), p, (T, B, D, H, O)


def _loop_hint(exc: Exception, T: int) -> str:
    """A hint for an index past the last step (a loop over range(1, T + 1), or X[k + 1])."""
    __tracebackhide__ = True
    if isinstance(exc, IndexError) and f"with size {T}" in str(exc):
        return (f"Hint: X has T = {T} steps, X[0] to X[{T - 1}] (X[k] holds x_{{k+1}}): "
                f"loop over range(T), or over X itself.")
    return ""


def _run_forward(fn, X, p):
    """The learner's forward on ``X``: (y_hat, cache); a product that did not fit names its
    weight, an index past the last step says so."""
    __tracebackhide__ = True
    products = {"W_x": ("x_t", np.shape(p["W_x"])), "W_h": ("h", np.shape(p["W_h"])),
                "W_y": ("h_T", np.shape(p["W_y"]))}
    hint = lambda exc: product_hint(exc, products, X.shape[1]) or _loop_hint(exc, len(X))  # noqa: E731
    result = call_learner(fn, FORWARD, {"X": X, "params": p}, any_package_code=True, hint=hint)
    return unpack_pair(result, FORWARD, "y_hat")


def _forward_mistakes(X, p):
    __tracebackhide__ = True
    hs = _states(X, p)
    out = lambda h: h @ p["W_y"].T + p["b_y"]  # noqa: E731
    return (
        (out(hs[0]), "reads ŷ from the first state.",
         "A many-to-one forecaster reads the last one, hs[-1]: ŷ = W_y h_T + b_y."),
        (out(hs.mean(axis=0)), "reads ŷ from the mean of the states.",
         "Read the last state, hs[-1]: ŷ = W_y h_T + b_y."),
        (hs[-1] @ p["W_y"].T, "b_y is missing from ŷ.", "ŷ = W_y h_T + b_y: add b_y."),
        (out(_states(X, p, bias=False)[-1]), "b_h is missing from the recurrence.",
         "h_t = tanh(W_h h_{t-1} + W_x x_t + b_h): add b_h at every step."),
        (out(_states(X, {**p, "W_h": 0 * p["W_h"]})[-1]), "the state is not carried from step to step.",
         "h_t must use h_{t-1} through W_h: keep the new state and feed it to the next step."),
        (out(_states(X, p, transpose_W_h=False)[-1]), "W_h is used without its transpose.",
         "W_h is stored with rows as outputs, like every weight: h @ W_h.T (W_h h_{t-1} in the maths)."),
        (out(hs[-2]), "the last step is skipped.",
         f"ŷ comes from h_{{T-1}}, the state before the last: the loop stops one step early "
         f"(range(T - 1)?), or ŷ reads hs[-2]. ŷ = W_y h_T + b_y reads the state after all "
         f"T = {len(X)} inputs, X[0] to X[{len(X) - 1}]."),
        (out(_states(X[1:], p)[-1]), "the first step is skipped.",
         "The loop starts at X[1] (range(1, T)?), but X[0] holds x_1: read every step, k = 0 .. T-1."),
        (out(_states(np.roll(X, 1, axis=0), p)[-1]), "the inputs are shifted by one step.",
         "At step k it reads X[k - 1] (X[-1], the last input, at k = 0): step k reads X[k], which "
         "holds x_{k+1}."),
    )


def check_forecaster_forward(fn, *, hidden: bool = False) -> None:
    """ŷ (B, O) from the last state of the RNN started at zero; names the usual mistakes."""
    __tracebackhide__ = True
    X, p, (T, B, D, H, O) = _case(hidden, 73)
    context = f"X of shape {X.shape} (T, B, D) and H = {H}, O = {O}"
    y, _ = _run_forward(fn, X, p)
    y = as_result_array(y, FORWARD, "y_hat")
    if y.shape == (T, B, O):
        raise FeedbackError(f"{FORWARD} returned an output at every step.\nFor {context} y_hat has shape "
                            f"{y.shape}: a many-to-one forecaster returns one forecast per sequence, "
                            f"({B}, {O}), read from the last state.")
    require_result_shape(y, (B, O), FORWARD, "y_hat", context)
    want = _states(X, p)[-1] @ p["W_y"].T + p["b_y"]
    if close(y, want):
        passed(f"{FORWARD} reads ŷ = W_y h_T + b_y after the last step", hidden)
        return
    # Two mistakes can land within tolerance of each other on a draw (a contractive W_h forgets
    # the first input), so the one nearest to what the learner returned is named.
    near = [(max_diff(y, wrong), verdict, advice) for wrong, verdict, advice in _forward_mistakes(X, p)
            if close(y, wrong)]
    if near:
        _, verdict, advice = min(near, key=lambda m: m[0])
        head = f"{FORWARD} {verdict}" if verdict.startswith("reads") else f"{FORWARD}: {verdict}"
        raise FeedbackError(f"{head}\n{advice} (That was for {context}.)")
    raise FeedbackError(f"{FORWARD} returned wrong values.\nFor {context} y_hat has the right shape but "
                        f"differs by up to {max_diff(y, want):.3g}. Check h_0 = 0, the recurrence "
                        f"h_t = tanh(h_{{t-1}} @ W_h.T + x_t @ W_x.T + b_h), and ŷ from h_T.")


def reference_grads(X, p, dy, *, every_step=False, no_tanh=False, last_step_only=False,
                    h0_is_last=False, assigned=None, through_W_h_T=False, b_h_all_axes=False):
    """The gradients (and variants with a mistake) of sum(ŷ * dy).

    The variants: the gradient entering at ``every_step``; ``no_tanh`` derivative; stopped
    after the ``last_step_only``; ``hs[k-1]`` read at k = 0 (``h0_is_last``: hs[-1]);
    ``assigned``, the name of a gradient set with = instead of += (the term of k = 0 left);
    ``dh = a @ W_h.T`` (``through_W_h_T``); the bias gradient summed over every axis.
    """
    __tracebackhide__ = True
    hs = _states(X, p)
    prev = np.concatenate([hs[-1:] if h0_is_last else np.zeros_like(hs[:1]), hs[:-1]])
    g = {k: np.zeros_like(p[k]) for k in KEYS}
    g["W_y"], g["b_y"] = dy.T @ hs[-1], dy.sum(axis=0)
    dh = np.zeros_like(hs[0])
    steps = range(len(X) - 1, len(X) - 2, -1) if last_step_only else range(len(X) - 1, -1, -1)
    for k in steps:
        if k == len(X) - 1 or every_step:
            dh = dh + dy @ p["W_y"]
        da = dh if no_tanh else dh * (1 - hs[k] ** 2)
        terms = {"W_x": da.T @ X[k], "W_h": da.T @ prev[k], "b_h": da.sum() if b_h_all_axes else da.sum(axis=0)}
        for name, term in terms.items():
            g[name] = g[name] * (name != assigned) + term
        dh = da @ (p["W_h"].T if through_W_h_T else p["W_h"])
    return g


_BACKWARD_MISTAKES = (
    ({"every_step": True}, "the gradient enters at every step.",
     "Only ŷ = W_y h_T + b_y reads a state, so dL/dh_t comes from dŷ at the last step only, and "
     "reaches earlier steps through W_h."),
    ({"no_tanh": True}, "the derivative of tanh is missing.",
     "Multiply by 1 - h_t**2 before the weight gradients."),
    ({"last_step_only": True}, "the gradient stops at the last step.",
     "Carry dL/dh back through every step (dh_prev = da @ W_h) and add each step's contribution."),
    ({"h0_is_last": True}, "at k = 0 it reads hs[k - 1], which is hs[-1].",
     "hs[-1] is the last state, h_T; step k = 0 (t = 1) needs h_0 = 0: "
     "h_prev = hs[k - 1] if k > 0 else np.zeros_like(hs[0])."),
    ({"through_W_h_T": True}, "the gradient goes back through W_h.T.",
     "dL/dh_{t-1} = W_hᵀ a in the maths (columns); for a batch of rows that is a @ W_h, without .T."),
    ({"b_h_all_axes": True}, 'grads["b_h"] sums a over every axis.',
     "a.sum() adds over the hidden units too, so every entry is the same: sum over the batch only, "
     "a.sum(axis=0), one entry per hidden unit."),
    *(({"assigned": k}, f'grads["{k}"] keeps only one step\'s term.',
       f'The loop sets it with = instead of adding with +=: only the term of the last step computed '
       f'(k = 0) is left. Each step adds its own: grads["{k}"] += ...') for k in ("W_x", "W_h", "b_h")),
)


def check_forecaster_backward(forward, backward, *, hidden: bool = False) -> None:
    """The gradient of every parameter given dL/dŷ; names the usual mistakes.

    The cache comes from the learner's ``forward``: when it is wrong, the message says to fix
    it first.
    """
    __tracebackhide__ = True
    X, p, (T, B, D, H, O) = _case(hidden, 79)
    dy = rng_for(hidden, 83).normal(size=(B, O))
    used = uses(forward, FORWARD, None, check_forecaster_forward, relation="reads its cache")
    with builds_on(BACKWARD, used, hidden):
        used.called = True  # the check itself runs it: its cache is what backward reads
        _, cache = _run_forward(forward, X, p)
        grads = call_learner(backward, BACKWARD, {"dy_hat": dy, "cache": cache}, any_package_code=True)
        _check_grads(grads, X, p, dy)
    passed(f"{BACKWARD} gives every gradient, entering at the last step", hidden)


def _check_grads(grads, X, p, dy) -> None:
    __tracebackhide__ = True
    if not isinstance(grads, dict):
        raise FeedbackError(f"{BACKWARD} must return a dict of gradients.\nIt returned "
                            f"{'None' if grads is None else 'a ' + type(grads).__name__}: key it like params, "
                            f"{', '.join(KEYS)}.")
    missing = [k for k in KEYS if k not in grads]
    if missing:
        raise FeedbackError(f"{BACKWARD} returned no gradient for {missing[0]}.\nReturn one per parameter, "
                            f"keyed {', '.join(KEYS)} (missing: {', '.join(missing)}).")
    want = reference_grads(X, p, dy)
    context = f"X of shape {X.shape}, dy_hat of shape {dy.shape}"
    if np.ndim(grads["b_h"]) == 0 and np.ndim(grads["b_h"]) != np.ndim(want["b_h"]):
        raise FeedbackError(f'{BACKWARD}: grads["b_h"] is a single number.\na.sum() adds over every axis: '
                            f"sum over the batch only, a.sum(axis=0), one entry per hidden unit "
                            f"({want['b_h'].shape}).")
    for k in KEYS:
        got = as_result_array(grads[k], BACKWARD, f'grads["{k}"]')
        require_result_shape(got, want[k].shape, BACKWARD, f'grads["{k}"]', context)
    if all(close(grads[k], want[k]) for k in KEYS):
        return
    for options, verdict, advice in _BACKWARD_MISTAKES:
        wrong = reference_grads(X, p, dy, **options)
        if all(close(grads[k], wrong[k]) for k in KEYS):
            raise FeedbackError(f"{BACKWARD}: {verdict}\n{advice} (That was for {context}.)")
    if not close(grads["b_y"], want["b_y"]):
        raise FeedbackError(f'{BACKWARD} returned a wrong grads["b_y"].\nIt is dy_hat summed over the batch '
                            f"(axis 0).")
    if not close(grads["W_y"], want["W_y"]):
        raise FeedbackError(f'{BACKWARD} returned a wrong grads["W_y"].\nIt is dy_hat.T @ h_T, shape (O, H), '
                            f"with h_T the last state.")
    bad = [k for k in KEYS if not close(grads[k], want[k])]
    raise FeedbackError(fit(f"{BACKWARD}: the gradients of {', '.join(bad)} are wrong.",
                            f"{BACKWARD}: some gradients are wrong.") +
                        f"\nFor {context}, {', '.join(bad)} differ from the right values: compare your loop "
                        f"with backpropagation through time in chapter 2.")
