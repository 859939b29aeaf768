"""The reference LSTM against torch.nn.LSTM and autograd (float64, to 1e-10)."""

import numpy as np
import pytest

from rnn_course.layers.lstm import PARAM_NAMES, init_lstm_params, lstm_backward, lstm_forward
from rnn_course.layers.pytorch import lstm_params_from_torch, lstm_params_to_torch

torch = pytest.importorskip("torch", reason="PyTorch cross-checks need the [torch] extra")

TORCH_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _torch_lstm(params):
    H, D = params["U_f"].shape
    lstm = torch.nn.LSTM(D, H, dtype=torch.float64)
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in lstm_params_to_torch(params).items()})
    return lstm


@pytest.mark.parametrize("shape", [(7, 5), (7, 3, 5), (1, 2, 5)])
def test_forward_and_backward_match_torch(shape):
    rng = np.random.default_rng(42)
    D, H = shape[-1], 4
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
    ours_as_torch = lstm_params_to_torch(grads, gradients=True)
    for name, p in lstm.named_parameters():  # both biases get the gradient of our b_*
        np.testing.assert_allclose(ours_as_torch[name], p.grad.numpy(), **close, err_msg=name)
    torch_grads = lstm_params_from_torch({n: p.grad for n, p in lstm.named_parameters()},
                                         gradients=True)
    for k in PARAM_NAMES:
        np.testing.assert_allclose(grads[k], torch_grads[k], **close, err_msg=k)


def test_params_from_a_torch_lstm_reproduce_its_output():
    """Torch's own random init, two nonzero biases: from_torch must sum them."""
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 5, dtype=torch.float64)
    params = lstm_params_from_torch(lstm)
    X = np.random.default_rng(1).normal(size=(6, 2, 3))
    hs, _, _ = lstm_forward(X, np.zeros((2, 5)), np.zeros((2, 5)), params)
    with torch.no_grad():
        out, _ = lstm(torch.from_numpy(X))
    np.testing.assert_allclose(hs, out.numpy(), rtol=0, atol=1e-10)


def test_converter_round_trips():
    rng = np.random.default_rng(7)
    params = init_lstm_params(3, 5, rng=rng)
    back = lstm_params_from_torch(lstm_params_to_torch(params))
    assert list(back) == list(PARAM_NAMES)
    for k in PARAM_NAMES:
        np.testing.assert_array_equal(back[k], params[k])

    state = dict(zip(TORCH_NAMES, (rng.normal(size=(20, 3)), rng.normal(size=(20, 5)),
                                   rng.normal(size=20), np.zeros(20))))
    again = lstm_params_to_torch(lstm_params_from_torch(state))
    assert list(again) == list(TORCH_NAMES)
    for k in TORCH_NAMES:
        np.testing.assert_array_equal(again[k], state[k])
    # the gate order is PyTorch's i, f, g, o
    np.testing.assert_array_equal(lstm_params_to_torch(params)["weight_hh_l0"][5:10], params["W_f"])


def _state(weight_ih=(20, 3), weight_hh=(20, 5), bias_ih=(20,), bias_hh=(20,)):
    return {f"{k}_l0": np.zeros(s) for k, s in
            dict(weight_ih=weight_ih, weight_hh=weight_hh, bias_ih=bias_ih, bias_hh=bias_hh).items()}


def test_converter_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"weight_hh_l0 has shape \(19, 5\): expected \(20, 5\)"):
        lstm_params_from_torch(_state(weight_hh=(19, 5)))
    with pytest.raises(ValueError, match=r"bias_hh_l0 has shape \(5,\): expected \(20,\)"):
        lstm_params_from_torch(_state(bias_hh=(5,)))
    with pytest.raises(ValueError, match=r"weight_ih_l0 has shape \(16, 3\): expected \(20, 3\)"):
        lstm_params_from_torch(_state(weight_ih=(16, 3)))
