"""Feedback checks of ex06-language: right answers pass, each typical mistake is named."""

import copy

import numpy as np
import pytest

from rnn_course.checks import (
    FeedbackError,
    check_classifier_backward,
    check_classifier_forward,
    check_sample_distribution,
    check_sample_shapes,
    check_train_step,
)
from rnn_course.layers.pooling import mean_pool_forward
from rnn_course.training.sampling import sample_with_temperature as reference_sample

# ------------------------------------------------------------------ Part 1: sampling


def sample(logits, temperature, rng, *, scale="divide", stable=True, source="rng", greedy=False):
    z = {"divide": logits / temperature, "multiply": logits * temperature, "ignore": logits}[scale]
    if stable:
        z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p = p / p.sum(axis=-1, keepdims=True)
    if greedy:
        return p.argmax(axis=-1)
    draw = rng.random if source == "rng" else np.random.random
    u = draw(p.shape[0])[:, None]
    return np.minimum((np.cumsum(p, axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


@pytest.mark.parametrize("hidden", [False, True])
def test_right_sampling_passes(hidden, capsys):
    check_sample_shapes(sample, hidden=hidden)
    check_sample_distribution(sample, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


@pytest.mark.parametrize("mistake, message", [
    (lambda l, t, r: sample(l, t, r, scale="multiply"), "Divide the logits by the temperature"),
    (lambda l, t, r: sample(l, t, r, scale="ignore"), "as if the temperature were 1"),
    (lambda l, t, r: sample(l, t, r, greedy=True), "greedy"),
])
def test_sampling_mistakes_are_named(mistake, message):
    with pytest.raises(FeedbackError, match=message):
        check_sample_distribution(mistake)


def test_global_random_numbers_are_named():
    with pytest.raises(FeedbackError, match="from the rng argument"):
        check_sample_shapes(lambda l, t, r: sample(l, t, r, source="global"))


def test_overflow_is_named():
    with pytest.raises(FeedbackError, match="largest logit before exp"):
        check_sample_shapes(lambda l, t, r: sample(l, t, r, stable=False))


def test_probabilities_instead_of_ids_are_named():
    def probs(logits, temperature, rng):
        z = np.exp(logits / temperature - (logits / temperature).max(axis=-1, keepdims=True))
        return np.round(z / z.sum(axis=-1, keepdims=True))
    with pytest.raises(FeedbackError, match="not drawn ids"):
        check_sample_shapes(probs)


def test_calling_the_reference_is_delegation():
    with pytest.raises(FeedbackError, match="delegating"):
        check_sample_shapes(lambda l, t, r: reference_sample(l, t, rng=r))

# ------------------------------------------------------------------ Part 2: classifier


def forward(hs, mask, params, *, pool="masked", bias=True):
    m = mask[..., None].astype(float)
    pooled = {"masked": (hs * m).sum(0) / m.sum(0), "all": hs.mean(0), "by_T": (hs * m).sum(0) / len(hs),
              "sum": (hs * m).sum(0), "last": hs[-1]}[pool]
    logits = pooled @ params["W_y"].T + (params["b_y"] if bias else 0)
    return logits, {"pooled": pooled, "m": m, "W_y": params["W_y"]}


def backward(dlogits, cache, *, scale="length", masked=True):
    grads = {"W_y": dlogits.T @ cache["pooled"], "b_y": dlogits.sum(0)}
    dpooled = dlogits @ cache["W_y"]
    m = cache["m"] if masked else np.ones_like(cache["m"])
    div = {"length": cache["m"].sum(0), "T": len(cache["m"]), "none": 1.0}[scale]
    return m * (dpooled / div)[None], grads


@pytest.mark.parametrize("hidden", [False, True])
def test_right_classifier_passes(hidden, capsys):
    check_classifier_forward(forward, hidden=hidden)
    check_classifier_backward(forward, backward, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


@pytest.mark.parametrize("pool, message", [
    ("all", "padding included"), ("by_T", "divided by T"), ("sum", "not divided by the length"),
    ("last", "hs\\[-1\\]"),
])
def test_forward_pooling_mistakes_are_named(pool, message):
    with pytest.raises(FeedbackError, match=message):
        check_classifier_forward(lambda h, m, p: forward(h, m, p, pool=pool))


def test_missing_bias_is_named():
    with pytest.raises(FeedbackError, match="bias b_y is missing"):
        check_classifier_forward(lambda h, m, p: forward(h, m, p, bias=False))


def test_forward_that_modifies_hs_is_named():
    def zero_padding(hs, mask, params):
        hs[~mask] = 0.0
        return forward(hs, mask, params)
    with pytest.raises(FeedbackError, match="changed its input hs"):
        check_classifier_forward(zero_padding)


def test_forward_calling_the_reference_is_delegation():
    def lazy(hs, mask, params):
        pooled, _ = mean_pool_forward(hs, mask)
        return pooled @ params["W_y"].T + params["b_y"], {}
    with pytest.raises(FeedbackError, match="delegating"):
        check_classifier_forward(lazy)


@pytest.mark.parametrize("kwargs, message", [
    ({"masked": False}, "not zero at padded steps"),
    ({"scale": "none"}, "divide by each sequence's length"),
    ({"scale": "T"}, "divided by T"),
])
def test_backward_mistakes_are_named(kwargs, message):
    with pytest.raises(FeedbackError, match=message):
        check_classifier_backward(forward, lambda d, c: backward(d, c, **kwargs))


def test_wrong_weight_gradient_is_named():
    def no_batch_sum(dlogits, cache):
        dhs, grads = backward(dlogits, cache)
        grads["b_y"] = dlogits.mean(0)
        return dhs, grads
    with pytest.raises(FeedbackError, match='grads\\["b_y"\\]'):
        check_classifier_backward(forward, no_batch_sum)

# ------------------------------------------------------------------ Part 3: training step


def step(params, hs, mask, labels, lr, max_norm, *, clip="together", sign=-1, reduce="mean",
         loss_after=False):
    def loss_grads():
        logits, cache = forward(hs, mask, params)
        z = logits - logits.max(1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
        B = len(labels)
        loss = -log_p[np.arange(B), labels].sum()
        d = np.exp(log_p)
        d[np.arange(B), labels] -= 1
        if reduce == "mean":
            loss, d = loss / B, d / B
        return loss, backward(d, cache)[1]
    loss, grads = loss_grads()
    total = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    for k, g in grads.items():
        if clip == "together":
            scale = min(1.0, max_norm / total)
        elif clip == "each":
            scale = min(1.0, max_norm / np.linalg.norm(g))
        elif clip == "always":
            scale = max_norm / total
        else:
            scale = 1.0
        params[k] += sign * lr * scale * g
    if loss_after:
        loss = loss_grads()[0]
    return loss, total


@pytest.mark.parametrize("hidden", [False, True])
def test_right_step_passes(hidden, capsys):
    check_train_step(step, hidden=hidden)
    assert "\u2713" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    ({"clip": "none"}, "did not clip"),
    ({"clip": "each"}, "each gradient on its own is below max_norm"),
    ({"clip": "always"}, "clip only when total_norm > max_norm"),
    ({"sign": +1}, "uphill"),
    ({"reduce": "sum"}, "sum over the batch"),
    ({"loss_after": True}, "after the update"),
])
def test_step_mistakes_are_named(kwargs, message):
    with pytest.raises(FeedbackError, match=message):
        check_train_step(lambda *args: step(*args, **kwargs))


def test_step_that_returns_one_value_is_named():
    with pytest.raises(FeedbackError, match="two values"):
        check_train_step(lambda *args: step(*args)[0])


def test_step_that_does_not_update_is_named():
    def no_update(params, *args):
        return step(copy.deepcopy(params), *args)
    with pytest.raises(FeedbackError, match="left params unchanged"):
        check_train_step(no_update)
