"""The reference GRU against torch.nn.GRU and autograd (float64, to 1e-10).

``variant="pytorch"`` is the function torch.nn.GRU computes, so loading its parameters
with :func:`gru_params_to_torch` gives the same states and gradients. The sources'
variant is a different function on the same weights, for two reasons:

1. the reset gate multiplies ``h_{t-1}`` *before* ``W_h`` in the sources
   (``W_h (r ⊙ h)``), but the product *after* it in PyTorch (``r ⊙ (W_h h + b_hn)``);
2. the sources' new state is ``(1 − z) h_{t-1} + z h̃``; PyTorch's is ``(1 − z) n + z h_{t-1}``.

The last test removes both differences (reset gate forced open, z parameters negated,
since σ(−a) = 1 − σ(a)) and the two agree again, which shows these are the only ones.
"""

import numpy as np
import pytest

from rnn_course.layers.gru import gru_backward, gru_forward, init_gru_params
from rnn_course.layers.pytorch import gru_params_from_torch, gru_params_to_torch

torch = pytest.importorskip("torch", reason="PyTorch cross-checks need the [torch] extra")

NAMES = ("W_z", "W_r", "W_h", "U_z", "U_r", "U_h", "b_z", "b_r", "b_h", "b_hn")


def _torch_gru(params):
    H, D = params["U_z"].shape
    gru = torch.nn.GRU(D, H, dtype=torch.float64)
    gru.load_state_dict({k: torch.from_numpy(v) for k, v in gru_params_to_torch(params).items()})
    return gru


def _run_torch(gru, X, h0, dhs=None):
    """hs, final h, and (with dhs) dX, dh0 and the parameter gradients as NumPy arrays."""
    Xt = torch.tensor(X, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)  # torch wants (layers, [B,] H)
    out, h_last = gru(Xt, h0t)
    result = {"hs": out.detach().numpy(), "h_last": h_last.detach().numpy()[0]}
    if dhs is not None:
        (out * torch.from_numpy(dhs)).sum().backward()
        result.update(
            dX=Xt.grad.numpy(), dh0=h0t.grad.numpy()[0],
            grads={n: p.grad for n, p in gru.named_parameters()},
        )
    return result


def _problem(shape, seed=42):
    rng = np.random.default_rng(seed)
    D, H = shape[-1], 4
    batched = len(shape) == 3
    params = init_gru_params(D, H, rng=rng, variant="pytorch")
    params = {k: 2.0 * v for k, v in params.items()}  # gates away from 1/2
    X = rng.normal(size=shape)
    h0 = rng.normal(size=(shape[1], H) if batched else (H,))
    dhs = rng.normal(size=(*shape[:-1], H))
    return params, X, h0, dhs


@pytest.mark.parametrize("shape", [(7, 5), (7, 3, 5), (1, 2, 5)])
def test_pytorch_variant_matches_torch_forward_and_backward(shape):
    params, X, h0, dhs = _problem(shape)
    hs, cache = gru_forward(X, h0, params, variant="pytorch")
    dX, dh0, grads = gru_backward(dhs, cache)

    ref = _run_torch(_torch_gru(params), X, h0, dhs)
    np.testing.assert_allclose(hs, ref["hs"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(hs[-1], ref["h_last"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(dX, ref["dX"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(dh0, ref["dh0"], rtol=0, atol=1e-10)

    # Every parameter gradient, compared both ways through the converters.
    torch_grads = gru_params_from_torch(ref["grads"], gradients=True)
    for k in NAMES:
        np.testing.assert_allclose(grads[k], torch_grads[k], rtol=0, atol=1e-10, err_msg=k)
    ours_as_torch = gru_params_to_torch(grads, gradients=True)
    for k, g in ref["grads"].items():
        np.testing.assert_allclose(ours_as_torch[k], g.numpy(), rtol=0, atol=1e-10, err_msg=k)


def test_parameters_read_from_a_torch_module_reproduce_it():
    """torch's own initialisation, two biases per gate: read back, the sums are what count."""
    torch.manual_seed(0)
    gru = torch.nn.GRU(5, 4, dtype=torch.float64)
    params = gru_params_from_torch(gru)
    rng = np.random.default_rng(1)
    X, h0 = rng.normal(size=(6, 2, 5)), rng.normal(size=(2, 4))
    hs, _ = gru_forward(X, h0, params, variant="pytorch")
    np.testing.assert_allclose(hs, _run_torch(gru, X, h0)["hs"], rtol=0, atol=1e-10)


@pytest.mark.parametrize("shape", [(7, 5), (7, 3, 5)])
def test_sources_variant_is_not_torch_gru(shape):
    """Same weights, different function: the reset gate's place and z's role differ."""
    params, X, h0, _ = _problem(shape)
    hs_sources, _ = gru_forward(X, h0, params)  # variant="sources"
    hs_torch = _run_torch(_torch_gru(params), X, h0)["hs"]
    assert np.abs(hs_sources - hs_torch).max() > 0.1


def test_sources_equals_torch_once_both_differences_are_removed():
    params, X, h0, _ = _problem((7, 3, 5))
    H = params["b_r"].shape[0]
    params["b_r"] = np.full(H, 1e3)  # r = 1: W_h (r ⊙ h) = r ⊙ (W_h h) ...
    params["b_hn"] = np.zeros(H)     # ... when the recurrent bias is zero
    for_torch = {**params}
    for k in ("W_z", "U_z", "b_z"):  # σ(−a) = 1 − σ(a): the sources' z is torch's 1 − z
        for_torch[k] = -params[k]
    hs_sources, _ = gru_forward(X, h0, params)
    hs_torch = _run_torch(_torch_gru(for_torch), X, h0)["hs"]
    np.testing.assert_allclose(hs_sources, hs_torch, rtol=0, atol=1e-12)
