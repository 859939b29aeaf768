"""Feedback checks for the LSTM exercise: right answers pass, typical mistakes are named."""

import numpy as np
import pytest

from rnn_course.checks import FeedbackError
from rnn_course.checks.lstm import (
    check_lstm_backward_shapes,
    check_lstm_backward_values,
    check_lstm_cell_backward_shapes,
    check_lstm_cell_backward_values,
    check_lstm_cell_forward_shapes,
    check_lstm_cell_forward_values,
    check_lstm_forward_shapes,
    check_lstm_forward_values,
)

GATES = "fico"


def sig(a):
    return 1 / (1 + np.exp(-a))


def flat(a):
    return a.reshape(-1, a.shape[-1])


# ----------------------------------------------------------------- learner-style answers


def cell_forward(x, h, c, p, *, swap_fi=False, swap_wu=False, cand=np.tanh, out_tanh=True,
                 h_from_prev=False, no_bias=None, ret_order="hc", mutate=False):
    def pre(g):
        W, U = (p[f"U_{g}"], p[f"W_{g}"]) if swap_wu else (p[f"W_{g}"], p[f"U_{g}"])
        b = 0.0 if g == no_bias else p[f"b_{g}"]
        return h @ W.T + x @ U.T + b

    f, i, o = sig(pre("f")), sig(pre("i")), sig(pre("o"))
    if swap_fi:
        f, i = i, f
    ct = cand(pre("c"))
    C = f * c + i * ct
    if mutate:
        c *= 0.5
    h_t = o * (np.tanh(c if h_from_prev else C) if out_tanh else C)
    cache = {"x_t": x, "h_prev": h, "c_prev": c, "f_t": f, "i_t": i, "c_tilde": ct, "o_t": o,
             "c_t": C, "h_t": h_t, "params": p}
    return (C, h_t, cache) if ret_order == "ch" else (h_t, C, cache)


def forward(X, h0, c0, p, *, carry_c=True, cell=cell_forward, last_only=False, swap_out=False):
    hs, cs, caches, h, c = [], [], [], h0, c0
    for k in range(len(X)):
        h, c, step = cell(X[k], h, c if carry_c else c0, p)
        hs.append(h)
        cs.append(c)
        caches.append(step)
    hs, cs = np.array(hs), np.array(cs)
    if last_only:
        return hs[-1], cs[-1], caches
    return (cs, hs, caches) if swap_out else (hs, cs, caches)


def cell_backward(dh, dc, cache, *, no_f=False, no_h_path=False, no_dc=False, swap_fi=False,
                  c_prev_in_h=False, mean=False, drop_gate=None, b_unsummed=False, mutate=False,
                  twice_cand=False):
    x, hp, cp = cache["x_t"], cache["h_prev"], cache["c_prev"]
    f, i, ct, o, C = (cache[k] for k in ("f_t", "i_t", "c_tilde", "o_t", "c_t"))
    p = cache["params"]
    tc = np.tanh(cp if c_prev_in_h else C)
    do = dh * tc
    dC = (0 if no_dc else dc) + (0 if no_h_path else dh * o * (1 - tc**2))
    df, di = dC * cp, dC * ct
    if swap_fi:
        df, di = di, df
    dct = dC * i * (1 - ct**2) if twice_cand else dC * i  # tanh' already in dC̃_t: applied twice below
    da = {"f": df * f * (1 - f), "i": di * i * (1 - i), "c": dct * (1 - ct**2), "o": do * o * (1 - o)}
    dh_prev = sum(da[g] @ p[f"W_{g}"] for g in GATES if g != drop_gate)
    dx = sum(da[g] @ p[f"U_{g}"] for g in GATES if g != drop_gate)
    n = flat(da["f"]).shape[0] if mean else 1
    grads = {}
    for g in GATES:
        grads[f"W_{g}"] = flat(da[g]).T @ flat(hp) / n
        grads[f"U_{g}"] = flat(da[g]).T @ flat(x) / n
        grads[f"b_{g}"] = da[g] if b_unsummed else flat(da[g]).sum(0) / n
    if mutate:
        cache["c_t"] = cache["c_t"] * 0
    return dx, dh_prev, dC if no_f else dC * f, grads


def backward(dhs, caches, *, carry_c=True, carry_h=True, overwrite=False, cell=cell_backward):
    dh_next = np.zeros_like(caches[0]["h_prev"])
    dc_next = np.zeros_like(caches[0]["c_prev"])
    dX = [None] * len(caches)
    grads = None
    for t in reversed(range(len(caches))):
        dh = dhs[t] + (dh_next if carry_h else 0)
        dX[t], dh_next, dc_prev, g = cell(dh, dc_next if carry_c else 0 * dc_next, caches[t])
        dc_next = dc_prev
        grads = g if grads is None or overwrite else {k: grads[k] + g[k] for k in grads}
    return np.array(dX), dh_next, dc_next, grads


ALL = (
    (check_lstm_cell_forward_shapes, cell_forward),
    (check_lstm_cell_forward_values, cell_forward),
    (check_lstm_forward_shapes, forward),
    (check_lstm_forward_values, forward),
    (check_lstm_cell_backward_shapes, cell_backward),
    (check_lstm_cell_backward_values, cell_backward),
    (check_lstm_backward_shapes, backward),
    (check_lstm_backward_values, backward),
)


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden, capsys):
    for check, fn in ALL:
        check(fn, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == len(ALL)


def test_hidden_checks_vary_their_inputs():
    seen = set()

    def spy(x, h, c, p):
        seen.add(x.tobytes())
        return cell_forward(x, h, c, p)

    check_lstm_cell_forward_values(spy, hidden=True)
    first = set(seen)
    check_lstm_cell_forward_values(spy, hidden=True)
    assert seen - first


# ----------------------------------------------------------------- mistakes and messages


def kw(fn, **options):
    return lambda *args: fn(*args, **options)


def tanh_wrong_gate(x, h, c, p):
    """The output gate computed with tanh instead of the sigmoid."""
    o = np.tanh(h @ p["W_o"].T + x @ p["U_o"].T + p["b_o"])
    _, C, cache = cell_forward(x, h, c, p)
    return o * np.tanh(C), C, cache


def odd_output_gate(x, h, c, p):
    """An unanticipated mistake in the output gate only: found by forcing gates."""
    o = sig(h @ p["W_o"].T + x @ p["U_o"].T + 2 * p["b_o"])
    _, C, cache = cell_forward(x, h, c, p)
    return o * np.tanh(C), C, cache


def odd_candidate(x, h, c, p):
    """An unanticipated mistake in the candidate only."""
    return cell_forward(x, h, c, p, cand=lambda a: np.tanh(0.5 * a))


def delegating_cell(x, h, c, p):
    from rnn_course import lstm_cell_forward as ref

    return ref(x, h, c, p)


def delegating_backward(dhs, cache):
    from rnn_course import lstm_backward as ref

    return ref(dhs, cache)


def delegating_cell_backward(dh, dc, cache):
    from rnn_course import lstm_cell_backward as ref

    return ref(dh, dc, cache)


def nan_cell(x, h, c, p):
    h_t, C, cache = cell_forward(x, h, c, p)
    return h_t * np.nan, C, cache


CELL_FORWARD_MISTAKES = {
    "forget and input gates are swapped": kw(cell_forward, swap_fi=True),
    r"tanh is missing on the cell state\.\nThe output gate is applied to C_t instead of tanh\(C_t\)":
        kw(cell_forward, out_tanh=False),
    r"C_\{t-1\} is used where C_t belongs": kw(cell_forward, h_from_prev=True),
    "candidate C̃_t uses σ instead of tanh": kw(cell_forward, cand=sig),
    "W_\\* and U_\\* are swapped": kw(cell_forward, swap_wu=True),
    "bias b_i of the input gate i_t is missing": kw(cell_forward, no_bias="i"),
    "bias b_c of the candidate": kw(cell_forward, no_bias="c"),
    r"returns \(c_t, h_t\)": kw(cell_forward, ret_order="ch"),
    "output gate uses tanh, not σ": tanh_wrong_gate,
    r"check the hidden state\.\nWith the output gate open|C_t is right, h_t is not: check the output gate":
        odd_output_gate,
    r"check the candidate memory\.\nWith the forget gate shut": odd_candidate,
    "reference implementation": delegating_cell,
    "NaN": nan_cell,
    "changed its input c_prev in place": kw(cell_forward, mutate=True),
}


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("message", list(CELL_FORWARD_MISTAKES))
def test_cell_forward_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_lstm_cell_forward_values(CELL_FORWARD_MISTAKES[message], hidden=hidden)


def test_cell_forward_swap_of_w_and_u_is_named_in_the_shape_check():
    with pytest.raises(FeedbackError, match="W_\\* and U_\\* are swapped"):
        check_lstm_cell_forward_shapes(kw(cell_forward, swap_wu=True))


def test_cell_forward_wrong_shape():
    def summed(x, h, c, p):
        h_t, C, cache = cell_forward(x, h, c, p)
        return h_t.sum(), C, cache

    with pytest.raises(FeedbackError, match=r"returned h_t of the wrong shape\.\nIt is \(\) for a single example"):
        check_lstm_cell_forward_shapes(summed)


FORWARD_MISTAKES = {
    "cell state is not carried": kw(forward, carry_c=False),
    "only the last state": kw(forward, last_only=True),
    r"returns \(cs, hs\)": kw(forward, swap_out=True),
    r"forget and input gates are swapped\.\nAt every step": kw(forward, cell=kw(cell_forward, swap_fi=True)),
    r"tanh is missing on the cell state\.\nAt every step": kw(forward, cell=kw(cell_forward, out_tanh=False)),
}


@pytest.mark.parametrize("message", list(FORWARD_MISTAKES))
def test_forward_mistakes_are_named(message):
    check = check_lstm_forward_shapes if "last" in message else check_lstm_forward_values
    with pytest.raises(FeedbackError, match=message):
        check(FORWARD_MISTAKES[message])


CELL_BACKWARD_MISTAKES = {
    "dc_prev forgets the factor f_t": kw(cell_backward, no_f=True),
    r"dc_total misses the path through h_t\.\ndc_total = dc_t \+ dh_t ⊙ o_t ⊙ \(1 − tanh²\(C_t\)\)":
        kw(cell_backward, no_h_path=True),
    "the incoming dc_t is not added to dc_total": kw(cell_backward, no_dc=True),
    r"tanh′ is applied twice to the candidate C̃_t\.\n": kw(cell_backward, twice_cand=True),
    "forget and input gates are swapped": kw(cell_backward, swap_fi=True),
    r"C_\{t-1\} is used where C_t belongs": kw(cell_backward, c_prev_in_h=True),
    "averaged over the batch": kw(cell_backward, mean=True),
    "miss the output gate's term": kw(cell_backward, drop_gate="o"),
    r'grads\["b_f"\] must be summed over the batch': kw(cell_backward, b_unsummed=True),
    "reference implementation": delegating_cell_backward,
    "changed its input cache": kw(cell_backward, mutate=True),
}


@pytest.mark.parametrize("message", list(CELL_BACKWARD_MISTAKES))
def test_cell_backward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_lstm_cell_backward_values(CELL_BACKWARD_MISTAKES[message])


def test_cell_backward_unknown_mistake_names_the_gate():
    def odd(dh, dc, cache):
        dx, dhp, dcp, g = cell_backward(dh, dc, cache)
        return dx, dhp, dcp, {**g, "U_i": 2 * g["U_i"]}

    with pytest.raises(FeedbackError, match="the input gate's gradients are wrong"):
        check_lstm_cell_backward_values(odd)


BACKWARD_MISTAKES = {
    "gradient from the next cell state is not carried": kw(backward, carry_c=False),
    r"dh = dhs\[k\] \+ dh_next": kw(backward, carry_h=False),
    "not summed over time": kw(backward, overwrite=True),
    r"dc_prev forgets the factor f_t\.\nAt every step": kw(backward, cell=kw(cell_backward, no_f=True)),
    r"dc_total misses the path through h_t\.\nAt every step": kw(backward, cell=kw(cell_backward, no_h_path=True)),
    "reference implementation": delegating_backward,
}


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("message", list(BACKWARD_MISTAKES))
def test_backward_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_lstm_backward_values(BACKWARD_MISTAKES[message], hidden=hidden)


def test_unanswered_exercise_shows_as_unanswered():
    def todo(*args):
        raise NotImplementedError()

    for check, _ in ALL:
        with pytest.raises(NotImplementedError):
            check(todo)


# ----------------------------------------------------------------- blame the right part, the cache


def test_the_double_tanh_derivative_on_the_candidate_is_named_not_blamed_on_its_gradients():
    with pytest.raises(FeedbackError) as info:
        check_lstm_cell_backward_values(kw(cell_backward, twice_cand=True))
    assert info.value.headline == "lstm_cell_backward: tanh′ is applied twice to the candidate C̃_t."
    assert "parameter gradients" not in str(info.value)


@pytest.mark.parametrize("hidden", [False, True])
def test_a_sequence_forward_on_a_wrong_cell_is_told_to_fix_part_1_first(hidden):
    wrong = kw(cell_forward, swap_fi=True)
    with pytest.raises(FeedbackError, match=r"^lstm_forward: your lstm_cell_forward is wrong; fix Part 1 first\.\n"
                                             r"(.|\n)*forget and input gates are swapped"):
        check_lstm_forward_values(kw(forward, cell=wrong), cell=wrong, hidden=hidden)


@pytest.mark.parametrize("hidden", [False, True])
def test_a_sequence_backward_on_a_wrong_cell_is_told_to_fix_part_3_first(hidden):
    wrong = kw(cell_backward, twice_cand=True)
    with pytest.raises(FeedbackError, match=r"^lstm_backward: your lstm_cell_backward is wrong; fix Part 3 first\.\n"
                                             r"(.|\n)*tanh′ is applied twice to the candidate"):
        check_lstm_backward_values(kw(backward, cell=wrong), cell=wrong, hidden=hidden)


def test_right_sequences_pass_with_their_cells(capsys):
    check_lstm_forward_shapes(forward, cell=cell_forward)
    check_lstm_forward_values(forward, cell=cell_forward)
    check_lstm_backward_shapes(backward, cell=cell_backward)
    check_lstm_backward_values(backward, cell=cell_backward)
    assert capsys.readouterr().out.count("\u2713") == 4


def test_the_cache_contract_is_checked():
    def no_candidate(x, h, c, p):
        h_t, C, cache = cell_forward(x, h, c, p)
        return h_t, C, {k: v for k, v in cache.items() if k != "c_tilde"}

    with pytest.raises(FeedbackError, match="lstm_cell_forward: the cache is missing 'c_tilde'"):
        check_lstm_cell_forward_shapes(no_candidate)
    with pytest.raises(FeedbackError, match="lstm_forward: the cache must be a list of the 4 step caches"):
        check_lstm_forward_shapes(lambda X, h0, c0, p: (*forward(X, h0, c0, p)[:2], {"steps": []}))


def test_lstm_messages_never_mention_the_rnn_weight_w_x():
    def untransposed(x, h, c, p):
        f = sig(h @ p["W_f"].T + x @ p["U_f"] + p["b_f"])
        return f, f, {}

    with pytest.raises(FeedbackError, match=r"U_f, U_i, U_c, U_o are each \(5, 3\)") as info:
        check_lstm_cell_forward_shapes(untransposed)
    assert "W_x" not in str(info.value)


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (CELL_FORWARD_MISTAKES, lambda m, fn, hidden: check_lstm_cell_forward_values(fn, hidden=hidden)),
    (FORWARD_MISTAKES, lambda m, fn, hidden: (check_lstm_forward_shapes if "last" in m else check_lstm_forward_values)(
        fn, hidden=hidden)),
    (CELL_BACKWARD_MISTAKES, lambda m, fn, hidden: check_lstm_cell_backward_values(fn, hidden=hidden)),
    (BACKWARD_MISTAKES, lambda m, fn, hidden: check_lstm_backward_values(fn, hidden=hidden)),
]
