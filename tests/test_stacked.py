"""Deep and bidirectional RNNs (rnn_course.layers.stacked): what each output depends on,
gradients against finite differences (inputs, initial states and every parameter, for the
RNN, the GRU and the LSTM with its cell state), the layout of the final states, and errors
that name the argument."""

from __future__ import annotations

import numpy as np
import pytest

import rnn_course as rc
from rnn_course.layers.stacked import CELLS

T, D, H, B = 5, 3, 4, 2


def random_inputs(shape_T_B, n_states, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((*shape_T_B, D))
    h0 = rng.standard_normal((n_states, *shape_T_B[1:], H))
    return X, h0


def initial_state(cell, h0, seed=0):
    """What the stack takes as its initial state: ``h0``, or for the LSTM the pair
    ``(h0, c0)`` with a random ``c0`` shaped like ``h0``; and the same as named arrays."""
    if cell != "lstm":
        return h0, {"h0": h0}
    c0 = np.random.default_rng(seed + 100).standard_normal(h0.shape)
    return (h0, c0), {"h0": h0, "c0": c0}


def state_of(cell, named):
    return (named["h0"], named["c0"]) if cell == "lstm" else named["h0"]


def run_cell(cell, X, state, params):
    """The cell's own sequence forward from ``state`` (a tuple of one state per array)."""
    forward = CELLS[cell][0]
    return forward(X, *state, params)[0]


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("batch", [(), (B,)], ids=["one sequence", "batch"])
def test_bidirectional_is_the_cell_forwards_and_on_the_reversed_sequence(cell, batch):
    (params,) = rc.init_stack_params(D, H, bidirectional=True, cell=cell, rng=1)
    X, h0 = random_inputs((T, *batch), 2)
    start, named = initial_state(cell, h0)
    Y, _ = rc.bidirectional_forward(X, start, params, cell=cell)
    assert Y.shape == (T, *batch, 2 * H)
    own = {k: v for k, v in params.items() if not k.endswith("_reverse")}
    rev = {k[: -len("_reverse")]: v for k, v in params.items() if k.endswith("_reverse")}
    hs_fwd = run_cell(cell, X, [a[0] for a in named.values()], own)
    hs_rev = run_cell(cell, X[::-1], [a[1] for a in named.values()], rev)
    np.testing.assert_array_equal(Y[..., :H], hs_fwd)
    np.testing.assert_array_equal(Y[..., H:], hs_rev[::-1])


def test_each_direction_reads_only_its_side_of_the_sequence():
    """d y_t / d x_s: the forwards half is zero for s > t, the backwards half for s < t."""
    (params,) = rc.init_stack_params(D, H, bidirectional=True, rng=2)
    X, h0 = random_inputs((T,), 2, seed=2)
    _, cache = rc.bidirectional_forward(X, h0, params)
    for t in range(T):
        for half, later_zero in ((slice(0, H), True), (slice(H, 2 * H), False)):
            dY = np.zeros((T, 2 * H))
            dY[t, half] = 1.0
            dX, _, _ = rc.bidirectional_backward(dY, cache)
            size = np.abs(dX).sum(axis=1)
            zero, nonzero = (size[t + 1:], size[: t + 1]) if later_zero else (size[:t], size[t:])
            assert np.all(zero == 0.0)
            assert np.all(nonzero > 0.0)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_bidirectional_backward_matches_finite_differences(cell):
    (params,) = rc.init_stack_params(D, H, bidirectional=True, cell=cell, rng=3)
    X, h0 = random_inputs((T, B), 2, seed=3)
    start, named = initial_state(cell, h0, seed=3)
    Y, cache = rc.bidirectional_forward(X, start, params, cell=cell)
    dY = np.random.default_rng(4).standard_normal(Y.shape)
    dX, dstart, grads = rc.bidirectional_backward(dY, cache)
    assert set(grads) == set(params)
    dnamed = dict(zip(named, dstart)) if cell == "lstm" else {"h0": dstart}

    def f(X, h0, c0=None, **p):
        return rc.bidirectional_forward(X, state_of(cell, {"h0": h0, "c0": c0}), p, cell=cell)[0]

    errors = rc.check_gradients(f, {"X": X, **named, **params}, dY,
                                {"X": dX, **dnamed, **grads}, measure="norm")
    assert len(errors) == 1 + len(named) + len(params)
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
def test_stack_backward_matches_finite_differences(cell, bidirectional):
    L, n_dir = 3, 2 if bidirectional else 1
    layers = rc.init_stack_params(D, H, L, bidirectional=bidirectional, cell=cell, rng=5)
    X, h0 = random_inputs((T, B), L * n_dir, seed=5)
    start, named = initial_state(cell, h0, seed=5)
    Y, cache = rc.stack_forward(X, start, layers, cell=cell)
    assert Y.shape == (T, B, n_dir * H)
    dY = np.random.default_rng(6).standard_normal(Y.shape)
    dX, dstart, grads = rc.stack_backward(dY, cache)
    dnamed = dict(zip(named, dstart)) if cell == "lstm" else {"h0": dstart}
    assert dX.shape == X.shape and len(grads) == L
    assert all(dnamed[k].shape == named[k].shape for k in named)

    def f(X, h0, c0=None, **_):  # the parameters are perturbed in place, inside `layers`
        return rc.stack_forward(X, state_of(cell, {"h0": h0, "c0": c0}), layers, cell=cell)[0]

    errors = rc.check_gradients(f, {"X": X, **named}, dY, {"X": dX, **dnamed}, measure="norm")
    for i in range(L):  # every parameter of every layer, perturbed in place
        errors.update({f"layers[{i}][{k}]": e for k, e in rc.check_gradients(
            f, {"X": X, **named, **layers[i]}, dY, grads[i], measure="norm").items()})
    assert len(errors) == 1 + len(named) + sum(len(p) for p in layers)
    assert max(errors.values()) < 1e-7, errors


def test_one_layer_stacks_are_the_layers_themselves():
    (params,) = rc.init_stack_params(D, H, rng=7)
    X, h0 = random_inputs((T, B), 1, seed=7)
    Y, _ = rc.stack_forward(X, h0, [params])
    np.testing.assert_array_equal(Y, rc.rnn_forward(X, h0[0], params)[0])
    layers = rc.init_stack_params(D, H, bidirectional=True, rng=7)
    X, h0 = random_inputs((T, B), 2, seed=8)
    np.testing.assert_array_equal(rc.stack_forward(X, h0, layers)[0],
                                  rc.bidirectional_forward(X, h0, layers[0])[0])


def test_final_states_are_laid_out_like_h0():
    layers = rc.init_stack_params(D, H, 2, bidirectional=True, rng=9)
    X, h0 = random_inputs((T, B), 4, seed=9)
    Y, cache = rc.stack_forward(X, h0, layers)
    h_n = rc.stack_final_states(cache)
    assert h_n.shape == h0.shape
    np.testing.assert_array_equal(h_n[2], Y[-1, :, :H])   # top layer, forwards: after x_T
    np.testing.assert_array_equal(h_n[3], Y[0, :, H:])    # top layer, backwards: after x_1
    below, _ = rc.bidirectional_forward(X, h0[:2], layers[0])
    np.testing.assert_array_equal(h_n[0], below[-1, :, :H])
    np.testing.assert_array_equal(h_n[1], below[0, :, H:])


def test_lstm_final_states_are_the_pair_h_n_c_n():
    layers = rc.init_stack_params(D, H, 2, bidirectional=True, cell="lstm", rng=9)
    X, h0 = random_inputs((T, B), 4, seed=9)
    start, named = initial_state("lstm", h0, seed=9)
    Y, cache = rc.stack_forward(X, start, layers, cell="lstm")
    h_n, c_n = rc.stack_final_states(cache)
    assert h_n.shape == c_n.shape == h0.shape
    np.testing.assert_array_equal(h_n[2], Y[-1, :, :H])   # top layer, forwards: after x_T
    np.testing.assert_array_equal(h_n[3], Y[0, :, H:])    # top layer, backwards: after x_1
    # the cell states: layer 1's, read off the LSTM run by itself in each direction
    own = {k: v for k, v in layers[0].items() if not k.endswith("_reverse")}
    rev = {k[: -len("_reverse")]: v for k, v in layers[0].items() if k.endswith("_reverse")}
    _, cs_fwd, _ = rc.lstm_forward(X, named["h0"][0], named["c0"][0], own)
    _, cs_rev, _ = rc.lstm_forward(X[::-1], named["h0"][1], named["c0"][1], rev)
    np.testing.assert_array_equal(c_n[0], cs_fwd[-1])
    np.testing.assert_array_equal(c_n[1], cs_rev[-1])
    assert not np.allclose(c_n, h_n)


def test_init_stack_params_sizes_each_layer():
    layers = rc.init_stack_params(D, H, 3, bidirectional=True, rng=0)
    assert [p["W_x"].shape for p in layers] == [(H, D), (H, 2 * H), (H, 2 * H)]
    assert all(set(p) == {"W_x", "W_h", "b_h", "W_x_reverse", "W_h_reverse", "b_h_reverse"}
               for p in layers)
    gru = rc.init_stack_params(D, H, 2, cell="gru", rng=0)
    assert [p["U_z"].shape for p in gru] == [(H, D), (H, H)]
    lstm = rc.init_stack_params(D, H, 2, bidirectional=True, cell="lstm", rng=0)
    assert [p["U_f_reverse"].shape for p in lstm] == [(H, D), (H, 2 * H)]
    assert all(len(p) == 24 for p in lstm)
    again = rc.init_stack_params(D, H, 3, bidirectional=True, rng=0)
    assert all(np.array_equal(a[k], b[k]) for a, b in zip(layers, again) for k in a)


def test_bad_arguments_are_named():
    layers = rc.init_stack_params(D, H, 2, bidirectional=True, rng=0)
    X, h0 = random_inputs((T, B), 4)
    with pytest.raises(ValueError, match=r"^h0 has shape \(2, 2, 4\): expected \(4, \.\.\., H\)"):
        rc.stack_forward(X, h0[:2], layers)
    with pytest.raises(ValueError, match=r"^cell must be one of \('rnn', 'gru', 'lstm'\)"):
        rc.stack_forward(X, h0, layers, cell="elman")
    lstm = rc.init_stack_params(D, H, 2, bidirectional=True, cell="lstm", rng=0)
    with pytest.raises(TypeError, match=r"^h0 must be the pair \(h0, c0\) for cell='lstm'"):
        rc.stack_forward(X, h0, lstm, cell="lstm")
    with pytest.raises(ValueError, match=r"^h0 has shape \(2, 2, 4\): expected \(4, \.\.\., H\)"):
        rc.stack_forward(X, (h0[:2], h0[:2]), lstm, cell="lstm")
    with pytest.raises(ValueError, match=r"^h0 has shape \(4, 2, 4\) and c0 \(2, 2, 4\)"):
        rc.stack_forward(X, (h0, h0[:2]), lstm, cell="lstm")
    with pytest.raises(ValueError, match=r"^layers mixes one-way and bidirectional"):
        rc.stack_forward(X, h0, [layers[0], rc.init_stack_params(2 * H, H, rng=0)[0]])
    with pytest.raises(ValueError, match=r"^layers\[1\] reads inputs of size 3, but layers\[0\] gives 8"):
        rc.stack_forward(X, h0, [layers[0], rc.init_stack_params(D, H, bidirectional=True)[0]])
    half = {k: v for k, v in layers[0].items() if k != "b_h_reverse"}
    with pytest.raises(KeyError, match=r"layers\[0\] has some backwards parameters but is missing"):
        rc.stack_forward(X, h0, [half, layers[1]])
    with pytest.raises(TypeError, match=r"^layers must be a non-empty list"):
        rc.stack_forward(X, h0, layers[0])
    one_way = rc.init_stack_params(D, H, rng=0)[0]
    with pytest.raises(KeyError, match=r"params has no backwards parameters"):
        rc.bidirectional_forward(X, h0[:2], one_way)
    with pytest.raises(ValueError, match=r"^h0 has shape \(4, 2, 4\): expected \(2, \.\.\., H\)"):
        rc.bidirectional_forward(X, h0, layers[0])
    Y, cache = rc.bidirectional_forward(X, h0[:2], layers[0])
    with pytest.raises(ValueError, match=r"^dY has shape \(5, 2, 4\): expected \(T, \.\.\., 8\)"):
        rc.bidirectional_backward(Y[..., :H], cache)
    with pytest.raises(ValueError, match=r"^num_layers must be"):
        rc.init_stack_params(D, H, 0)
