"""The output layer and the losses: values, gradients (finite differences and PyTorch), masks, errors."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_course.training.gradcheck import numerical_gradient, rel_error
from rnn_course.layers.rnn import init_rnn_params
from rnn_course.training.losses import mse_loss, softmax_cross_entropy
from rnn_course.layers.output import output_backward, output_forward, output_probs
from rnn_course.layers.rnn import rnn_backward, rnn_forward

H, O = 4, 5


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def out_params(rng):
    return {"W_y": rng.normal(size=(O, H)), "b_y": rng.normal(size=O)}


# ----------------------------------------------------------------------------- output layer


@pytest.mark.parametrize("lead", [(), (3,), (2, 3)], ids=["single", "batch", "sequence"])
def test_output_forward_matches_equation(rng, lead):
    """logits = W_y h + b_y at every position, softmax of them sums to one."""
    params = out_params(rng)
    hs = rng.normal(size=(*lead, H))
    logits, _ = output_forward(hs, params)
    assert logits.shape == (*lead, O)
    for idx in np.ndindex(*lead):
        np.testing.assert_allclose(logits[idx], params["W_y"] @ hs[idx] + params["b_y"], rtol=1e-12)
    probs = output_probs(hs, params)
    assert probs.shape == (*lead, O)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(probs, np.exp(logits) / np.exp(logits).sum(-1, keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("lead", [(), (3,), (2, 3)], ids=["single", "batch", "sequence"])
def test_output_backward_matches_finite_differences(rng, lead):
    """dhs, dW_y and db_y (summed over all leading axes) agree with centred differences."""
    params = out_params(rng)
    hs = rng.normal(size=(*lead, H))
    dlogits = rng.normal(size=(*lead, O))
    _, cache = output_forward(hs, params)
    dhs, grads = output_backward(dlogits, cache)
    assert dhs.shape == hs.shape
    assert grads["W_y"].shape == (O, H) and grads["b_y"].shape == (O,)

    def f(_):
        return output_forward(hs, params)[0]

    assert rel_error(numerical_gradient(f, hs, df=dlogits), dhs) < 1e-7
    for name in ("W_y", "b_y"):
        assert rel_error(numerical_gradient(f, params[name], df=dlogits), grads[name]) < 1e-7


def test_output_ignores_other_keys_and_does_not_mutate(rng):
    params = {**out_params(rng), **init_rnn_params(3, H, rng=1)}
    hs = rng.normal(size=(2, H))
    before = {k: v.copy() for k, v in params.items()}, hs.copy()
    logits, cache = output_forward(hs, params)
    output_backward(np.ones_like(logits), cache)
    for k, v in before[0].items():
        np.testing.assert_array_equal(params[k], v)
    np.testing.assert_array_equal(hs, before[1])


def test_output_errors_name_the_argument(rng):
    params = out_params(rng)
    with pytest.raises(ValueError, match=r"hs has shape \(2, 3\) but W_y is \(5, 4\): expected \(\.\.\., 4\)"):
        output_forward(np.zeros((2, 3)), params)
    with pytest.raises(ValueError, match=r'params\["b_y"\] has shape \(4,\): expected \(5,\)'):
        output_forward(np.zeros(H), {"W_y": params["W_y"], "b_y": np.zeros(4)})
    with pytest.raises(KeyError, match="b_y"):
        output_forward(np.zeros(H), {"W_y": params["W_y"]})
    _, cache = output_forward(np.zeros((2, H)), params)
    with pytest.raises(ValueError, match=r"dlogits has shape \(2, 4\): expected \(2, 5\)"):
        output_backward(np.zeros((2, 4)), cache)
    with pytest.raises(TypeError, match="cache"):
        output_backward(np.zeros((2, O)), {})


# ------------------------------------------------------------------------- cross-entropy


def test_cross_entropy_value_is_sum_of_minus_log_probs(rng):
    """reduction='sum' is the total loss: sum over steps and batch of -log o_t[y_t]."""
    logits = rng.normal(size=(4, 2, O))
    targets = rng.integers(0, O, size=(4, 2))
    loss, dlogits = softmax_cross_entropy(logits, targets)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = -sum(np.log(probs[t, b, targets[t, b]]) for t in range(4) for b in range(2))
    assert loss == pytest.approx(expected, rel=1e-12)
    onehot = np.eye(O)[targets]
    np.testing.assert_allclose(dlogits, probs - onehot, rtol=1e-12, atol=1e-15)
    mean, dmean = softmax_cross_entropy(logits, targets, reduction="mean")
    assert mean == pytest.approx(expected / 8, rel=1e-12)
    np.testing.assert_allclose(dmean, dlogits / 8, rtol=1e-12)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("with_mask", [False, True])
def test_cross_entropy_gradient_matches_finite_differences(rng, reduction, with_mask):
    logits = rng.normal(size=(3, 2, O))
    targets = rng.integers(0, O, size=(3, 2))
    mask = np.array([[1, 1], [1, 0], [0, 0]], dtype=bool) if with_mask else None
    _, dlogits = softmax_cross_entropy(logits, targets, mask, reduction)
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, targets, mask, reduction)[0], logits)
    assert rel_error(numeric, dlogits) < 1e-7


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-800.0, 800.0, 0.0]])
    loss, dlogits = softmax_cross_entropy(logits, np.array([0, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(1600.0, rel=1e-12)  # 0 for the first row, 1600 for the second
    # shifting every logit of a row by a constant changes nothing
    loss_shifted, d_shifted = softmax_cross_entropy(logits - 1000.0, np.array([0, 0]))
    assert loss_shifted == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(d_shifted, dlogits, atol=1e-15)


def test_masked_loss_equals_loss_on_unpadded_sequences(rng):
    """Padding a batch of sequences of lengths 5, 3, 1 and masking changes neither loss nor gradient."""
    lengths = [5, 3, 1]
    T, B = max(lengths), len(lengths)
    logits = rng.normal(size=(T, B, O))
    targets = rng.integers(0, O, size=(T, B))
    mask = np.arange(T)[:, None] < np.array(lengths)[None, :]  # (T, B)
    targets[~mask] = -1  # padding value: any integer is allowed where the mask is off
    loss, dlogits = softmax_cross_entropy(logits, targets, mask)

    total = 0.0
    for b, L in enumerate(lengths):
        loss_b, d_b = softmax_cross_entropy(logits[:L, b], targets[:L, b])
        total += loss_b
        np.testing.assert_allclose(dlogits[:L, b], d_b, rtol=1e-14)
        np.testing.assert_array_equal(dlogits[L:, b], 0.0)
    assert loss == pytest.approx(total, rel=1e-14)

    mean, dmean = softmax_cross_entropy(logits, targets, mask.astype(int), reduction="mean")
    assert mean == pytest.approx(total / sum(lengths), rel=1e-14)
    np.testing.assert_allclose(dmean, dlogits / sum(lengths), rtol=1e-14)


def test_fully_masked_mean_is_zero_not_nan(rng):
    loss, dlogits = softmax_cross_entropy(rng.normal(size=(2, O)), np.array([0, 1]), np.zeros(2), "mean")
    assert loss == 0.0
    np.testing.assert_array_equal(dlogits, 0.0)


def test_cross_entropy_does_not_mutate_inputs(rng):
    logits = rng.normal(size=(3, O))
    targets = np.array([0, 4, 2])
    mask = np.array([1.0, 0.0, 1.0])
    copies = logits.copy(), targets.copy(), mask.copy()
    softmax_cross_entropy(logits, targets, mask, "mean")
    for a, b in zip((logits, targets, mask), copies):
        np.testing.assert_array_equal(a, b)


def test_cross_entropy_errors_name_the_argument():
    logits = np.zeros((4, 2, 5))
    with pytest.raises(ValueError, match=r"targets has shape \(3,\): expected \(4, 2\).*logits \(4, 2, 5\)"):
        softmax_cross_entropy(logits, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"targets has value 7 at index \(1, 0\) but logits has 5 classes"):
        softmax_cross_entropy(logits, np.array([[0, 1], [7, 0], [0, 0], [0, 0]]))
    with pytest.raises(ValueError, match=r"targets has value -1 .* 5 classes"):
        softmax_cross_entropy(logits, -np.ones((4, 2), dtype=int))
    with pytest.raises(TypeError, match=r"targets must hold integer class indices, got dtype float64"):
        softmax_cross_entropy(logits, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"mask has shape \(4,\): expected \(4, 2\)"):
        softmax_cross_entropy(logits, np.zeros((4, 2), dtype=int), mask=np.ones(4))
    with pytest.raises(ValueError, match=r"mask has value 2.0 at index \(0, 1\)"):
        softmax_cross_entropy(logits, np.zeros((4, 2), dtype=int), mask=[[1, 2]] + [[1, 1]] * 3)
    with pytest.raises(ValueError, match=r"reduction must be one of \('sum', 'mean'\), got 'avg'"):
        softmax_cross_entropy(logits, np.zeros((4, 2), dtype=int), reduction="avg")
    with pytest.raises(ValueError, match=r"logits has shape \(\)"):
        softmax_cross_entropy(np.float64(1.0), np.int64(0))


def test_cross_entropy_matches_torch():
    """Loss and gradient agree with torch.nn.functional.cross_entropy to 1e-10, masked or not."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    T, B = 5, 3
    logits = rng.normal(size=(T, B, O)) * 3
    targets = rng.integers(0, O, size=(T, B))
    mask = rng.random((T, B)) < 0.7
    for reduction in ("sum", "mean"):
        for m in (None, mask):
            loss, dlogits = softmax_cross_entropy(logits, targets, m, reduction)
            z = torch.tensor(logits.reshape(-1, O), requires_grad=True)
            y = torch.tensor(np.where(mask, targets, -100) if m is not None else targets).reshape(-1)
            ref = F.cross_entropy(z, y, reduction=reduction, ignore_index=-100)
            ref.backward()
            assert loss == pytest.approx(ref.item(), rel=1e-10, abs=1e-12)
            np.testing.assert_allclose(dlogits.reshape(-1, O), z.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_rnn_output_and_loss_chain_matches_torch():
    """rnn_forward -> output_forward -> masked loss, and back, equals torch autograd of the same model."""
    torch = pytest.importorskip("torch")
    T, B, D = 4, 3, 2
    params = init_rnn_params(D, H, O, rng=2)
    params["b_y"] = np.random.default_rng(3).normal(size=O)
    rng = np.random.default_rng(4)
    X, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    targets = rng.integers(0, O, size=(T, B))
    mask = np.arange(T)[:, None] < np.array([4, 2, 3])[None, :]

    hs, rnn_cache = rnn_forward(X, h0, params)
    logits, out_cache = output_forward(hs, params)
    loss, dlogits = softmax_cross_entropy(logits, targets, mask)
    dhs, grads = output_backward(dlogits, out_cache)
    dX, dh0, rnn_grads = rnn_backward(dhs, rnn_cache)
    grads.update(rnn_grads)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tX, th = torch.tensor(X, requires_grad=True), torch.tensor(h0, requires_grad=True)
    h, total = th, 0.0
    for t in range(T):
        h = torch.tanh(h @ tp["W_h"].T + tX[t] @ tp["W_x"].T + tp["b_h"])
        z = h @ tp["W_y"].T + tp["b_y"]
        per_step = torch.nn.functional.cross_entropy(z, torch.tensor(targets[t]), reduction="none")
        total = total + (per_step * torch.tensor(mask[t], dtype=torch.float64)).sum()
    total.backward()
    assert loss == pytest.approx(total.item(), rel=1e-10)
    for k in params:
        np.testing.assert_allclose(grads[k], tp[k].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(dX, tX.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dh0, th.grad.numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------------ MSE


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_mse_value_and_gradient(rng, reduction):
    pred, target = rng.normal(size=(4, 2, 1)), rng.normal(size=(4, 2, 1))
    loss, dpred = mse_loss(pred, target, reduction)
    expected = np.sum((pred - target) ** 2) / (pred.size if reduction == "mean" else 1)
    assert loss == pytest.approx(expected, rel=1e-12)
    numeric = numerical_gradient(lambda p: mse_loss(p, target, reduction)[0], pred)
    assert rel_error(numeric, dpred) < 1e-7


def test_mse_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    pred, target = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    for reduction in ("sum", "mean"):
        loss, dpred = mse_loss(pred, target, reduction)
        p = torch.tensor(pred, requires_grad=True)
        ref = torch.nn.functional.mse_loss(p, torch.tensor(target), reduction=reduction)
        ref.backward()
        assert loss == pytest.approx(ref.item(), rel=1e-10)
        np.testing.assert_allclose(dpred, p.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_mse_never_broadcasts():
    with pytest.raises(ValueError, match=r"target has shape \(4,\): expected \(4, 1\), the shape of pred"):
        mse_loss(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        mse_loss(np.zeros(3), np.zeros(3), reduction="none")
    with pytest.raises(TypeError, match="target must be an array"):
        mse_loss(np.zeros(3), ["a", "b", "c"])
