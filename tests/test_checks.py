"""The feedback checks of ex01 Parts 1 and 2 (the RNN cell and sequence forward): a right answer
passes, each typical mistake gets its own message, the cache contract is checked, a sequence
built on a wrong cell is told to fix the cell first, hints name the function's own weights,
and a memorised answer passes the visible checks but not the hidden ones."""

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


def rnn_cache(x, h, h_t, p):
    return {"x_t": x, "h_prev": h, "h_t": h_t, "W_x": p["W_x"], "W_h": p["W_h"]}


def cell(x, h, p):
    h_t = np.tanh(h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"])
    return h_t, rnn_cache(x, h, h_t, p)


def formula(compute):
    """A cell computing h_t with ``compute(x, h, p)`` and returning the contract's cache."""
    def wrong_cell(x, h, p):
        h_t = compute(x, h, p)
        return h_t, rnn_cache(x, h, h_t, p)
    return wrong_cell


def forward(X, h0, p, *, step=cell):
    hs, caches, h = [], [], h0
    for x in X:
        h, c = step(x, h, p)
        hs.append(h)
        caches.append(c)
    return np.array(hs), caches


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
    check_rnn_forward_shapes(forward, cell=cell, hidden=hidden)
    check_rnn_forward_values(forward, cell=cell, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 4


CELL_MISTAKES = {
    "tanh is missing": formula(lambda x, h, p: h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"]),
    "not the sigmoid": formula(lambda x, h, p: 1 / (1 + np.exp(-(h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"])))),
    "bias b_h is missing": formula(lambda x, h, p: np.tanh(h @ p["W_h"].T + x @ p["W_x"].T)),
    "h_t does not depend on h_prev": formula(lambda x, h, p: np.tanh(x @ p["W_x"].T + p["b_h"])),
    "h_t does not depend on x_t": formula(lambda x, h, p: np.tanh(h @ p["W_h"].T + p["b_h"])),
    "W_h is applied transposed": formula(lambda x, h, p: np.tanh(h @ p["W_h"] + x @ p["W_x"].T + p["b_h"])),
    "h_prev is not multiplied by W_h": formula(lambda x, h, p: np.tanh(h + x @ p["W_x"].T + p["b_h"])),
    "apply tanh once": formula(lambda x, h, p: np.tanh(h @ p["W_h"].T) + np.tanh(x @ p["W_x"].T) + np.tanh(p["b_h"])),
    r"matrix product did not fit(.|\n)*W_x is \(\d+, \d+\) \(rows are outputs\) and multiplies x_t: x_t @ W_x\.T":
        formula(lambda x, h, p: np.tanh(h @ p["W_h"].T + x @ p["W_x"] + p["b_h"])),
    "returned a single array": lambda x, h, p: cell(x, h, p)[0],
    "returned None for h_t": lambda x, h, p: (None, cell(x, h, p)[1]),
    "NaN or infinite": lambda x, h, p: (np.full(h.shape, np.nan), cell(x, h, p)[1]),
    "reference implementation": reference_cell,
    "changed its input h_prev in place": _mutating_cell,
}


@pytest.mark.parametrize("message", CELL_MISTAKES)
def test_cell_mistakes_are_named(message):
    wrong = CELL_MISTAKES[message]
    with pytest.raises(FeedbackError, match=message):
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


# --------------------------------------------------------------------------- the cache contract

CELL_CACHE_MISTAKES = {
    "the cache must be a dict, not a tuple": lambda x, h, p: (cell(x, h, p)[0], (x, h)),
    "the cache is missing 'h_t'": lambda x, h, p: (cell(x, h, p)[0], {"x_t": x, "h_prev": h,
                                                                      "W_x": p["W_x"], "W_h": p["W_h"]}),
    r'cache\["h_t"\] has the wrong shape': lambda x, h, p: (cell(x, h, p)[0], {**cell(x, h, p)[1], "h_t": 0.0}),
}
CELL_CACHE_VALUE_MISTAKES = {
    r'cache\["h_prev"\] holds the wrong values': lambda x, h, p: (cell(x, h, p)[0],
                                                                 {**cell(x, h, p)[1], "h_prev": cell(x, h, p)[0]}),
}


@pytest.mark.parametrize("message", CELL_CACHE_MISTAKES)
def test_cell_cache_mistakes_are_named_in_the_shape_check(message):
    with pytest.raises(FeedbackError, match=message):
        check_rnn_cell_forward_shapes(CELL_CACHE_MISTAKES[message])


@pytest.mark.parametrize("message", CELL_CACHE_VALUE_MISTAKES)
def test_cell_cache_values_are_checked(message):
    wrong = CELL_CACHE_VALUE_MISTAKES[message]
    check_rnn_cell_forward_shapes(wrong)  # the form is right
    with pytest.raises(FeedbackError, match=message):
        check_rnn_cell_forward_values(wrong)


SEQ_CACHE_MISTAKES = {
    r"the cache must be a list of the \d+ step caches": lambda X, h0, p: (forward(X, h0, p)[0], {"hs": 0}),
    r"the cache holds (\d+) step caches for (?!\1\b)\d+ steps": lambda X, h0, p: (forward(X, h0, p)[0], forward(X, h0, p)[1][1:]),
    r"cache\[0\] is missing 'x_t'": lambda X, h0, p: (forward(X, h0, p)[0], [{} for _ in X]),
}


@pytest.mark.parametrize("message", SEQ_CACHE_MISTAKES)
def test_sequence_cache_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_rnn_forward_shapes(SEQ_CACHE_MISTAKES[message])


# --------------------------------------------------------------------------- the sequence

def _off_by_one(X, h0, p):
    hs, caches = forward(X, h0, p)
    return np.concatenate([h0[None], hs[:-1]]), caches


def _every_step_from_h0(X, h0, p):
    steps = [cell(x, h0, p) for x in X]
    return np.array([s[0] for s in steps]), [s[1] for s in steps]


SEQ_MISTAKES = {
    "off by one step": _off_by_one,
    "h0 is ignored": lambda X, h0, p: forward(X, np.zeros_like(h0), p),
    "every step starts from h0": _every_step_from_h0,
    "read backwards": lambda X, h0, p: (forward(X[::-1], h0, p)[0][::-1], forward(X, h0, p)[1]),
    "hs is in reverse order": lambda X, h0, p: (forward(X, h0, p)[0][::-1], forward(X, h0, p)[1]),
    "returned a single state": lambda X, h0, p: (forward(X, h0, p)[0][-1], forward(X, h0, p)[1]),
    "leave out h0": lambda X, h0, p: (np.concatenate([h0[None], forward(X, h0, p)[0]]), forward(X, h0, p)[1]),
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
        return forward(X, h0, p, step=reference_cell)

    with pytest.raises(FeedbackError, match=r"reference implementation(.|\n)*rnn_cell_forward"):
        check_rnn_forward_values(via_reference_cell)


# --------------------------------------------------------------------------- blame the right part

no_bias_cell = CELL_MISTAKES["bias b_h is missing"]


def forward_on(step):
    """A right sequence forward that calls the learner's cell ``step``, as the exercise asks."""
    return lambda X, h0, p: forward(X, h0, p, step=step)


@pytest.mark.parametrize("check", [check_rnn_forward_shapes, check_rnn_forward_values])
@pytest.mark.parametrize("hidden", [False, True])
def test_a_sequence_on_a_wrong_cell_is_told_to_fix_part_1_first(check, hidden):
    pattern = r"rnn_forward: your rnn_cell_forward is wrong; fix Part 1 first\.\n(.|\n)*the bias b_h is missing"
    wrong = no_bias_cell if check is check_rnn_forward_values else CELL_CACHE_MISTAKES["the cache is missing 'h_t'"]
    with pytest.raises(FeedbackError, match=pattern if check is check_rnn_forward_values else "fix Part 1 first"):
        check(forward_on(wrong), cell=wrong, hidden=hidden)


def test_a_crash_inside_the_cell_is_blamed_on_the_cell():
    bad = CELL_MISTAKES[r"matrix product did not fit(.|\n)*W_x is \(\d+, \d+\) \(rows are outputs\) and multiplies x_t: "
                        r"x_t @ W_x\.T"]
    with pytest.raises(FeedbackError, match=r"fix Part 1 first(.|\n)*W_x is \(\d+, \d+\)"):
        check_rnn_forward_values(forward_on(bad), cell=bad)


def test_a_sequence_that_does_not_use_the_wrong_cell_is_judged_on_its_own():
    # Inlined right recurrence: passes although the learner's cell is wrong.
    def inline(X, h0, p):
        return forward(X, h0, p, step=cell)

    check_rnn_forward_values(inline, cell=no_bias_cell)
    # Inlined wrong recurrence: its own mistake is named, not the cell's.
    with pytest.raises(FeedbackError, match="h0 is ignored"):
        check_rnn_forward_values(lambda X, h0, p: inline(X, 0 * h0, p), cell=no_bias_cell)


class Unwatchable:
    """Like the grader's proxies for the learner's functions: callable, but with no code to watch."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args):
        return self.fn(*args)


def test_an_unwatchable_cell_is_checked_when_the_sequence_fails():
    with pytest.raises(FeedbackError, match="fix Part 1 first"):
        check_rnn_forward_values(_off_by_one, cell=Unwatchable(no_bias_cell))
    with pytest.raises(FeedbackError, match="^rnn_forward: off by one step"):
        check_rnn_forward_values(_off_by_one, cell=Unwatchable(cell))


def test_running_out_of_time_is_not_blamed_on_the_cell():
    def stuck(X, h0, p):
        raise TimeoutError("did not finish within 2 s: is there a loop that never ends?")

    def cell_out_of_time(x, h, p):
        raise TimeoutError("was not run: this part used up its time budget of 2 s")

    with pytest.raises(FeedbackError, match=r"^rnn_forward raised TimeoutError"):
        check_rnn_forward_values(stuck, cell=Unwatchable(no_bias_cell))
    with pytest.raises(FeedbackError, match=r"^rnn_forward: off by one step"):
        check_rnn_forward_values(_off_by_one, cell=Unwatchable(cell_out_of_time))


def test_a_right_cell_leaves_the_sequence_message_alone():
    with pytest.raises(FeedbackError, match="off by one step"):
        check_rnn_forward_values(_off_by_one, cell=cell)


# --------------------------------------------------------------------------- hints

def test_an_unrelated_broadcast_error_gets_no_weight_hint():
    def odd(x, h, p):
        return np.tanh(h @ p["W_h"].T + x @ p["W_x"].T + p["b_h"] + np.ones(7)), {}

    with pytest.raises(FeedbackError) as info:
        check_rnn_cell_forward_shapes(odd)
    assert "raised ValueError" in info.value.headline
    assert "Hint" not in str(info.value) and "W_x" not in str(info.value)


def test_a_batch_written_as_columns_gets_the_batch_hint():
    def columns(x, h, p):
        h_t = np.tanh((p["W_h"] @ h.T).T + (p["W_x"] @ x).T + p["b_h"])
        return h_t, rnn_cache(x, h, h_t, p)

    with pytest.raises(FeedbackError, match=r"one example per row \(2 rows of 3\)(.|\n)*x_t @ W_x\.T, not W_x @ x_t"):
        check_rnn_cell_forward_shapes(columns)


# --------------------------------------------------------------------------- hidden inputs

def test_hidden_checks_draw_new_inputs():
    seen = []

    def recording(x, h, p):
        seen.append(p["W_x"].copy())
        return cell(x, h, p)

    check_rnn_cell_forward_shapes(recording, hidden=True)
    check_rnn_cell_forward_shapes(recording, hidden=True)
    assert not np.array_equal(seen[0], seen[2])


def _key(value):
    if isinstance(value, dict):
        return tuple((k, _key(v)) for k, v in sorted(value.items()))
    if isinstance(value, tuple):
        return tuple(_key(v) for v in value)
    return np.asarray(value).tobytes() + str(np.shape(value)).encode()


def memorise(right, visible_checks, **kw):
    """A function that answers every input the visible checks give (recorded from ``right``)
    and, for anything else, the last answer it recorded for inputs of the same shapes."""
    table, by_shape = {}, {}

    def recorder(*args):
        result = right(*args)
        table[_key(args)] = by_shape[tuple(np.shape(a) for a in args if not isinstance(a, dict))] = result
        return result

    for check in visible_checks:
        check(recorder, **kw)

    def memorised(*args):
        shapes = tuple(np.shape(a) for a in args if not isinstance(a, dict))
        return table.get(_key(args), by_shape.get(shapes, next(iter(table.values()))))

    return memorised


@pytest.mark.parametrize("visible, hidden, right, kw", [
    ((check_rnn_cell_forward_shapes, check_rnn_cell_forward_values), check_rnn_cell_forward_values, cell, {}),
    ((check_rnn_forward_shapes, check_rnn_forward_values), check_rnn_forward_values, forward, {}),
], ids=["rnn_cell_forward", "rnn_forward"])
def test_a_memorised_answer_passes_the_visible_checks_but_not_the_hidden_one(visible, hidden, right, kw, capsys):
    memorised = memorise(right, visible, **kw)
    for check in visible:
        check(memorised, **kw)
    assert capsys.readouterr().out.count("\u2713") == 2 * len(visible)
    with pytest.raises(FeedbackError):
        hidden(memorised, hidden=True, **kw)


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (CELL_MISTAKES, lambda m, fn, hidden: (check_rnn_cell_forward_shapes(fn, hidden=hidden),
                                           check_rnn_cell_forward_values(fn, hidden=hidden))),
    (CELL_CACHE_MISTAKES, lambda m, fn, hidden: check_rnn_cell_forward_shapes(fn, hidden=hidden)),
    (CELL_CACHE_VALUE_MISTAKES, lambda m, fn, hidden: check_rnn_cell_forward_values(fn, hidden=hidden)),
    (SEQ_CACHE_MISTAKES, lambda m, fn, hidden: check_rnn_forward_shapes(fn, hidden=hidden)),
    (SEQ_MISTAKES, lambda m, fn, hidden: (check_rnn_forward_shapes(fn, hidden=hidden),
                                          check_rnn_forward_values(fn, hidden=hidden))),
]
