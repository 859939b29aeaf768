"""The attention layer against the same equations written with torch primitives and
differentiated by autograd (float64, to 1e-10). ``torch.nn`` has no Bahdanau module, so the
reference is built from ``torch.tanh``, matrix products, ``masked_fill`` and ``torch.softmax``
over the source positions (dim 0, time-major as in the course)."""

import numpy as np
import pytest

from rnn_course.layers.attention import attention_backward, attention_forward, init_attention_params

torch = pytest.importorskip("torch", reason="PyTorch cross-checks need the [torch] extra")


def torch_attention(s_prev, hs, params, mask, score):
    """context and alpha, the equations in torch (mask: True at real positions)."""
    if score == "additive":
        u = torch.tanh(hs @ params["U_a"].T + s_prev @ params["W_a"].T)
        e = u @ params["v_a"]
    else:
        e = ((hs @ params["W_a"].T) * s_prev).sum(dim=-1)
    alpha = torch.softmax(e.masked_fill(~mask, float("-inf")), dim=0)
    return (alpha.unsqueeze(-1) * hs).sum(dim=0), alpha


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("score", ["additive", "multiplicative"])
def test_attention_matches_torch_forward_and_backward(score, batched):
    rng = np.random.default_rng(7)
    S, B, Q, H, A = 7, 4, 5, 6, 3
    params = init_attention_params(Q, H, A if score == "additive" else None, score=score, rng=8)
    params = {k: 2.0 * v for k, v in params.items()}
    lead = (B,) if batched else ()
    hs, s_prev = rng.normal(size=(S, *lead, H)), rng.normal(size=(*lead, Q))
    mask = np.ones((S, *lead), dtype=bool)
    if batched:
        mask[5:, 1], mask[2:, 3] = False, False
    else:
        mask[6:] = False
    dcontext, dalpha = rng.normal(size=(*lead, H)), rng.normal(size=(S, *lead))

    context, alpha, cache = attention_forward(s_prev, hs, params, mask, score=score)
    ds, dhs, grads = attention_backward(dcontext, cache, dalpha=dalpha)

    t = {k: torch.tensor(v, requires_grad=True) for k, v in {"s_prev": s_prev, "hs": hs, **params}.items()}
    c_t, a_t = torch_attention(t["s_prev"], t["hs"], t, torch.from_numpy(mask), score)
    ((c_t * torch.from_numpy(dcontext)).sum() + (a_t * torch.from_numpy(dalpha)).sum()).backward()

    np.testing.assert_allclose(context, c_t.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(alpha, a_t.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ds, t["s_prev"].grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(dhs, t["hs"].grad.numpy(), rtol=0, atol=1e-10)
    assert set(grads) == set(params)
    for k in params:
        np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=0, atol=1e-10, err_msg=k)
    assert np.abs(grads["W_a"]).max() > 1e-3  # the comparison compared something
