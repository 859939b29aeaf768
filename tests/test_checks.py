"""The feedback checks: a right answer passes, and each typical mistake gets its own message."""

import numpy as np
import pytest

from rnn_course import rnn_cell_forward as reference_cell
from rnn_course import rnn_forward as reference_forward
from rnn_course.checks import (
    FeedbackError,
    check_rnn_cell_forward_shapes,
    check_rnn_cell_forward_values,
    check_rnn_forward_shapes,
    check_rnn_forward_values,
)


def cell(x, h, p):
    return np.tanh(h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"]), (x, h)


def forward(X, h0, p):
    hs, h = [], h0
    for x in X:
        h, _ = cell(x, h, p)
        hs.append(h)
    return np.array(hs), None


def _mutating_cell(x, h, p):
    h *= 1.5
    return cell(x, h, p)


def _raising_cell(x, h, p):
    raise NotImplementedError()


def test_feedback_error_is_an_assertion_error():
    assert issubclass(FeedbackError, AssertionError)


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden, capsys):
    check_rnn_cell_forward_shapes(cell, hidden=hidden)
    check_rnn_cell_forward_values(cell, hidden=hidden)
    check_rnn_forward_shapes(forward, hidden=hidden)
    check_rnn_forward_values(forward, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 4


CELL_MISTAKES = {
    "tanh is missing": lambda x, h, p: (h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"], None),
    "not the sigmoid": lambda x, h, p: (1 / (1 + np.exp(-(h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"]))), None),
    "bias b_h is missing": lambda x, h, p: (np.tanh(h @ p["W_h"].T + x @ p["W_x"].T), None),
    "W_h h_prev term is missing": lambda x, h, p: (np.tanh(x @ p["W_x"].T + p["b_h"]), None),
    "W_x x_t term is missing": lambda x, h, p: (np.tanh(h @ p["W_h"].T + p["b_h"]), None),
    "W_h is applied transposed": lambda x, h, p: (np.tanh(h @ p["W_h"] + x @ p["W_x"].T + p["b_h"]), None),
    "without being multiplied by W_h": lambda x, h, p: (np.tanh(h + x @ p["W_x"].T + p["b_h"]), None),
    "apply tanh once": lambda x, h, p: (np.tanh(h @ p["W_h"].T) + np.tanh(x @ p["W_x"].T) + np.tanh(p["b_h"]), None),
    "x_t @ W_x.T": lambda x, h, p: (np.tanh(h @ p["W_h"].T + x @ p["W_x"] + p["b_h"]), None),
    "returned a single array": lambda x, h, p: np.tanh(h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"]),
    "returned None for h_t": lambda x, h, p: (None, None),
    "NaN or infinite": lambda x, h, p: (np.full(h.shape, np.nan), None),
    "reference implementation": reference_cell,
    "changed its input h_prev in place": _mutating_cell,
}


@pytest.mark.parametrize("message", CELL_MISTAKES)
def test_cell_mistakes_are_named(message):
    wrong = CELL_MISTAKES[message]
    with pytest.raises(FeedbackError, match=message.replace(".", r"\.")):
        check_rnn_cell_forward_shapes(wrong)
        check_rnn_cell_forward_values(wrong)


def test_unanswered_exercise_raises_not_implemented():
    with pytest.raises(NotImplementedError):
        check_rnn_cell_forward_shapes(_raising_cell)


def _batch_only_first_row(x, h, p):
    h_t, c = cell(x, h, p)
    if h_t.ndim == 2:
        h_t = np.broadcast_to(h_t[0], h_t.shape)
    return h_t, c


def test_batch_mistake_is_named():
    with pytest.raises(FeedbackError, match="right for one example but wrong for a batch"):
        check_rnn_cell_forward_values(_batch_only_first_row)


def _off_by_one(X, h0, p):
    hs, _ = forward(X, h0, p)
    return np.concatenate([h0[None], hs[:-1]]), None


SEQ_MISTAKES = {
    "off by one step": _off_by_one,
    "h0 is ignored": lambda X, h0, p: forward(X, np.zeros_like(h0), p),
    "every step starts from h0": lambda X, h0, p: (np.array([cell(x, h0, p)[0] for x in X]), None),
    "read backwards": lambda X, h0, p: (forward(X[::-1], h0, p)[0][::-1], None),
    "hs is in reverse order": lambda X, h0, p: (forward(X, h0, p)[0][::-1], None),
    "returned a single state": lambda X, h0, p: (forward(X, h0, p)[0][-1], None),
    r"hs holds h_1 \.\.\. h_T and not h0": lambda X, h0, p: (np.concatenate([h0[None], forward(X, h0, p)[0]]), None),
    "reference implementation": reference_forward,
}


@pytest.mark.parametrize("message", SEQ_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_sequence_mistakes_are_named(message, hidden):
    wrong = SEQ_MISTAKES[message]
    with pytest.raises(FeedbackError, match=message):
        check_rnn_forward_shapes(wrong, hidden=hidden)
        check_rnn_forward_values(wrong, hidden=hidden)


def test_calling_the_reference_cell_inside_a_loop_is_caught():
    def via_reference_cell(X, h0, p):
        hs, h = [], h0
        for x in X:
            h, _ = reference_cell(x, h, p)
            hs.append(h)
        return np.array(hs), None

    with pytest.raises(FeedbackError, match=r"reference implementation \(rnn_cell_forward"):
        check_rnn_forward_values(via_reference_cell)


def test_hidden_checks_draw_new_inputs():
    seen = []

    def recording(x, h, p):
        seen.append(p["W_x"].copy())
        return cell(x, h, p)

    check_rnn_cell_forward_shapes(recording, hidden=True)
    check_rnn_cell_forward_shapes(recording, hidden=True)
    assert not np.array_equal(seen[0], seen[2])


def test_hard_coded_answer_fails_hidden_check():
    memo = {}

    def memorised(x, h, p):
        key = x.shape
        if key not in memo:
            memo[key] = cell(x, h, p)[0]
        return memo[key], None

    with pytest.raises(FeedbackError):
        for _ in range(3):
            check_rnn_cell_forward_values(memorised, hidden=True)
