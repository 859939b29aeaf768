"""Feedback checks for the softmax output layer and the learned initial state (ex01)."""

import numpy as np
import pytest

from rnn_course import output_probs
from rnn_course.checks import FeedbackError, check_rnn_forward_learned_h0, check_rnn_output

# the learner-style RNN (a cell and a loop over it) that the ex01 checks judge
from test_checks import cell, forward


def output(hs, p, *, softmax=True, bias=True, stable=True, axis=-1):
    z = hs @ p["W_y"].T + (p["b_y"] if bias else 0.0)
    if not softmax:
        return z
    if stable:
        z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def learned(X, p, *, zeros=False, tile=False, run=forward):
    if tile:  # repeats h0 over X.shape[1], which is D for one sequence X (T, D)
        h0 = np.tile(p["h0"], (X.shape[1], 1)) if tile == "rows" else np.tile(p["h0"], X.shape[1])
    else:
        h0 = np.broadcast_to(p["h0"], (*X.shape[1:-1], p["h0"].shape[0]))
    return run(X, np.zeros_like(h0) if zeros else h0, p)


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden, capsys):
    check_rnn_output(output, hidden=hidden)
    check_rnn_forward_learned_h0(learned, forward=forward, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


OUTPUT_MISTAKES = {
    "the softmax is missing": lambda hs, p: output(hs, p, softmax=False),
    "bias b_y is missing": lambda hs, p: output(hs, p, bias=False),
    "do not sum to 1": lambda hs, p: output(hs, p, axis=0),
    "Subtract each row's maximum": lambda hs, p: output(hs, p, stable=False),
    "reference implementation": lambda hs, p: output_probs(hs, p),
}


@pytest.mark.parametrize("message", OUTPUT_MISTAKES)
def test_output_mistakes_are_named(message):
    with np.errstate(all="ignore"), pytest.raises(FeedbackError, match=message):
        check_rnn_output(OUTPUT_MISTAKES[message])


def test_zero_start_instead_of_learned_h0_is_named():
    with pytest.raises(FeedbackError, match="starts from zeros"):
        check_rnn_forward_learned_h0(lambda X, p: learned(X, p, zeros=True))


def test_a_tiled_h0_is_named_without_a_weight_hint():
    # h0 repeated X.shape[1] times is (D, H) for one sequence; flat, (D * H,) makes the cell crash.
    for tile in ("rows", "flat"):
        with pytest.raises(FeedbackError, match=r"rnn_forward got h0 of the wrong shape\.\n"
                                                 r"For X of shape \(4, 3\) \(one sequence\) it got h0 of shape "
                                                 r"\((3, 5|15,)\); it must be \(5,\)") as info:
            check_rnn_forward_learned_h0(lambda X, p: learned(X, p, tile=tile), forward=forward)
        assert "W_x" not in str(info.value)


def test_a_tiled_h0_is_named_even_without_the_forward_function():
    with pytest.raises(FeedbackError, match=r"hs has an extra axis for one sequence(.|\n)*X\.shape\[1:-1\]"):
        check_rnn_forward_learned_h0(lambda X, p: learned(X, p, tile="rows"))


def test_a_learned_h0_on_a_wrong_forward_is_told_to_fix_part_2_first():
    def no_carry(X, h0, p):
        steps = [cell(x, h0, p) for x in X]
        return np.array([s[0] for s in steps]), [s[1] for s in steps]

    with pytest.raises(FeedbackError, match=r"rnn_forward_learned_h0: your rnn_forward is wrong; fix Part 2 first"
                                             r"(.|\n)*every step starts from h0"):
        check_rnn_forward_learned_h0(lambda X, p: learned(X, p, run=no_carry), forward=no_carry)


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (OUTPUT_MISTAKES, lambda m, fn, hidden: check_rnn_output(fn, hidden=hidden)),
]
