"""Feedback checks for the sequence loss and the numerical gradient (ex02)."""

import numpy as np
import pytest

from rnn_course import numerical_gradient as reference_numerical_gradient
from rnn_course import softmax_cross_entropy as reference_loss
from rnn_course.checks import FeedbackError, check_numerical_gradient, check_sequence_cross_entropy


def _probs(z, stable=True):
    e = np.exp(z - z.max(-1, keepdims=True) if stable else z)
    return e / e.sum(-1, keepdims=True)


def loss(logits, y, *, mean=False, sign=1.0, stable=True, minus_one=True):
    p = _probs(logits, stable)
    onehot = np.eye(logits.shape[-1])[y]
    m = logits.max(-1, keepdims=True) if stable else 0.0
    log_p = logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))
    L = -np.sum(log_p * onehot) * sign
    d = p - onehot if minus_one else p
    if mean:
        L, d = L / y.size, d / y.size
    return L, d


def numgrad(f, x, h=1e-5, *, centred=True, restore=True, denom=2.0):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f(x)
        x[i] = old - h if centred else old
        fm = f(x)
        if restore:
            x[i] = old
        g[i] = (fp - fm) / (denom * h if centred else h)
    return g


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden, capsys):
    check_sequence_cross_entropy(loss, hidden=hidden)
    check_numerical_gradient(numgrad, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


LOSS_MISTAKES = {
    "the loss is averaged": lambda z, y: loss(z, y, mean=True),
    "wrong sign": lambda z, y: loss(z, y, sign=-1.0),
    "overflows for large logits": lambda z, y: loss(z, y, stable=False),
    "misses the -1 at the target class": lambda z, y: loss(z, y, minus_one=False),
    "reference implementation": None,
    "loss that is not one number": lambda z, y: (np.ones(y.shape), loss(z, y)[1]),
}


@pytest.mark.parametrize("message", LOSS_MISTAKES)
def test_loss_mistakes_are_named(message):
    fn = LOSS_MISTAKES[message]
    if fn is None:
        def fn(z, y):
            return reference_loss(z, y)
    with np.errstate(all="ignore"), pytest.raises(FeedbackError, match=message):
        check_sequence_cross_entropy(fn)


NUMGRAD_MISTAKES = {
    "use centred differences": lambda f, x: numgrad(f, x, centred=False),
    "leaves x changed": lambda f, x: numgrad(f, x, restore=False),
    "half the gradient": lambda f, x: numgrad(f, x, denom=4.0),
    "twice the gradient": lambda f, x: numgrad(f, x, denom=1.0),
    "reference implementation": lambda f, x: reference_numerical_gradient(f, x),
    # The signature the book used to have: f() called without the array.
    r"raised TypeError(.|\n)*f takes one argument, the array x: call f\(x\), not f\(\)":
        lambda f, x: numgrad(lambda v: f(), x),
}


@pytest.mark.parametrize("message", NUMGRAD_MISTAKES)
def test_numerical_gradient_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_numerical_gradient(NUMGRAD_MISTAKES[message])


def test_numerical_gradient_feedback_never_names_the_checks_own_helpers():
    with pytest.raises(FeedbackError) as info:
        check_numerical_gradient(lambda f, x: numgrad(lambda v: f(), x))
    text = str(info.value)
    assert "f (a function)" in text and "of shape ()" not in text
    assert "check_numerical_gradient" not in text and "<locals>" not in text and "_Cubic" not in text


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (LOSS_MISTAKES, lambda m, fn, hidden: check_sequence_cross_entropy(
        fn or (lambda z, y: reference_loss(z, y)), hidden=hidden)),
    (NUMGRAD_MISTAKES, lambda m, fn, hidden: check_numerical_gradient(fn, hidden=hidden)),
]
