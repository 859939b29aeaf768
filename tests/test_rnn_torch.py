"""The reference RNN against torch.nn.RNN and autograd (float64, to 1e-10)."""

import numpy as np
import pytest

from rnn_course import init_rnn_params, rnn_backward, rnn_forward

torch = pytest.importorskip("torch", reason="PyTorch cross-checks need the [torch] extra")


def _torch_rnn(params):
    H, D = params["W_x"].shape
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(params["W_x"]))
        rnn.weight_hh_l0.copy_(torch.from_numpy(params["W_h"]))
        rnn.bias_ih_l0.copy_(torch.from_numpy(params["b_h"]))
        rnn.bias_hh_l0.zero_()  # PyTorch has two biases; their sum plays the role of b_h
    return rnn


@pytest.mark.parametrize("shape", [(7, 5), (7, 3, 5), (1, 2, 5)])
def test_forward_and_backward_match_torch(shape):
    rng = np.random.default_rng(42)
    D, H = shape[-1], 4
    batched = len(shape) == 3
    params = init_rnn_params(D, H, rng=rng)
    params["b_h"] = rng.normal(size=H)
    X = rng.normal(size=shape)
    h0 = rng.normal(size=(shape[1], H) if batched else (H,))
    dhs = rng.normal(size=(*shape[:-1], H))

    hs, cache = rnn_forward(X, h0, params)
    dX, dh0, grads = rnn_backward(dhs, cache)

    rnn = _torch_rnn(params)
    Xt = torch.tensor(X, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)  # torch wants (layers, [B,] H)
    out, h_last = rnn(Xt, h0t)
    (out * torch.from_numpy(dhs)).sum().backward()

    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(hs[-1], h_last.detach().numpy()[0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(dX, Xt.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(dh0, h0t.grad.numpy()[0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(grads["W_x"], rnn.weight_ih_l0.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(grads["W_h"], rnn.weight_hh_l0.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(grads["b_h"], rnn.bias_ih_l0.grad.numpy(), rtol=0, atol=1e-10)
