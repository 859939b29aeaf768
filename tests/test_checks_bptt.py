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


def backward(dhs, caches, *, carry=True, overwrite=False, forwards=False, reverse_dX=False, step=cell_backward):
    """BPTT over the list of cell caches, as ex02 asks (with an optional mistake)."""
    T = len(caches)
    g = {k: 0.0 for k in ("W_x", "W_h", "b_h")}
    dX, dh_next = [None] * T, np.zeros_like(caches[0]["h_prev"])
    for k in (range(T) if forwards else reversed(range(T))):
        dX[k], dh_prev, gk = step(dhs[k] + (dh_next if carry else 0.0), caches[k])
        dh_next = dh_prev
        g = {key: gk[key] if overwrite else g[key] + gk[key] for key in g}
    dX = np.array(dX)
    return (dX[::-1] if reverse_dX else dX), dh_next, g


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_backward_passes(hidden, capsys):
    check_rnn_cell_backward(cell_backward, hidden=hidden)
    check_rnn_backward(backward, cell=cell_backward, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


CELL_MISTAKES = {
    "derivative of tanh is missing": lambda dh, c: cell_backward(dh, c, deriv=lambda c: 1.0),
    "must use h_t, not h_prev": lambda dh, c: cell_backward(dh, c, deriv=lambda c: 1 - c["h_prev"] ** 2),
    r"not 1 - tanh\(h_t\)\*\*2": lambda dh, c: cell_backward(dh, c, deriv=lambda c: 1 - np.tanh(c["h_t"]) ** 2),
    "averaged over the batch": lambda dh, c: cell_backward(dh, c, mean=True),
    r'grads\["W_h"\] is transposed': lambda dh, c: cell_backward(dh, c, transpose_dW_h=True),
    "dh_prev is wrong": lambda dh, c: cell_backward(dh, c, W_h_T=True),
    r"matrix product did not fit(.|\n)*dx_t = da @ W_x":
        lambda dh, c: (dh * (1 - c["h_t"] ** 2) @ c["W_x"].T, *cell_backward(dh, c)[1:]),
    "sum it over the batch axis": lambda dh, c: cell_backward(dh, c, sum_b=False),
    "reference implementation": reference_cell_backward,
    r"must return three values, dx_t, dh_prev, grads": lambda dh, c: cell_backward(dh, c)[:2],
    "grads is missing 'b_h'": lambda dh, c: (*cell_backward(dh, c)[:2], {"W_x": 0, "W_h": 0}),
}


@pytest.mark.parametrize("message", CELL_MISTAKES)
def test_cell_backward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_rnn_cell_backward(CELL_MISTAKES[message])


SEQ_MISTAKES = {
    "gradient flowing back through time is lost": lambda d, c: backward(d, c, carry=False),
    r"add up each step's gradients \(\+=\)": lambda d, c: backward(d, c, overwrite=True),
    "the loop runs forwards": lambda d, c: backward(d, c, forwards=True),
    "dX is in reverse order": lambda d, c: backward(d, c, reverse_dX=True),
    "dh0 is wrong": lambda d, c: (backward(d, c)[0], np.zeros_like(c[0]["h_prev"]), backward(d, c)[2]),
    "reference implementation": reference_backward,
}


@pytest.mark.parametrize("message", SEQ_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_sequence_backward_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_rnn_backward(SEQ_MISTAKES[message], hidden=hidden)


def no_tanh_cell(dh, c):
    return cell_backward(dh, c, deriv=lambda c: 1.0)


@pytest.mark.parametrize("hidden", [False, True])
def test_a_backward_on_a_wrong_cell_is_told_to_fix_part_1_first(hidden):
    with pytest.raises(FeedbackError, match=r"^rnn_backward: your rnn_cell_backward is wrong; fix Part 1 first\.\n"
                                             r"(.|\n)*derivative of tanh is missing"):
        check_rnn_backward(lambda d, c: backward(d, c, step=no_tanh_cell), cell=no_tanh_cell, hidden=hidden)


def test_without_the_cell_the_message_still_points_at_the_cell():
    with pytest.raises(FeedbackError, match=r"dX\[\d\] is wrong(.|\n)*rnn_cell_backward\(dhs\[k\] \+ dh_next, "
                                             r"cache\[k\]\) \(Part 1\)"):
        check_rnn_backward(lambda d, c: backward(d, c, step=no_tanh_cell))


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (CELL_MISTAKES, lambda m, fn, hidden: check_rnn_cell_backward(fn, hidden=hidden)),
    (SEQ_MISTAKES, lambda m, fn, hidden: check_rnn_backward(fn, hidden=hidden)),
]
