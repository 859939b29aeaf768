"""The reference LSTM against torch.nn.LSTM and autograd (float64, to 1e-10)."""

import numpy as np
import pytest

from rnn_course.init import init_lstm_params
from rnn_course.lstm import (
    PARAM_NAMES,
    lstm_backward,
    lstm_forward,
    lstm_params_from_torch,
    lstm_params_to_torch,
)

torch = pytest.importorskip("torch", reason="PyTorch cross-checks need the [torch] extra")

TORCH_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _torch_lstm(params):
    H, D = params["U_f"].shape
    lstm = torch.nn.LSTM(D, H, dtype=torch.float64)
    with torch.no_grad():
        for name, array in zip(TORCH_NAMES, lstm_params_to_torch(params)):
            getattr(lstm, name).copy_(torch.from_numpy(array))
    return lstm


@pytest.mark.parametrize("shape", [(7, 5), (7, 3, 5), (1, 2, 5)])
def test_forward_and_backward_match_torch(shape):
    rng = np.random.default_rng(42)
    T, D, H = shape[0], shape[-1], 4
    batched = len(shape) == 3
    params = init_lstm_params(D, H, rng=rng, forget_bias=1.0)
    for g in "fico":
        params[f"b_{g}"] = rng.normal(size=H)
    X = rng.normal(size=shape)
    state_shape = (shape[1], H) if batched else (H,)
    h0, c0 = rng.normal(size=state_shape), rng.normal(size=state_shape)
    dhs = rng.normal(size=(*shape[:-1], H))

    hs, cs, cache = lstm_forward(X, h0, c0, params)
    dX, dh0, dc0, grads = lstm_backward(dhs, cache)

    lstm = _torch_lstm(params)
    Xt = torch.tensor(X, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)  # torch wants (layers, [B,] H)
    c0t = torch.tensor(c0[None], requires_grad=True)
    out, (h_last, c_last) = lstm(Xt, (h0t, c0t))
    (out * torch.from_numpy(dhs)).sum().backward()  # the loss reads the hidden states only

    close = dict(rtol=0, atol=1e-10)
    np.testing.assert_allclose(hs, out.detach().numpy(), **close)
    np.testing.assert_allclose(hs[-1], h_last.detach().numpy()[0], **close)
    np.testing.assert_allclose(cs[-1], c_last.detach().numpy()[0], **close)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), **close)
    np.testing.assert_allclose(dh0, h0t.grad.numpy()[0], **close)
    np.testing.assert_allclose(dc0, c0t.grad.numpy()[0], **close)
    d_ih, d_hh, d_b, _ = lstm_params_to_torch(grads)
    np.testing.assert_allclose(d_ih, lstm.weight_ih_l0.grad.numpy(), **close)
    np.testing.assert_allclose(d_hh, lstm.weight_hh_l0.grad.numpy(), **close)
    np.testing.assert_allclose(d_b, lstm.bias_ih_l0.grad.numpy(), **close)
    np.testing.assert_allclose(d_b, lstm.bias_hh_l0.grad.numpy(), **close)  # both biases get it


def test_params_from_a_torch_lstm_reproduce_its_output():
    """Torch's own random init, two nonzero biases: from_torch must sum them."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 5, dtype=torch.float64)
    params = lstm_params_from_torch(*(getattr(lstm, n).detach().numpy() for n in TORCH_NAMES))
    X = np.random.default_rng(1).normal(size=(6, 2, 3))
    hs, _, _ = lstm_forward(X, np.zeros((2, 5)), np.zeros((2, 5)), params)
    with torch.no_grad():
        out, _ = lstm(torch.from_numpy(X))
    np.testing.assert_allclose(hs, out.numpy(), rtol=0, atol=1e-10)


def test_converter_round_trips():
    rng = np.random.default_rng(7)
    params = init_lstm_params(3, 5, rng=rng)
    back = lstm_params_from_torch(*lstm_params_to_torch(params))
    assert list(back) == list(PARAM_NAMES)
    for k in PARAM_NAMES:
        np.testing.assert_array_equal(back[k], params[k])

    weight_ih, weight_hh = rng.normal(size=(20, 3)), rng.normal(size=(20, 5))
    bias = rng.normal(size=20)
    again = lstm_params_to_torch(lstm_params_from_torch(weight_ih, weight_hh, bias, np.zeros(20)))
    for a, b in zip(again, (weight_ih, weight_hh, bias, np.zeros(20))):
        np.testing.assert_array_equal(a, b)
    # the gate order is PyTorch's i, f, g, o
    np.testing.assert_array_equal(lstm_params_to_torch(params)[1][5:10], params["W_f"])


def test_converter_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"weight_hh has shape \(19, 5\): expected \(20, 5\)"):
        lstm_params_from_torch(np.zeros((20, 3)), np.zeros((19, 5)), np.zeros(20), np.zeros(20))
    with pytest.raises(ValueError, match=r"bias_hh has shape \(5,\): expected \(20,\)"):
        lstm_params_from_torch(np.zeros((20, 3)), np.zeros((20, 5)), np.zeros(20), np.zeros(5))
    with pytest.raises(ValueError, match=r"weight_ih has shape \(16, 3\): expected \(20, 3\)"):
        lstm_params_from_torch(np.zeros((16, 3)), np.zeros((20, 5)), np.zeros(20), np.zeros(20))
