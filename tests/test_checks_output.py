"""Feedback checks for the softmax output layer and the learned initial state (ex01)."""

import numpy as np
import pytest

from rnn_course import output_probs
from rnn_course.checks import FeedbackError, check_rnn_forward_learned_h0, check_rnn_output


def output(hs, p, *, softmax=True, bias=True, stable=True, axis=-1):
    z = hs @ p["W_y"].T + (p["b_y"] if bias else 0.0)
    if not softmax:
        return z
    if stable:
        z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def forward(X, h0, p):
    hs, h = [], h0
    for x in X:
        h = np.tanh(h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"])
        hs.append(h)
    return np.array(hs), None


def learned(X, p, *, zeros=False):
    h0 = np.broadcast_to(p["h0"], (*X.shape[1:-1], p["h0"].shape[0]))
    return forward(X, np.zeros_like(h0) if zeros else h0, p)


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden, capsys):
    check_rnn_output(output, hidden=hidden)
    check_rnn_forward_learned_h0(learned, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


OUTPUT_MISTAKES = {
    "the softmax is missing": lambda hs, p: output(hs, p, softmax=False),
    "bias b_y is missing": lambda hs, p: output(hs, p, bias=False),
    "do not sum to 1": lambda hs, p: output(hs, p, axis=0),
    "subtract each row's maximum": lambda hs, p: output(hs, p, stable=False),
    "reference implementation": lambda hs, p: output_probs(hs, p),
}


@pytest.mark.parametrize("message", OUTPUT_MISTAKES)
def test_output_mistakes_are_named(message):
    with np.errstate(all="ignore"), pytest.raises(FeedbackError, match=message):
        check_rnn_output(OUTPUT_MISTAKES[message])


def test_zero_start_instead_of_learned_h0_is_named():
    with pytest.raises(FeedbackError, match="starts from zeros"):
        check_rnn_forward_learned_h0(lambda X, p: learned(X, p, zeros=True))
