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
    cache = {"x": x, "C": C}
    return (C, h_t, cache) if ret_order == "ch" else (h_t, C, cache)


def forward(X, h0, c0, p, *, carry_c=True, cell=cell_forward, last_only=False, swap_out=False):
    hs, cs, h, c = [], [], h0, c0
    for t in range(len(X)):
        h, c, _ = cell(X[t], h, c if carry_c else c0, p)
        hs.append(h)
        cs.append(c)
    hs, cs = np.array(hs), np.array(cs)
    if last_only:
        return hs[-1], cs[-1], {}
    return (cs, hs, {}) if swap_out else (hs, cs, {})


def cell_backward(dh, dc, cache, *, no_f=False, no_h_path=False, no_dc=False, swap_fi=False,
                  c_prev_in_h=False, mean=False, drop_gate=None, b_unsummed=False, mutate=False):
    x, hp, cp = cache["x_t"], cache["h_prev"], cache["c_prev"]
    f, i, ct, o, C = (cache[k] for k in ("f_t", "i_t", "c_tilde", "o_t", "c_t"))
    p = cache["params"]
    tc = np.tanh(cp if c_prev_in_h else C)
    do = dh * tc
    dC = (0 if no_dc else dc) + (0 if no_h_path else dh * o * (1 - tc**2))
    df, di = dC * cp, dC * ct
    if swap_fi:
        df, di = di, df
    da = {"f": df * f * (1 - f), "i": di * i * (1 - i), "c": dC * i * (1 - ct**2), "o": do * o * (1 - o)}
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
    r"tanh is missing on the cell state.*instead of tanh\(C_t\)": kw(cell_forward, out_tanh=False),
    r"C_\{t-1\} is used where C_t belongs": kw(cell_forward, h_from_prev=True),
    "candidate C̃_t uses the sigmoid instead of tanh": kw(cell_forward, cand=sig),
    "W_\\* and U_\\* are swapped": kw(cell_forward, swap_wu=True),
    "bias b_i of the input gate i_t is missing": kw(cell_forward, no_bias="i"),
    "bias b_c of the candidate": kw(cell_forward, no_bias="c"),
    r"returns \(c_t, h_t\)": kw(cell_forward, ret_order="ch"),
    "output gate o_t uses tanh instead of the sigmoid": tanh_wrong_gate,
    "output gate open.*h_t must equal tanh|C_t is right but h_t is wrong.*output gate": odd_output_gate,
    "forget gate shut.*check the candidate memory": odd_candidate,
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

    with pytest.raises(FeedbackError, match="h_t of shape"):
        check_lstm_cell_forward_shapes(summed)


FORWARD_MISTAKES = {
    "cell state is not carried": kw(forward, carry_c=False),
    "only the last state": kw(forward, last_only=True),
    r"returns \(cs, hs\)": kw(forward, swap_out=True),
    "at every step, the forget and input gates are swapped": kw(forward, cell=kw(cell_forward, swap_fi=True)),
    "at every step, tanh is missing on the cell state": kw(forward, cell=kw(cell_forward, out_tanh=False)),
}


@pytest.mark.parametrize("message", list(FORWARD_MISTAKES))
def test_forward_mistakes_are_named(message):
    check = check_lstm_forward_shapes if "last" in message else check_lstm_forward_values
    with pytest.raises(FeedbackError, match=message):
        check(FORWARD_MISTAKES[message])


CELL_BACKWARD_MISTAKES = {
    "dc_prev forgets the factor f_t": kw(cell_backward, no_f=True),
    r"dC_t misses the path through h_t.*o_t ⊙ \(1 − tanh²\(C_t\)\)": kw(cell_backward, no_h_path=True),
    "gradient from the next step's cell state is not carried": kw(cell_backward, no_dc=True),
    "forget and input gates are swapped": kw(cell_backward, swap_fi=True),
    r"C_\{t-1\} is used where C_t belongs": kw(cell_backward, c_prev_in_h=True),
    "averaged over the batch": kw(cell_backward, mean=True),
    "output gate o_t's term": kw(cell_backward, drop_gate="o"),
    r'grads\["b_f"\] has shape .* sum it over the batch': kw(cell_backward, b_unsummed=True),
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

    with pytest.raises(FeedbackError, match="gradients of the input gate i_t are wrong"):
        check_lstm_cell_backward_values(odd)


BACKWARD_MISTAKES = {
    "gradient from the next step's cell state is not carried": kw(backward, carry_c=False),
    r"dh = dhs\[t\] \+ dh_next": kw(backward, carry_h=False),
    "not summed over time": kw(backward, overwrite=True),
    "at every step, dc_prev forgets the factor f_t": kw(backward, cell=kw(cell_backward, no_f=True)),
    "at every step, dC_t misses the path through h_t": kw(backward, cell=kw(cell_backward, no_h_path=True)),
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
