"""Feedback checks of ex08-attention: right answers pass (visible and hidden), each typical
mistake is named, a wrong Part 1 is blamed from Part 2, and inputs changed by the learner's
code do not change what the checks expect."""

import numpy as np
import pytest

from rnn_course.checks import (
    FeedbackError,
    check_attention_backward_inputs,
    check_attention_backward_params,
    check_attention_forward_shapes,
    check_attention_forward_values,
    check_masked_softmax_shapes,
    check_masked_softmax_values,
)
from rnn_course.layers.attention import attention_forward as reference_forward
from rnn_course.layers.attention import masked_softmax as reference_softmax

# ------------------------------------------------------------------ Part 1: the masked softmax


def softmax(e, mask, *, axis=0, masked=True, stable=True, after=False, max_axis=None, sum_axis=None):
    z = np.where(mask, e, -np.inf) if masked and not after else e
    if stable:
        z = z - z.max(axis=axis if max_axis is None else max_axis, keepdims=True)
    w = np.exp(z)
    w = w / w.sum(axis=axis if sum_axis is None else sum_axis, keepdims=True)
    return w * mask if after else w


@pytest.mark.parametrize("hidden", [False, True])
def test_a_right_softmax_passes(hidden, capsys):
    check_masked_softmax_shapes(softmax, hidden=hidden)
    check_masked_softmax_values(softmax, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


SOFTMAX_MISTAKES = {
    "the softmax runs over the batch axis": lambda e, m: softmax(e, m, axis=-1),
    "padding is not masked": lambda e, m: softmax(e, m, masked=False),
    "the mask is applied after normalising": lambda e, m: softmax(e, m, after=True),
    "the softmax runs over the batch axis\\.\n": lambda e, m: softmax(e, m, sum_axis=1),
    "sizes are right but in another order": lambda e, m: softmax(e, m).T,
    "calls rnn_course's reference code": reference_softmax,
    "changed its input e in place": lambda e, m: np.subtract(e, e.max(axis=0), out=e) is e and softmax(e, m),
}
STABILITY_MISTAKES = {
    "the largest score is taken over the batch axis": lambda e, m: softmax(e, m, max_axis=1),
    "subtract each column's largest real score first": lambda e, m: softmax(e, m, stable=False),
}


@pytest.mark.parametrize("message", SOFTMAX_MISTAKES)
def test_softmax_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_masked_softmax_shapes(SOFTMAX_MISTAKES[message])


@pytest.mark.parametrize("message", STABILITY_MISTAKES)
def test_a_softmax_wrong_only_in_its_values_is_named(message):
    check_masked_softmax_shapes(STABILITY_MISTAKES[message])  # the shapes and sums are right
    with pytest.raises(FeedbackError, match=message):
        check_masked_softmax_values(STABILITY_MISTAKES[message])

# ------------------------------------------------------------------ Part 2: the forward step


def forward(s_prev, hs, params, mask, *, tanh=True, v=True, context_axis=0, sm=softmax, **mistake):
    pre = hs @ params["U_a"].T + s_prev @ params["W_a"].T
    u = np.tanh(pre) if tanh else pre
    e = u @ params["v_a"] if v else u.sum(axis=-1)
    alpha = sm(e, mask, **mistake)
    context = (alpha[..., None] * hs).sum(axis=context_axis)
    cache = {"s_prev": s_prev, "hs": hs, "mask": mask, "alpha": alpha, "u": u, **params}
    return context, alpha, cache


@pytest.mark.parametrize("hidden", [False, True])
def test_a_right_forward_passes(hidden, capsys):
    check_attention_forward_shapes(forward, softmax, hidden=hidden)
    check_attention_forward_values(forward, softmax, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


def pre_activation_in_cache(s, hs, p, m):
    context, alpha, cache = forward(s, hs, p, m)
    cache["u"] = np.arctanh(cache["u"])
    return context, alpha, cache


FORWARD_MISTAKES = {
    "the tanh of the scores is missing": lambda s, hs, p, m: forward(s, hs, p, m, tanh=False),
    "the scores do not use v_a": lambda s, hs, p, m: forward(s, hs, p, m, v=False),
    "the softmax runs over the batch axis": lambda s, hs, p, m: forward(s, hs, p, m, axis=-1),
    "padding is not masked": lambda s, hs, p, m: forward(s, hs, p, m, masked=False),
    "the mask is applied after normalising": lambda s, hs, p, m: forward(s, hs, p, m, after=True),
    'cache\\["u"\\] holds the wrong values': pre_activation_in_cache,
    "calls rnn_course's reference code": lambda s, hs, p, m: reference_forward(s, hs, p, m),
}
SHAPE_MISTAKES = {
    "the context is summed over the batch axis": lambda s, hs, p, m: forward(s, hs, p, m, context_axis=1),
    "the context is summed over the units of h_s": lambda s, hs, p, m: forward(s, hs, p, m, context_axis=2),
    "must return three values": lambda s, hs, p, m: forward(s, hs, p, m)[:2],
    "the cache is missing 'u'": lambda s, hs, p, m: (*forward(s, hs, p, m)[:2],
                                                     {k: v for k, v in forward(s, hs, p, m)[2].items() if k != "u"}),
}


@pytest.mark.parametrize("message", FORWARD_MISTAKES)
def test_forward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_attention_forward_values(FORWARD_MISTAKES[message])


@pytest.mark.parametrize("message", SHAPE_MISTAKES)
def test_forward_shape_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_attention_forward_shapes(SHAPE_MISTAKES[message])


@pytest.mark.parametrize("hidden", [False, True])
def test_a_forward_on_a_wrong_softmax_is_told_to_fix_part_1_first(hidden):
    def wrong(e, mask):
        return softmax(e, mask, axis=-1)

    def uses_it(s, hs, p, m):
        return forward(s, hs, p, m, sm=lambda e, mask: wrong(e, mask))

    pattern = r"^attention_forward: your masked_softmax is wrong; fix Part 1 first\.\n(.|\n)*batch axis"
    with pytest.raises(FeedbackError, match=pattern):
        check_attention_forward_values(uses_it, wrong, hidden=hidden)

# ------------------------------------------------------------------ Part 3: the backward step


def backward(dcontext, cache, *, tanh_prime=True, softmax_sum=True, softmax_grad=True, alpha_path=True,
             keys_path=True, sum_positions=True, batch="sum"):
    hs, alpha, u = cache["hs"], cache["alpha"], cache["u"]
    dalpha = (hs * dcontext).sum(axis=-1)
    if not softmax_grad:
        de = dalpha
    elif softmax_sum:
        de = alpha * (dalpha - (alpha * dalpha).sum(axis=0))
    else:
        de = alpha * dalpha
    da = de[..., None] * cache["v_a"] * ((1 - u**2) if tanh_prime else 1.0)
    da_sum = da.sum(axis=0) if sum_positions else da
    dhs = (alpha[..., None] * dcontext if alpha_path else 0) + (da @ cache["U_a"] if keys_path else 0)
    scale = 1.0 / hs.shape[1] if batch == "mean" else 1.0
    grads = {"W_a": scale * np.einsum("sba,bq->aq", da, cache["s_prev"]),
             "U_a": scale * np.einsum("sba,sbh->ah", da, hs),
             "v_a": scale * np.einsum("sb,sba->a", de, u)}
    if batch == "each":
        grads["v_a"] = np.einsum("sb,sba->ba", de, u)
    return da_sum @ cache["W_a"], dhs, grads


@pytest.mark.parametrize("hidden", [False, True])
def test_a_right_backward_passes(hidden, capsys):
    check_attention_backward_inputs(backward, hidden=hidden)
    check_attention_backward_params(backward, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


BACKWARD_MISTAKES = {
    "the derivative of tanh is missing": lambda d, c: backward(d, c, tanh_prime=False),
    "the softmax's backward misses its second term": lambda d, c: backward(d, c, softmax_sum=False),
    "skips the softmax": lambda d, c: backward(d, c, softmax_grad=False),
    "dhs misses the path through the context": lambda d, c: backward(d, c, alpha_path=False),
    "dhs misses the path through the scores": lambda d, c: backward(d, c, keys_path=False),
    "ds_prev is not summed over the source positions": lambda d, c: backward(d, c, sum_positions=False),
}
PARAM_MISTAKES = {
    "the derivative of tanh is missing": lambda d, c: backward(d, c, tanh_prime=False),
    "the softmax's backward misses its second term": lambda d, c: backward(d, c, softmax_sum=False),
    "averaged over the batch": lambda d, c: backward(d, c, batch="mean"),
    'grads\\["v_a"\\] is not summed over the batch': lambda d, c: backward(d, c, batch="each"),
}


@pytest.mark.parametrize("message", BACKWARD_MISTAKES)
def test_backward_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_attention_backward_inputs(BACKWARD_MISTAKES[message])


@pytest.mark.parametrize("message", PARAM_MISTAKES)
def test_parameter_gradient_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_attention_backward_params(PARAM_MISTAKES[message])


# ------------------------------------------------------------------ what the checks expect is theirs


def test_a_learner_who_changes_the_inputs_cannot_change_the_expected_values():
    """A function that rewrites its inputs to make a wrong answer look right is caught: the
    expected values come from copies taken before it ran."""
    def rewrite(dcontext, cache):
        ds, dhs, grads = backward(dcontext, cache, tanh_prime=False)
        cache["u"][...] = 0.0  # 1 - u**2 is now 1: the wrong answer would match a recomputation
        return ds, dhs, grads

    with pytest.raises(FeedbackError, match="derivative of tanh is missing|changed its input cache"):
        check_attention_backward_inputs(rewrite)


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (SOFTMAX_MISTAKES, lambda m, fn, hidden: check_masked_softmax_shapes(fn, hidden=hidden)),
    (STABILITY_MISTAKES, lambda m, fn, hidden: check_masked_softmax_values(fn, hidden=hidden)),
    (FORWARD_MISTAKES, lambda m, fn, hidden: check_attention_forward_values(fn, hidden=hidden)),
    (SHAPE_MISTAKES, lambda m, fn, hidden: check_attention_forward_shapes(fn, hidden=hidden)),
    (BACKWARD_MISTAKES, lambda m, fn, hidden: check_attention_backward_inputs(fn, hidden=hidden)),
    (PARAM_MISTAKES, lambda m, fn, hidden: check_attention_backward_params(fn, hidden=hidden)),
]
