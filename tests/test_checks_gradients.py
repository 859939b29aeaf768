"""Feedback checks for gradient norms through time and clipping: right answers pass, mistakes are named."""

import numpy as np
import pytest

from rnn_course import clip_grad_norm as reference_clip_norm
from rnn_course import clip_grad_value as reference_clip_value
from rnn_course import rnn_cell_backward
from rnn_course.checks._core import FeedbackError
from rnn_course.checks.gradients import (
    check_clip_grad_norm,
    check_clip_grad_norm_edge_cases,
    check_clip_grad_value,
    check_gradient_norms_shapes,
    check_gradient_norms_values,
)

# --------------------------------------------------------------------------- gradient norms


def norms(dh_last, cache, *, deriv="h_t", transpose=False, order="time", shift=False, square=False,
          axis=-1, record_da=False, extra_h0=False):
    """The norms through time over the list of cell caches, as ex03 asks (or with a mistake)."""
    out, dh = [], dh_last
    for k in reversed(range(len(cache))):
        step = cache[k]
        W = step["W_h"].T if transpose else step["W_h"]
        factor = {"h_t": 1 - step["h_t"] ** 2, "none": 1.0, "h_prev": 1 - step["h_prev"] ** 2}[deriv]
        da = dh * factor
        if not shift:
            out.append(np.linalg.norm(da if record_da else dh, axis=axis))
        dh = da @ W
        if shift:
            out.append(np.linalg.norm(dh, axis=axis))
    if extra_h0:
        out.append(np.linalg.norm(dh, axis=axis))
    out = np.array(out)
    if order == "time":
        out = out[::-1]
    return out**2 if square else out


def norms_in_place(dh_last, cache):
    out, dh = np.empty((len(cache), *dh_last.shape[:-1])), dh_last
    for k in reversed(range(len(cache))):
        out[k] = np.linalg.norm(dh, axis=-1)
        dh *= 1 - cache[k]["h_t"] ** 2  # modifies dh_last at the first step
        dh = dh @ cache[k]["W_h"]
    return out


def norms_with_cell_backward(dh_last, cache):
    out, dh = [], dh_last
    for k in reversed(range(len(cache))):
        out.append(np.linalg.norm(dh, axis=-1))
        _, dh, _ = rnn_cell_backward(dh, cache[k])
    return np.array(out[::-1])


def norms_from_the_package(dh_last, cache):
    """Delegates to a non-reference module of rnn_course (a plotting helper, say)."""
    from rnn_course import init_rnn_params

    init_rnn_params(1, 1)
    return norms(dh_last, cache)


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_gradient_norms_pass(hidden, capsys):
    check_gradient_norms_shapes(norms, hidden=hidden)
    check_gradient_norms_values(norms, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


NORMS_MISTAKES = {
    "derivative of tanh is missing": lambda d, c: norms(d, c, deriv="none"),
    "must use h_t, not h_prev": lambda d, c: norms(d, c, deriv="h_prev"),
    "W_h is transposed": lambda d, c: norms(d, c, transpose=True),
    "in reverse order": lambda d, c: norms(d, c, order="backwards"),
    "shifted by one step": lambda d, c: norms(d, c, shift=True),
    "squared norms": lambda d, c: norms(d, c, square=True),
    "the norms are of da, not of dh": lambda d, c: norms(d, c, record_da=True),
    r"norms\[T-1\] must be \|\|dh_last\|\|\.\nIt is .* but should be \|\|dh_last\|\|": lambda d, c: norms(d, c) + 1.0,
    "changed its input dh_last in place": norms_in_place,
    "reference implementation": norms_with_cell_backward,
    r"calls code from rnn_course\.\nIt calls init_rnn_params": norms_from_the_package,
    "returned None": lambda d, c: None,
    "must return only the norms": lambda d, c: (norms(d, c), None),
}


@pytest.mark.parametrize("message", NORMS_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_gradient_norms_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_gradient_norms_values(NORMS_MISTAKES[message], hidden=hidden)


NORMS_SHAPE_MISTAKES = {
    "one value too many": lambda d, c: norms(d, c, extra_h0=True),
    "one value short": lambda d, c: norms(d, c)[1:],
    "one norm per example in the batch": lambda d, c: norms(d, c, axis=None),
    "these are the gradients themselves": lambda d, c: np.ones((len(c), *d.shape)),
    "the axes are swapped": lambda d, c: norms(d, c).T,
}


@pytest.mark.parametrize("message", NORMS_SHAPE_MISTAKES)
def test_gradient_norms_shape_mistakes_are_named(message):
    with pytest.raises(FeedbackError, match=message):
        check_gradient_norms_shapes(NORMS_SHAPE_MISTAKES[message])


# --------------------------------------------------------------------------- clipping by value


def clip_value(grads, clip_value):
    return {k: np.clip(g, -clip_value, clip_value) for k, g in grads.items()}


def clip_value_in_place(grads, clip_value):
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)
    return dict(grads)


def clip_value_into_same_dict(grads, clip_value):
    for k in grads:
        grads[k] = np.clip(grads[k], -clip_value, clip_value)
    return grads


@pytest.mark.parametrize("hidden", [False, True])
def test_correct_clip_value_passes(hidden, capsys):
    check_clip_grad_value(clip_value, hidden=hidden)
    check_clip_grad_value(lambda g, c: {k: np.maximum(np.minimum(v, c), -c) for k, v in g.items()},
                          hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


VALUE_MISTAKES = {
    r"the sign is lost \(abs\)": lambda g, c: {k: np.minimum(np.abs(v), c) for k, v in g.items()},
    "entries below -c became \\+c": lambda g, c: {k: np.where(np.abs(v) > c, c, v) for k, v in g.items()},
    "only the upper bound": lambda g, c: {k: np.minimum(v, c) for k, v in g.items()},
    "only the lower bound": lambda g, c: {k: np.maximum(v, -c) for k, v in g.items()},
    "negative entries became 0": lambda g, c: {k: np.clip(v, 0, c) for k, v in g.items()},
    r"every entry was set to \+c or -c": lambda g, c: {k: np.sign(v) * c for k, v in g.items()},
    "the array was rescaled": lambda g, c: {k: v * c / np.abs(v).max() for k, v in g.items()},
    "nothing was clipped": lambda g, c: {k: v.copy() for k, v in g.items()},
    r'changed the array grads\["W_x"\] in place': clip_value_in_place,
    r'replaced grads\["W_x"\] in the dict it was given': clip_value_into_same_dict,
    "returned the very dict it was given": lambda g, c: g,
    r'returned grads\["W_x"\] itself, not a copy': lambda g, c: {k: v for k, v in g.items()},
    "is missing \\['b_h'\\]": lambda g, c: {k: np.clip(v, -c, c) for k, v in g.items() if k != "b_h"},
    "must return a dict": lambda g, c: [np.clip(v, -c, c) for v in g.values()],
    r'returned clipped\["W_x"\] of the wrong shape': lambda g, c: {k: np.clip(v, -c, c).ravel() for k, v in g.items()},
    "reference implementation": reference_clip_value,
}


@pytest.mark.parametrize("message", VALUE_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_clip_value_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_clip_grad_value(VALUE_MISTAKES[message], hidden=hidden)


# --------------------------------------------------------------------------- clipping by norm


def global_norm(grads):
    return np.sqrt(sum(np.sum(g**2) for g in grads.values()))


def clip_norm(grads, max_norm):
    total = global_norm(grads)
    scale = max_norm / total if total > max_norm else 1.0
    return {k: g * scale for k, g in grads.items()}, total


def clip_norm_torch_style(grads, max_norm):
    total = global_norm(grads)
    return {k: g * min(1.0, max_norm / (total + 1e-6)) for k, g in grads.items()}, total


def clip_norm_always(grads, max_norm):
    total = global_norm(grads)
    return {k: g * (max_norm / total) for k, g in grads.items()}, total


def clip_norm_own_norm(grads, max_norm):
    out = {}
    for k, g in grads.items():
        n = np.linalg.norm(g)
        out[k] = g * max_norm / n if n > max_norm else g.copy()
    return out, global_norm(grads)


def clip_norm_python_floats(grads, max_norm):
    total = float(global_norm(grads))
    scale = min(1.0, max_norm / total)  # ZeroDivisionError when every gradient is 0
    return {k: g * scale for k, g in grads.items()}, total


def clip_norm_in_place(grads, max_norm):
    total = global_norm(grads)
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return {k: g.copy() for k, g in grads.items()}, total


def clip_norm_same_dict_when_small(grads, max_norm):
    total = global_norm(grads)
    if total <= max_norm:
        return grads, total
    return clip_norm(grads, max_norm)


def clip_norm_total(fn):
    def wrong(grads, max_norm):
        clipped, _ = clip_norm(grads, max_norm)
        return clipped, fn(grads, clipped)

    return wrong


@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("answer", [clip_norm, clip_norm_torch_style])
def test_correct_clip_norm_passes(answer, hidden, capsys):
    check_clip_grad_norm(answer, hidden=hidden)
    check_clip_grad_norm_edge_cases(answer, hidden=hidden)
    assert capsys.readouterr().out.count("\u2713") == 2


NORM_MISTAKES = {
    "clipped by its own norm": clip_norm_own_norm,
    "nothing was rescaled": lambda g, m: ({k: v.copy() for k, v in g.items()}, global_norm(g)),
    "divided by total_norm but not multiplied by max_norm":
        lambda g, m: ({k: v / global_norm(g) for k, v in g.items()}, global_norm(g)),
    "upside down": lambda g, m: ({k: v * global_norm(g) / m for k, v in g.items()}, global_norm(g)),
    # When no entry exceeds max_norm, clipping by value changes nothing, and that is what the message says.
    "this is clipping by value|nothing was rescaled":
        lambda g, m: ({k: np.clip(v, -m, m) for k, v in g.items()}, global_norm(g)),
    "squared norm": clip_norm_total(lambda g, c: global_norm(g) ** 2),
    "sum of the arrays' norms": clip_norm_total(lambda g, c: sum(np.linalg.norm(v) for v in g.values())),
    "largest array's norm": clip_norm_total(lambda g, c: max(np.linalg.norm(v) for v in g.values())),
    "norm after clipping": clip_norm_total(lambda g, c: global_norm(c)),
    r"must return a pair \(clipped, total_norm\)": lambda g, m: None,
    "returned only the dict": lambda g, m: clip_norm(g, m)[0],
    "the pair is the wrong way round": lambda g, m: clip_norm(g, m)[::-1],
    "total_norm must be one number": lambda g, m: (clip_norm(g, m)[0], [np.linalg.norm(v) for v in g.values()]),
    r'changed the array grads\["W_x"\] in place': clip_norm_in_place,
    "reference implementation": reference_clip_norm,
}


@pytest.mark.parametrize("message", NORM_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_clip_norm_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_clip_grad_norm(NORM_MISTAKES[message], hidden=hidden)


def nan_on_zeros(grads, max_norm):
    total = global_norm(grads)
    scale = max_norm / total  # 0 / 0 = NaN for all-zero gradients
    return {k: g * min(scale, 1.0) if total > 0 else g * scale for k, g in grads.items()}, total


EDGE_MISTAKES = {
    "gradients within max_norm were rescaled": clip_norm_always,
    "returned the very dict it was given": clip_norm_same_dict_when_small,
    r'returned grads\["W_x"\] itself, not a copy':
        lambda g, m: (dict(g), global_norm(g)) if global_norm(g) <= m else clip_norm(g, m),
    r"NaN or infinite values\.\nThat was for all-zero gradients\. With all-zero gradients total_norm is 0":
        nan_on_zeros,
    "divides by zero for all-zero gradients": clip_norm_python_floats,
    r'replaced grads\["W_x"\] in the dict it was given':
        lambda g, m: (g.update({k: v * 1.0 for k, v in g.items()}), clip_norm(g, m))[1],
}


@pytest.mark.parametrize("message", EDGE_MISTAKES)
@pytest.mark.parametrize("hidden", [False, True])
def test_clip_norm_edge_case_mistakes_are_named(message, hidden):
    with pytest.raises(FeedbackError, match=message):
        check_clip_grad_norm_edge_cases(EDGE_MISTAKES[message], hidden=hidden)


#: Every table of mistakes and how to run its checks, for test_checks_hidden_draws.py.
MISTAKE_TABLES = [
    (NORMS_MISTAKES, lambda m, fn, hidden: check_gradient_norms_values(fn, hidden=hidden)),
    (NORMS_SHAPE_MISTAKES, lambda m, fn, hidden: check_gradient_norms_shapes(fn, hidden=hidden)),
    (VALUE_MISTAKES, lambda m, fn, hidden: check_clip_grad_value(fn, hidden=hidden)),
    (NORM_MISTAKES, lambda m, fn, hidden: check_clip_grad_norm(fn, hidden=hidden)),
    (EDGE_MISTAKES, lambda m, fn, hidden: check_clip_grad_norm_edge_cases(fn, hidden=hidden)),
]
