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


def sample(logits, temperature, rng, *, scale="divide", stable=True, source="rng", greedy=False,
           max_axis=-1, sum_axis=-1, cumsum_axis=-1, keepdims=True, choice=False, guard=True):
    z = {"divide": logits / temperature, "multiply": logits * temperature, "ignore": logits}[scale]
    if stable:
        z = z - z.max(axis=max_axis, keepdims=keepdims)
    p = np.exp(z)
    p = p / p.sum(axis=sum_axis, keepdims=True)
    if greedy:
        return p.argmax(axis=-1)
    if choice:
        return np.array([rng.choice(p.shape[1], p=row) for row in p])
    draw = rng.random if source == "rng" else np.random.random
    u = draw(p.shape[0])[:, None]
    ids = (np.cumsum(p, axis=cumsum_axis) < u).sum(axis=-1)
    return np.minimum(ids, p.shape[-1] - 1) if guard else ids


@pytest.mark.parametrize("hidden", [False, True])
def test_right_sampling_passes(hidden, capsys):
    check_sample_shapes(sample, hidden=hidden)
    check_sample_distribution(sample, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


def probs(logits, temperature, rng):
    z = np.exp(logits / temperature - (logits / temperature).max(axis=-1, keepdims=True))
    return np.round(z / z.sum(axis=-1, keepdims=True))


DISTRIBUTION_MISTAKES = {
    "Divide the logits by the temperature": lambda l, t, r: sample(l, t, r, scale="multiply"),
    "as if the temperature were 1": lambda l, t, r: sample(l, t, r, scale="ignore"),
    "greedy": lambda l, t, r: sample(l, t, r, greedy=True),
    r"takes the max over the wrong axis(.|\n)*z.max\(axis=-1, keepdims=True\)": lambda l, t, r: sample(
        l, t, r, max_axis=0),
    r"normalises over the wrong axis(.|\n)*p.sum\(axis=-1": lambda l, t, r: sample(l, t, r, sum_axis=0),
    r"sums cumulatively over the wrong axis(.|\n)*np.cumsum\(p, axis=-1\)": lambda l, t, r: sample(
        l, t, r, cumsum_axis=0),
}
SHAPE_MISTAKES = {
    "from the rng argument": lambda l, t, r: sample(l, t, r, source="global"),
    "largest logit before exp": lambda l, t, r: sample(l, t, r, stable=False),
    "not drawn ids": probs,
    "delegating": lambda l, t, r: reference_sample(l, t, rng=r),
    r"shapes did not fit(.|\n)*keepdims=True": lambda l, t, r: sample(l, t, r, keepdims=False),
    r"a row's probabilities do not sum to 1(.|\n)*axis=-1": lambda l, t, r: sample(l, t, r, choice=True, sum_axis=0),
    r"ids outside(.|\n)*must sum to 1": lambda l, t, r: sample(l, t, r, sum_axis=0, guard=False),
    r"normalises over the wrong axis": lambda l, t, r: sample(l, t, r, sum_axis=0),
}


@pytest.mark.parametrize("message", DISTRIBUTION_MISTAKES)
def test_sampling_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_sample_distribution(DISTRIBUTION_MISTAKES[message])


@pytest.mark.parametrize("message", SHAPE_MISTAKES)
def test_shape_and_source_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_sample_shapes(SHAPE_MISTAKES[message])

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


def zero_padding(hs, mask, params):
    hs[~mask] = 0.0
    return forward(hs, mask, params)


def lazy(hs, mask, params):
    pooled, _ = mean_pool_forward(hs, mask)
    return pooled @ params["W_y"].T + params["b_y"], {}


FORWARD_MISTAKES = {
    "padding included": lambda h, m, p: forward(h, m, p, pool="all"),
    "divided by T": lambda h, m, p: forward(h, m, p, pool="by_T"),
    "not divided by the length": lambda h, m, p: forward(h, m, p, pool="sum"),
    "hs\\[-1\\]": lambda h, m, p: forward(h, m, p, pool="last"),
    "bias b_y is missing": lambda h, m, p: forward(h, m, p, bias=False),
    "changed its input hs": zero_padding,
    "delegating": lazy,
}


@pytest.mark.parametrize("message", FORWARD_MISTAKES)
def test_forward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_classifier_forward(FORWARD_MISTAKES[message])


def no_batch_sum(dlogits, cache):
    dhs, grads = backward(dlogits, cache)
    grads["b_y"] = dlogits.mean(0)
    return dhs, grads


BACKWARD_MISTAKES = {
    "not zero at padded steps": lambda d, c: backward(d, c, masked=False),
    "divide by each sequence's length": lambda d, c: backward(d, c, scale="none"),
    "divided by T": lambda d, c: backward(d, c, scale="T"),
    'grads\\["b_y"\\]': no_batch_sum,
}


@pytest.mark.parametrize("message", BACKWARD_MISTAKES)
def test_backward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_classifier_backward(forward, BACKWARD_MISTAKES[message])

# ------------------------------------------------------------------ Part 3: training step


def step(params, hs, mask, labels, lr, max_norm, *, clip="together", sign=-1, reduce="mean",
         loss_after=False, fwd=forward, bwd=backward):
    def loss_grads():
        logits, cache = fwd(hs, mask, params)
        z = logits - logits.max(1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(1, keepdims=True))
        B = len(labels)
        loss = -log_p[np.arange(B), labels].sum()
        d = np.exp(log_p)
        d[np.arange(B), labels] -= 1
        if reduce == "mean":
            loss, d = loss / B, d / B
        return loss, bwd(d, cache)[1]
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


def no_update(params, *args):
    return step(copy.deepcopy(params), *args)


STEP_MISTAKES = {
    "did not clip": lambda *a: step(*a, clip="none"),
    "each gradient on its own is below max_norm": lambda *a: step(*a, clip="each"),
    "clip only when total_norm > max_norm": lambda *a: step(*a, clip="always"),
    "uphill": lambda *a: step(*a, sign=+1),
    "sum over the batch": lambda *a: step(*a, reduce="sum"),
    "after the update": lambda *a: step(*a, loss_after=True),
    "two values": lambda *a: step(*a)[0],
    "left params unchanged": no_update,
}


@pytest.mark.parametrize("message", STEP_MISTAKES)
def test_step_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_train_step(STEP_MISTAKES[message])


# ------------------------------------------------------------------ blame: fix the part it builds on first


def wrong_forward(hs, mask, params):
    return forward(hs, mask, params, pool="all")


@pytest.mark.parametrize("hidden", [False, True])
def test_a_backward_on_a_wrong_forward_is_told_to_fix_the_forward_first(hidden):
    pattern = (r"^classifier_backward: your classifier_forward is wrong; fix it first\.\n"
               r"classifier_backward reads its cache(.|\n)*padding included")
    with pytest.raises(FeedbackError, match=pattern):
        check_classifier_backward(wrong_forward, backward, hidden=hidden)


def test_a_forward_wrong_only_in_its_logits_leaves_the_backward_alone(capsys):
    check_classifier_backward(lambda h, m, p: forward(h, m, p, bias=False), backward)
    assert "\u2713" in capsys.readouterr().out


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("part2, blamed, why", [
    ({"fwd": wrong_forward}, "classifier_forward", "padding included"),
    ({"bwd": no_batch_sum}, "classifier_backward", 'grads\\["b_y"\\]'),
])
def test_a_step_on_wrong_part2_functions_is_told_to_fix_part_2_first(part2, blamed, why, hidden):
    forward_used, backward_used = part2.get("fwd", forward), part2.get("bwd", backward)
    with pytest.raises(FeedbackError, match=rf"^train_step: your {blamed} is wrong; fix Part 2 first\.\n(.|\n)*{why}"):
        check_train_step(lambda *a: step(*a, **part2), hidden=hidden, forward=forward_used, backward=backward_used)


def test_a_wrong_step_on_right_part2_functions_is_judged_on_its_own():
    with pytest.raises(FeedbackError, match="^train_step did not clip"):
        check_train_step(STEP_MISTAKES["did not clip"], forward=forward, backward=backward)


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (DISTRIBUTION_MISTAKES, lambda m, fn, hidden: check_sample_distribution(fn, hidden=hidden)),
    (SHAPE_MISTAKES, lambda m, fn, hidden: check_sample_shapes(fn, hidden=hidden)),
    (FORWARD_MISTAKES, lambda m, fn, hidden: check_classifier_forward(fn, hidden=hidden)),
    (BACKWARD_MISTAKES, lambda m, fn, hidden: check_classifier_backward(forward, fn, hidden=hidden)),
    (STEP_MISTAKES, lambda m, fn, hidden: check_train_step(fn, hidden=hidden)),
]
