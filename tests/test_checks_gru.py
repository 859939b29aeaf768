"""Feedback checks for the GRU exercise: right answers pass, typical mistakes are named."""

import numpy as np
import pytest

import rnn_course
from rnn_course.checks import FeedbackError
from rnn_course.checks.gru import (
    check_gru_backward,
    check_gru_cell_backward,
    check_gru_cell_forward_shapes,
    check_gru_cell_forward_values,
    check_gru_forward_shapes,
    check_gru_forward_values,
    check_gru_param_count,
)


def sig(a):
    return 1 / (1 + np.exp(-a))


def cell(x, h, p, m=""):
    """An independent GRU cell, with an optional mistake ``m``."""
    W = {g: p[f"W_{g}"] for g in "zrh"}
    U = {g: p[f"U_{g}"] for g in "zrh"}
    b = {g: (0.0 if m == f"no_b_{g}" else p[f"b_{g}"]) for g in "zrh"}
    for g in "zrh":
        if m == f"swap_{g}":
            W[g], U[g] = U[g], W[g]
        if m == f"transpose_U_{g}":
            U[g] = U[g].T
        if m == f"transpose_W_{g}":
            W[g] = W[g].T
    act = np.tanh if m == "gate_tanh" else sig
    z = act(h @ W["z"].T + x @ U["z"].T + b["z"])
    r = act(h @ W["r"].T + x @ U["r"].T + b["r"])
    if m == "swap_zr":
        z, r = r, z
    xu = x @ U["h"].T
    if m == "reset_x":
        a = h @ W["h"].T + r * xu
    elif m == "reset_after":
        a = r * (h @ W["h"].T) + xu
    elif m == "reset_none":
        a = h @ W["h"].T + xu
    else:
        a = (r * h) @ W["h"].T + xu
    a = a + b["h"]
    ht = sig(a) if m == "cand_sigmoid" else np.tanh(a)
    cache = {"x_t": x, "h_prev": h, "z_t": z, "r_t": r, "h_tilde": ht, **p}
    if m == "flip_z":
        return z * h + (1 - z) * ht, cache
    return (1 - z) * h + z * ht, cache


def forward(X, h0, p, *, mistake="", cell_fn=cell):
    hs, caches, h = [], [], h0
    for k in range(len(X)):
        start = h0 if mistake == "from_h0" else h
        h, step = cell_fn(X[k], start, p)
        hs.append(h)
        caches.append(step)
    if mistake == "with_h0":
        return np.array([h0] + hs), caches
    if mistake == "h0_first":
        return np.array([h0] + hs[:-1]), caches
    if mistake == "last_only":
        return hs[-1], caches
    if mistake == "reversed":
        return np.array(hs[::-1]), caches
    return np.array(hs), caches


def _flat(a):
    return a.reshape(-1, a.shape[-1])


def cell_backward(dh, c, m=""):
    """An independent GRU cell backward, with an optional mistake ``m``."""
    x, h, z, r, ht = (c[k] for k in ("x_t", "h_prev", "z_t", "r_t", "h_tilde"))
    dz = dh * ((h - ht) if m == "flip_dz" else (ht - h))
    dht = dh * z
    da_h = dht if m == "no_tanh" else dht * (1 - ht**2)
    d_rh = da_h @ c["W_h"]
    da_z = dz if m == "no_sig_z" else dz * z * (1 - z)
    da_r = d_rh * h if m == "no_sig_r" else d_rh * h * r * (1 - r)
    dh_prev = d_rh * (1 if m == "cand_path_no_r" else r)
    if m != "no_direct":
        dh_prev = dh_prev + dh * (1 - z)
    if m != "no_z_path":
        dh_prev = dh_prev + da_z @ c["W_z"]
    if m != "no_r_path":
        dh_prev = dh_prev + da_r @ c["W_r"]
    dx = da_h @ c["U_h"] + da_r @ c["U_r"]
    if m != "dx_no_z":
        dx = dx + da_z @ c["U_z"]
    das = {"z": _flat(da_z), "r": _flat(da_r), "h": _flat(da_h)}
    rh = _flat(h) if m == "dWh_no_r" else _flat(r * h)
    g = {"W_z": das["z"].T @ _flat(h), "W_r": das["r"].T @ _flat(h),
         "W_h": das["h"].T @ rh}
    for k in "zrh":
        g[f"U_{k}"] = das[k].T @ _flat(x)
        g[f"b_{k}"] = das[k].sum(0)
        if m == "b_unsummed":
            g[f"b_{k}"] = {"z": da_z, "r": da_r, "h": da_h}[k]
    if m == "transpose":
        g["W_r"] = g["W_r"].T
    if m == "mean" and da_z.ndim == 2:
        g = {k: v / da_z.shape[0] for k, v in g.items()}
    return dx, dh_prev, g


def backward(dhs, cache, m="", cell_bwd=cell_backward):
    """BPTT over the list of cell caches, as ex05 Part 4 asks (with an optional mistake)."""
    T = len(cache)
    grads = {k: 0.0 for k in ("W_z", "W_r", "W_h", "U_z", "U_r", "U_h",
                              "b_z", "b_r", "b_h")}
    dX, dh_next = [None] * T, np.zeros_like(cache[0]["h_prev"])
    for k in (range(T) if m == "forwards" else reversed(range(T))):
        up = dhs[k] + (0.0 if m == "no_carry" else dh_next)
        dX[k], dh_next, g = cell_bwd(up, cache[k])
        grads = {key: g[key] if m == "overwrite" else grads[key] + g[key]
                 for key in grads}
    dh0 = np.zeros_like(dh_next) if m == "dh0_zero" else dh_next
    return np.array(dX), dh0, grads


def param_count(input_size, hidden_size):
    H, D = hidden_size, input_size
    return 3 * (H * H + H * D + H)


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_answers_pass(hidden, capsys):
    check_gru_cell_forward_shapes(cell, hidden=hidden)
    check_gru_cell_forward_values(cell, hidden=hidden)
    check_gru_forward_shapes(forward, cell=cell, hidden=hidden)
    check_gru_forward_values(forward, cell=cell, hidden=hidden)
    check_gru_cell_backward(cell_backward, hidden=hidden)
    check_gru_backward(backward, cell=cell_backward, hidden=hidden)
    check_gru_param_count(param_count, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 7


def _mutating_cell(x, h, p):
    h *= 0.5
    return cell(x, h, p)


def _nan_cell(x, h, p):
    return cell(x, h, p)[0] * np.nan, cell(x, h, p)[1]


FORWARD_MISTAKES = {
    "update gate is applied the wrong way round": "flip_z",
    r"reset gate is applied to U_h x_t": "reset_x",
    r"reset gate is applied after W_h\.\nPyTorch computes": "reset_after",
    "reset gate is not used": "reset_none",
    "candidate h̃_t uses the sigmoid": "cand_sigmoid",
    "gates use tanh": "gate_tanh",
    "update and reset gates are swapped": "swap_zr",
    "W_h and U_h are swapped": "swap_h",
    "W_z and U_z are swapped": "swap_z",
    "W_r and U_r are swapped": "swap_r",
    r"U_z is applied transposed\.\nU_z multiplies x_t from the right as x_t @ U_z\.T": "transpose_U_z",
    r"W_h is applied transposed": "transpose_W_h",
    "bias b_z of the update gate is missing": "no_b_z",
    "bias b_r of the reset gate is missing": "no_b_r",
    "bias b_h of the candidate is missing": "no_b_h",
}


@pytest.mark.parametrize("message", FORWARD_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_cell_forward_mistakes_are_named(message, hidden):
    mistake = FORWARD_MISTAKES[message]
    with pytest.raises(FeedbackError, match=message):
        check_gru_cell_forward_values(lambda x, h, p: cell(x, h, p, mistake),
                                      hidden=hidden)


OTHER_CELL_MISTAKES = {
    "reference implementation": rnn_course.gru_cell_forward,
    "changed its input h_prev in place": _mutating_cell,
    "NaN or infinite": _nan_cell,
    r"returned a single array, not a pair \(h_t, cache\)": lambda x, h, p: cell(x, h, p)[0],
    r"matrix product did not fit(.|\n)*U_z, U_r, U_h are each \(\d+, \d+\) \(rows are outputs\) and multiply x_t":
        lambda x, h, p: cell(x, h, p, "swap_h"),
}


@pytest.mark.parametrize("message", OTHER_CELL_MISTAKES)
def test_other_cell_forward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_gru_cell_forward_shapes(OTHER_CELL_MISTAKES[message])


def test_wrong_shape_is_named():
    with pytest.raises(FeedbackError, match=r"h_t of the wrong shape\.\nIt is \(5, 1\)"):
        check_gru_cell_forward_shapes(
            lambda x, h, p: (cell(x, h, p)[0][:, None], cell(x, h, p)[1]))


SEQ_MISTAKES = {
    "returned a single state": "last_only",
    r"returned (\d+) states for \d+ inputs; leave out h0": "with_h0",
    "off by one step": "h0_first",
    "every step starts from h0": "from_h0",
    "reverse order": "reversed",
}


@pytest.mark.parametrize("message", SEQ_MISTAKES)
def test_sequence_forward_mistakes_are_named(message):
    check = (check_gru_forward_shapes if "returned" in message
             else check_gru_forward_values)
    with pytest.raises(FeedbackError, match=message):
        check(lambda X, h0, p: forward(X, h0, p, mistake=SEQ_MISTAKES[message]))


@pytest.mark.parametrize("hidden", [False, True])
def test_sequence_forward_names_a_wrong_cell_and_delegation(hidden):
    def wrong(X, h0, p):
        return forward(X, h0, p,
                       cell_fn=lambda x, h, q: cell(x, h, q, "flip_z"))

    with pytest.raises(FeedbackError, match=r"hs\[0\] is wrong(.|\n)*gru_cell_forward\(X\[0\], h0, params\)"):
        check_gru_forward_values(wrong, hidden=hidden)
    with pytest.raises(FeedbackError, match="reference implementation"):
        check_gru_forward_values(rnn_course.gru_forward, hidden=hidden)


CELL_BACKWARD_MISTAKES = {
    r"misses the direct path through \(1 − z_t\)": "no_direct",
    "misses the path through the update gate": "no_z_path",
    "misses the path through the reset gate": "no_r_path",
    "multiply da_h @ W_h by r_t": "cand_path_no_r",
    "dz_t has the wrong sign": "flip_dz",
    "derivative of tanh is missing": "no_tanh",
    "σ′ of the update gate is missing": "no_sig_z",
    "σ′ of the reset gate is missing": "no_sig_r",
    r"r_t ⊙ h_\{t-1\}, not h_\{t-1\}": "dWh_no_r",
    "dx_t misses the update gate's term": "dx_no_z",
    r'grads\["W_r"\] is transposed': "transpose",
    "averaged over the batch": "mean",
    r'grads\["b_z"\] must be summed over the batch': "b_unsummed",
}


@pytest.mark.parametrize("message", CELL_BACKWARD_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_cell_backward_mistakes_are_named(message, hidden):
    mistake = CELL_BACKWARD_MISTAKES[message]
    with pytest.raises(FeedbackError, match=message):
        check_gru_cell_backward(lambda dh, c: cell_backward(dh, c, mistake),
                                hidden=hidden)


def test_cell_backward_delegation_and_missing_keys():
    with pytest.raises(FeedbackError, match="reference implementation"):
        check_gru_cell_backward(rnn_course.gru_cell_backward)
    with pytest.raises(FeedbackError, match="grads is missing 'W_r'"):
        check_gru_cell_backward(
            lambda dh, c: (*cell_backward(dh, c)[:2], {"W_z": 0}))
    with pytest.raises(FeedbackError, match="must return three values"):
        check_gru_cell_backward(lambda dh, c: cell_backward(dh, c)[:2])


SEQ_BACKWARD_MISTAKES = {
    "gradient flowing back through time is lost": "no_carry",
    r"add up each step's gradients \(\+=\)": "overwrite",
    "the loop runs forwards": "forwards",
    "dh0 is wrong": "dh0_zero",
}


@pytest.mark.parametrize("message", SEQ_BACKWARD_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_sequence_backward_mistakes_are_named(message, hidden):
    mistake = SEQ_BACKWARD_MISTAKES[message]
    with pytest.raises(FeedbackError, match=message):
        check_gru_backward(lambda d, c: backward(d, c, mistake), hidden=hidden)


def test_sequence_backward_with_a_wrong_cell_points_to_part_3():
    def no_tanh(d, c):
        return cell_backward(d, c, "no_tanh")

    def wrong(dhs, cache):
        return backward(dhs, cache, cell_bwd=no_tanh)

    with pytest.raises(FeedbackError, match=r"\(Part 3\)"):
        check_gru_backward(wrong)
    with pytest.raises(FeedbackError, match=r"^gru_backward: your gru_cell_backward is wrong; fix Part 3 first\.\n"
                                             r"(.|\n)*derivative of tanh is missing"):
        check_gru_backward(wrong, cell=no_tanh)
    with pytest.raises(FeedbackError, match="reference implementation"):
        check_gru_backward(rnn_course.gru_backward)


COUNT_MISTAKES = {
    "LSTM's count": lambda D, H: 4 * (H * H + H * D + H),
    "biases are missing": lambda D, H: 3 * (H * H + H * D),
    "two biases per block": lambda D, H: 3 * (H * H + H * D + 2 * H),
    "one block": lambda D, H: H * H + H * D + H,
    "input_size and hidden_size are swapped":
        lambda D, H: 3 * (D * D + D * H + D),
    r"expected \d+\.\nThat was for .*\. Count every array": lambda D, H: 3 * (H * H + H * D + H) + 1,
    "must return a whole number": lambda D, H: str(3 * (H * H + H * D + H)),
    "reference implementation": rnn_course.gru_param_count,
}


@pytest.mark.parametrize("message", COUNT_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_param_count_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_gru_param_count(COUNT_MISTAKES[message], hidden=hidden)


def test_delegating_param_count_through_count_params_is_flagged():
    def via_params(input_size, hidden_size):
        from rnn_course import count_params, init_gru_params
        return count_params(init_gru_params(input_size, hidden_size))

    with pytest.raises(FeedbackError, match="reference implementation"):
        check_gru_param_count(via_params)


# ----------------------------------------------------------------- one cache contract, hints


def backward_reading_biases(dh, c):
    """A cell backward that recomputes the gates from the cache, biases included."""
    z = sig(c["h_prev"] @ c["W_z"].T + c["x_t"] @ c["U_z"].T + c["b_z"])
    assert np.allclose(z, c["z_t"])
    return cell_backward(dh, c)


@pytest.mark.parametrize("hidden", [False, True])
def test_the_biases_are_in_the_caches_of_part_3_and_of_part_4(hidden, capsys):
    check_gru_cell_backward(backward_reading_biases, hidden=hidden)
    check_gru_backward(lambda d, c: backward(d, c, cell_bwd=backward_reading_biases),
                       cell=backward_reading_biases, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


def test_part_4_hands_out_the_cell_caches_of_part_3():
    seen = {}

    def spy_cell(dh, c):
        seen.setdefault("cell", set(c))
        return cell_backward(dh, c)

    def spy_sequence(dhs, cache):
        seen.setdefault("sequence", [set(step) for step in cache])
        return backward(dhs, cache)

    check_gru_cell_backward(spy_cell)
    check_gru_backward(spy_sequence)
    assert all(keys == seen["cell"] for keys in seen["sequence"])
    assert {"b_z", "b_r", "b_h"} <= seen["cell"]


def test_gru_messages_never_mention_the_rnn_weight_w_x():
    def untransposed(x, h, p):
        z = sig(h @ p["W_z"].T + x @ p["U_z"] + p["b_z"])
        return z, {}

    for check in (check_gru_cell_forward_shapes, check_gru_cell_forward_values):
        with pytest.raises(FeedbackError) as info:
            check(untransposed)
        assert "W_x" not in str(info.value)


@pytest.mark.parametrize("hidden", [False, True])
def test_a_gru_forward_on_a_wrong_cell_is_told_to_fix_part_1_first(hidden):
    def flipped(x, h, p):
        return cell(x, h, p, "flip_z")

    with pytest.raises(FeedbackError, match=r"^gru_forward: your gru_cell_forward is wrong; fix Part 1 first\.\n"
                                             r"(.|\n)*update gate is applied the wrong way round"):
        check_gru_forward_values(lambda X, h0, p: forward(X, h0, p, cell_fn=flipped), cell=flipped, hidden=hidden)


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (FORWARD_MISTAKES, lambda m, code, hidden: check_gru_cell_forward_values(
        lambda x, h, p: cell(x, h, p, code), hidden=hidden)),
    (OTHER_CELL_MISTAKES, lambda m, fn, hidden: check_gru_cell_forward_shapes(fn, hidden=hidden)),
    (SEQ_MISTAKES, lambda m, code, hidden: (check_gru_forward_shapes if "returned" in m else check_gru_forward_values)(
        lambda X, h0, p: forward(X, h0, p, mistake=code), hidden=hidden)),
    (CELL_BACKWARD_MISTAKES, lambda m, code, hidden: check_gru_cell_backward(
        lambda dh, c: cell_backward(dh, c, code), hidden=hidden)),
    (SEQ_BACKWARD_MISTAKES, lambda m, code, hidden: check_gru_backward(
        lambda d, c: backward(d, c, code), hidden=hidden)),
    (COUNT_MISTAKES, lambda m, fn, hidden: check_gru_param_count(fn, hidden=hidden)),
]
