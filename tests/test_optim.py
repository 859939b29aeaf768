"""Optimisers and gradient clipping: agreement with PyTorch, in-place updates, no mutated inputs, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnn_course.training.clipping import clip_grad_norm, clip_grad_value
from rnn_course.training.optim import SGD, Adam

SHAPES = {"W_h": (3, 3), "W_x": (3, 2), "b_h": (3,)}


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    return {k: rng.normal(size=s) for k, s in SHAPES.items()}


def grad_sequence(steps, seed=1):
    rng = np.random.default_rng(seed)
    return [{k: rng.normal(size=s) for k, s in SHAPES.items()} for _ in range(steps)]


def run_torch(torch, make_opt, params, grad_steps):
    """Apply torch's optimiser to the same gradients; a key missing from a step has grad None."""
    tp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    opt = make_opt(list(tp.values()))
    for grads in grad_steps:
        for k, p in tp.items():
            p.grad = torch.tensor(grads[k]) if k in grads else None
        opt.step()
    return {k: p.detach().numpy() for k, p in tp.items()}


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch(momentum):
    torch = pytest.importorskip("torch")
    params, steps = make_params(), grad_sequence(4)
    expected = run_torch(torch, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=momentum), params, steps)
    opt = SGD(lr=0.1, momentum=momentum)
    for grads in steps:
        opt.step(params, grads)
    for k in params:
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_adam_matches_torch_including_skipped_parameters():
    """Five Adam steps agree with torch.optim.Adam; a parameter without a gradient keeps its own step count."""
    torch = pytest.importorskip("torch")
    params, steps = make_params(), grad_sequence(5)
    del steps[1]["b_h"], steps[2]["b_h"]  # b_h skipped twice: torch sees grad None
    make = lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6)  # noqa: E731
    expected = run_torch(torch, make, params, steps)
    opt = Adam(lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    for grads in steps:
        opt.step(params, grads)
    assert opt.t == {"W_h": 5, "W_x": 5, "b_h": 3}
    for k in params:
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-10, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("opt", [SGD(0.1), SGD(0.1, momentum=0.5), Adam(0.1)], ids=repr)
def test_step_updates_in_place_and_skips_params_without_grads(opt):
    params = make_params()
    arrays = dict(params)  # the same array objects
    before = {k: v.copy() for k, v in params.items()}
    grads = {"W_h": np.ones((3, 3)), "W_x": np.ones((3, 2))}
    grads_before = {k: v.copy() for k, v in grads.items()}
    opt.step(params, grads)
    for k in params:
        assert params[k] is arrays[k], f"{k} was replaced, not updated in place"
    assert np.all(params["W_h"] < before["W_h"]) and np.all(params["W_x"] < before["W_x"])
    np.testing.assert_array_equal(params["b_h"], before["b_h"])  # no gradient: untouched
    for k in grads:
        np.testing.assert_array_equal(grads[k], grads_before[k])


def test_step_errors_leave_params_untouched():
    params = make_params()
    before = {k: v.copy() for k, v in params.items()}
    opt = Adam(0.1)
    with pytest.raises(KeyError, match=r"grads has 'W_y' but params does not"):
        opt.step(params, {"W_h": np.ones((3, 3)), "W_y": np.ones((2, 3))})
    with pytest.raises(ValueError, match=r'grads\["b_h"\] has shape \(4,\): expected \(3,\), the shape of params\["b_h"\]'):
        opt.step(params, {"W_h": np.ones((3, 3)), "b_h": np.ones(4)})
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    with pytest.raises(TypeError, match=r'params\["w"\] must be a writeable floating-point NumPy array'):
        SGD(0.1).step({"w": [1.0, 2.0]}, {"w": np.ones(2)})
    with pytest.raises(TypeError, match=r'params\["w"\] must be a writeable floating-point NumPy array'):
        SGD(0.1).step({"w": np.arange(2)}, {"w": np.ones(2)})
    with pytest.raises(TypeError, match="grads must be a dict"):
        SGD(0.1).step(params, [np.ones(3)])


def test_optimiser_state_shape_is_checked():
    opt = Adam(0.1)
    opt.step({"w": np.zeros(3)}, {"w": np.ones(3)})
    with pytest.raises(ValueError, match=r'params\["w"\] has shape \(1,\) but was \(3,\)'):
        opt.step({"w": np.zeros(1)}, {"w": np.ones(1)})


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SGD(0.0), r"lr must be in \(0.0, inf\), got 0.0"),
        (lambda: SGD(-1), r"lr must be in"),
        (lambda: SGD(float("nan")), r"lr must be in"),
        (lambda: SGD(0.1, momentum=1.0), r"momentum must be in \[0.0, 1.0\), got 1.0"),
        (lambda: Adam(0.1, betas=(0.9,)), r"betas must be a pair"),
        (lambda: Adam(0.1, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0.0, 1.0\)"),
        (lambda: Adam(0.1, eps=0), r"eps must be in \(0.0, inf\)"),
    ],
)
def test_optimiser_arguments_are_validated(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_non_numeric_learning_rate_is_a_type_error():
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        SGD("0.1")
    with pytest.raises(TypeError, match="lr must be a real number, got bool"):
        Adam(True)


# ------------------------------------------------------------------------------ clipping


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0], ids=["clipped", "clipped-a-little", "unchanged"])
def test_clip_grad_norm_matches_torch(max_norm):
    torch = pytest.importorskip("torch")
    grads = grad_sequence(1, seed=7)[0]
    clipped, total = clip_grad_norm(grads, max_norm)
    tensors = {k: torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for k, v in grads.items()}
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[k])
    ref_total = torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm)
    assert total == pytest.approx(ref_total.item(), rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(clipped[k], tensors[k].grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=k)
    new_norm = np.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert new_norm <= max_norm


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    grads = grad_sequence(1, seed=8)[0]
    clipped = clip_grad_value(grads, 0.5)
    tensors = {k: torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for k, v in grads.items()}
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[k])
    torch.nn.utils.clip_grad_value_(list(tensors.values()), 0.5)
    for k in grads:
        np.testing.assert_array_equal(clipped[k], tensors[k].grad.numpy())
    assert max(np.abs(g).max() for g in clipped.values()) == 0.5


@pytest.mark.parametrize("clip", [lambda g: clip_grad_norm(g, 0.1)[0], lambda g: clip_grad_value(g, 0.1)],
                         ids=["norm", "value"])
def test_clipping_never_mutates_its_input(clip):
    grads = grad_sequence(1, seed=9)[0]
    before = {k: v.copy() for k, v in grads.items()}
    clipped = clip(grads)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
        assert clipped[k] is not grads[k] and not np.shares_memory(clipped[k], grads[k])
        assert not np.array_equal(clipped[k], grads[k])  # clipping did happen, on a copy
    # and a result that needs no clipping is still a copy
    same, _ = clip_grad_norm(grads, 1e6)
    for k in grads:
        assert not np.shares_memory(same[k], grads[k])
        np.testing.assert_array_equal(same[k], grads[k])


def test_clipping_handles_all_zero_and_empty_gradients():
    zeros = {k: np.zeros(s) for k, s in SHAPES.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a division by zero would warn
        clipped, total = clip_grad_norm(zeros, 1.0)
        by_value = clip_grad_value(zeros, 1.0)
        empty, empty_total = clip_grad_norm({}, 1.0)
    assert total == 0.0 and empty == {} and empty_total == 0.0
    for k in zeros:
        np.testing.assert_array_equal(clipped[k], 0.0)
        np.testing.assert_array_equal(by_value[k], 0.0)


def test_clip_grad_norm_survives_exploding_gradients():
    """A norm of 1e200 squared would overflow; the clipped gradients still have norm max_norm."""
    grads = {"W_h": np.full((2, 2), 1e200), "b_h": np.array([1e200, -1e200])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clipped, total = clip_grad_norm(grads, 1.0)
    assert total == pytest.approx(np.sqrt(6) * 1e200, rel=1e-12)
    norm = np.sqrt(sum(np.sum(g**2) for g in clipped.values()))
    assert norm == pytest.approx(1.0, rel=1e-5)


def test_clipping_arguments_are_validated():
    grads = {"W_h": np.ones((2, 2))}
    with pytest.raises(ValueError, match=r"max_norm must be in \(0.0, inf\), got -1"):
        clip_grad_norm(grads, -1)
    with pytest.raises(ValueError, match=r"clip_value must be in \(0.0, inf\), got 0"):
        clip_grad_value(grads, 0)
    with pytest.raises(TypeError, match="grads must be a dict"):
        clip_grad_norm([np.ones(2)], 1.0)
    with pytest.raises(TypeError, match=r'grads\["W_h"\] must be an array'):
        clip_grad_value({"W_h": "big"}, 1.0)
    with pytest.raises(ValueError, match=r'grads\["b_h"\] holds NaN or infinite values'):
        clip_grad_norm({"W_h": np.ones(2), "b_h": np.array([np.nan])}, 1.0)
