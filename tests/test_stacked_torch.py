"""Stacks of RNN layers (one-way and bidirectional) against torch.nn.RNN, and stacks of
LSTM layers against torch.nn.LSTM, with autograd (float64, to 1e-10): outputs, final
states (the LSTM's cell states too), and the gradients of inputs, initial states and every
parameter; the converters to and from their state dicts."""

import numpy as np
import pytest

import rnn_course as rc

torch = pytest.importorskip("torch", reason="PyTorch cross-checks need the [torch] extra")


@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
@pytest.mark.parametrize("shape", [(6, 3), (6, 2, 3)], ids=["one sequence", "batch"])
def test_stack_matches_torch_rnn(num_layers, bidirectional, shape):
    rng = np.random.default_rng(num_layers)
    D, H, n_dir = shape[-1], 4, 2 if bidirectional else 1
    layers = rc.init_stack_params(D, H, num_layers, bidirectional=bidirectional, rng=rng)
    for p in layers:  # non-zero biases, so that a misplaced bias shows
        p.update({k: rng.normal(size=H) for k in p if k.startswith("b_h")})
    X = rng.normal(size=shape)
    h0 = rng.normal(size=(num_layers * n_dir, *shape[1:-1], H))
    Y, cache = rc.stack_forward(X, h0, layers)
    dY = rng.normal(size=Y.shape)
    dX, dh0, grads = rc.stack_backward(dY, cache)

    rnn = torch.nn.RNN(D, H, num_layers=num_layers, bidirectional=bidirectional,
                       dtype=torch.float64)
    rnn.load_state_dict({k: torch.from_numpy(v) for k, v in rc.rnn_stack_to_torch(layers).items()})
    Xt = torch.tensor(X, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    out, h_n = rnn(Xt, h0t)
    (out * torch.from_numpy(dY)).sum().backward()

    np.testing.assert_allclose(Y, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(rc.stack_final_states(cache), h_n.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(dh0, h0t.grad.numpy(), atol=1e-10)
    theirs = rc.rnn_stack_from_torch({n: p.grad for n, p in rnn.named_parameters()},
                                     gradients=True)
    assert len(theirs) == num_layers
    for ours, their in zip(grads, theirs):
        assert set(ours) == set(their)
        for k in ours:
            np.testing.assert_allclose(ours[k], their[k], atol=1e-10, err_msg=k)


def test_converters_round_trip_and_add_torchs_two_biases():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    layers = rc.rnn_stack_from_torch(rnn)  # the module itself
    state = rnn.state_dict()
    for l in range(2):
        for end in ("", "_reverse"):
            s = f"_l{l}{end}"
            np.testing.assert_array_equal(layers[l]["W_x" + end], state["weight_ih" + s].numpy())
            np.testing.assert_allclose(layers[l]["b_h" + end],
                                       (state["bias_ih" + s] + state["bias_hh" + s]).numpy())
    back = rc.rnn_stack_to_torch(layers)
    assert set(back) == set(state)
    X = np.random.default_rng(0).normal(size=(5, 3))
    out, _ = rnn(torch.from_numpy(X))
    Y, _ = rc.stack_forward(X, np.zeros((4, 4)), layers)
    np.testing.assert_allclose(Y, out.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("num_layers, bidirectional", [(2, True), (2, False), (1, True)],
                         ids=["2 layers, bidirectional", "2 layers, one-way", "1 layer, bidirectional"])
def test_lstm_stack_matches_torch_lstm(num_layers, bidirectional):
    """stack_forward(cell="lstm") with its cell state is torch.nn.LSTM(num_layers, bidirectional)."""
    rng = np.random.default_rng(10 + num_layers)
    T, B, D, H, n_dir = 6, 3, 4, 5, 2 if bidirectional else 1
    layers = rc.init_stack_params(D, H, num_layers, bidirectional=bidirectional, cell="lstm", rng=rng)
    for p in layers:  # non-zero biases, so that a misplaced bias shows
        p.update({k: rng.normal(size=H) for k in p if k.startswith("b_")})
    X = rng.normal(size=(T, B, D))
    h0, c0 = rng.normal(size=(2, num_layers * n_dir, B, H))
    Y, cache = rc.stack_forward(X, (h0, c0), layers, cell="lstm")
    dY = rng.normal(size=Y.shape)
    dX, (dh0, dc0), grads = rc.stack_backward(dY, cache)
    h_n, c_n = rc.stack_final_states(cache)

    lstm = torch.nn.LSTM(D, H, num_layers=num_layers, bidirectional=bidirectional, dtype=torch.float64)
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in rc.lstm_stack_to_torch(layers).items()})
    Xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (X, h0, c0))
    out, (h_nt, c_nt) = lstm(Xt, (h0t, c0t))
    (out * torch.from_numpy(dY)).sum().backward()

    np.testing.assert_allclose(Y, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(h_n, h_nt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c_n, c_nt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(dh0, h0t.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(dc0, c0t.grad.numpy(), atol=1e-10)
    theirs = rc.lstm_stack_from_torch({n: p.grad for n, p in lstm.named_parameters()}, gradients=True)
    assert len(theirs) == num_layers
    for ours, their in zip(grads, theirs):
        assert set(ours) == set(their) and len(ours) == 12 * n_dir
        for k in ours:
            np.testing.assert_allclose(ours[k], their[k], atol=1e-10, err_msg=k)
    # and back: the module's own parameters read as our layers
    for ours, read in zip(layers, rc.lstm_stack_from_torch(lstm)):
        for k in ours:
            np.testing.assert_allclose(read[k], ours[k], atol=1e-15, err_msg=k)
