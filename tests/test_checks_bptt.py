"""Feedback checks for the backward pass: right answers pass, typical mistakes are named."""

import numpy as np
import pytest

from rnn_course import rnn_backward as reference_backward
from rnn_course import rnn_cell_backward as reference_cell_backward
from rnn_course.checks import FeedbackError, check_rnn_backward, check_rnn_cell_backward


def _flat(a):
    return a.reshape(-1, a.shape[-1])


def cell_backward(dh, c, *, deriv=None, mean=False, transpose_dW_h=False, W_h_T=False, sum_b=True):
    h = c["h_t"]
    da = dh * ((1 - h**2) if deriv is None else deriv(c))
    g = {"W_x": _flat(da).T @ _flat(c["x_t"]), "W_h": _flat(da).T @ _flat(c["h_prev"]),
         "b_h": _flat(da).sum(0) if sum_b else da}
    if transpose_dW_h:
        g["W_h"] = g["W_h"].T
    if mean and da.ndim == 2:
        g = {k: v / da.shape[0] for k, v in g.items()}
    return da @ c["W_x"], da @ (c["W_h"].T if W_h_T else c["W_h"]), g


def backward(dhs, c, *, carry=True, overwrite=False, same_step_h=False):
    X, h0, hs = c["X"], c["h0"], c["hs"]
    g = {k: 0.0 for k in ("W_x", "W_h", "b_h")}
    dX, dh_next = np.empty_like(X), np.zeros_like(h0)
    for t in reversed(range(len(X))):
        h_prev = hs[t] if same_step_h else (h0 if t == 0 else hs[t - 1])
        step = {"x_t": X[t], "h_prev": h_prev, "h_t": hs[t], "W_x": c["W_x"], "W_h": c["W_h"]}
        dX[t], dh_prev, gt = cell_backward(dhs[t] + (dh_next if carry else 0.0), step)
        dh_next = dh_prev
        g = {k: gt[k] if overwrite else g[k] + gt[k] for k in g}
    return dX, dh_next, g


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_backward_passes(hidden, capsys):
    check_rnn_cell_backward(cell_backward, hidden=hidden)
    check_rnn_backward(backward, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


CELL_MISTAKES = {
    "derivative of tanh is missing": lambda dh, c: cell_backward(dh, c, deriv=lambda c: 1.0),
    "uses h_prev; it must use the output h_t": lambda dh, c: cell_backward(dh, c, deriv=lambda c: 1 - c["h_prev"] ** 2),
    r"not 1 - tanh\(h_t\)\*\*2": lambda dh, c: cell_backward(dh, c, deriv=lambda c: 1 - np.tanh(c["h_t"]) ** 2),
    "averaged over the batch": lambda dh, c: cell_backward(dh, c, mean=True),
    r'grads\["W_h"\] is transposed': lambda dh, c: cell_backward(dh, c, transpose_dW_h=True),
    "dh_prev is wrong": lambda dh, c: cell_backward(dh, c, W_h_T=True),
    "sum it over the batch axis": lambda dh, c: cell_backward(dh, c, sum_b=False),
    "reference implementation": reference_cell_backward,
    r"must return three values \(dx_t, dh_prev, grads\)": lambda dh, c: cell_backward(dh, c)[:2],
    "grads is missing 'b_h'": lambda dh, c: (*cell_backward(dh, c)[:2], {"W_x": 0, "W_h": 0}),
}


@pytest.mark.parametrize("message", CELL_MISTAKES)
def test_cell_backward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_rnn_cell_backward(CELL_MISTAKES[message])


SEQ_MISTAKES = {
    "gradient flowing back through time is lost": lambda d, c: backward(d, c, carry=False),
    r"add up each step's gradient \(\+=\)": lambda d, c: backward(d, c, overwrite=True),
    "wrong time index": lambda d, c: backward(d, c, same_step_h=True),
    "dh0 is wrong": lambda d, c: (backward(d, c)[0], np.zeros_like(c["h0"]), backward(d, c)[2]),
    "reference implementation": reference_backward,
}


@pytest.mark.parametrize("message", SEQ_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_sequence_backward_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_rnn_backward(SEQ_MISTAKES[message], hidden=hidden)
