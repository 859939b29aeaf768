"""Feedback checks for a learner's numerical gradient (exercise ex02-bptt, Part 4).

The learner writes ``numerical_gradient(f, x, h=1e-5)``, calling ``f(x)`` as the book's
``numerical_grad(f, x)`` and :func:`rnn_course.numerical_gradient` do. The function the
check passes as ``f`` says how to call it when it is called another way, and the messages
never name the check's own helpers.
"""

from __future__ import annotations

import numpy as np

from .._core import FeedbackError, as_result_array, call_learner, max_diff, passed
from .._core import require_result_shape, rng_for

NAME = "numerical_gradient"


class _Cubic:
    """f(x) = sum(a * x**3), whose gradient is 3 a x**2; its curvature exposes one-sided differences."""

    def __init__(self, a: np.ndarray):
        self.a = a

    def __call__(self, *args, **kwargs) -> float:
        __tracebackhide__ = True
        if len(args) != 1 or kwargs:
            raise TypeError(f"f takes one argument, the array x: call f(x), not f({_written(args, kwargs)})")
        x = np.asarray(args[0], dtype=np.float64)
        if x.shape != self.a.shape:
            raise ValueError(f"f expects an array shaped like x, {self.a.shape}; it got shape {x.shape}")
        return float(np.sum(self.a * x**3))


def _written(args, kwargs) -> str:
    return ", ".join([f"<{type(a).__name__}>" for a in args] + [f"{k}=..." for k in kwargs])


def check_numerical_gradient(fn, *, hidden: bool = False) -> None:
    """Centred differences on a function with a known gradient; ``x`` restored afterwards."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 8)
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5))) if hidden else (3, 2)
    x = rng.normal(size=shape)
    f = _Cubic(rng.normal(size=shape))
    exact = 3 * f.a * x**2
    before = x.copy()
    got = call_learner(fn, NAME, {"f": f, "x": x}, may_modify=("x",))
    if not np.array_equal(x, before):
        raise FeedbackError(f"{NAME} leaves x changed.\nPut each element back after perturbing it.")
    got = as_result_array(got, NAME, "the gradient")
    require_result_shape(got, shape, NAME, "the gradient", f"x of shape {shape}")
    if not np.allclose(got, exact, rtol=1e-7, atol=1e-9):
        forward = np.empty_like(x)
        for i in np.ndindex(shape):
            y = x.copy()
            y[i] += 1e-5
            forward[i] = (f(y) - f(x)) / 1e-5
        if np.allclose(got, forward, rtol=1e-4, atol=1e-6) or max_diff(got, exact) < 1e-3:
            raise FeedbackError(
                f"{NAME} is as inexact as a one-sided difference.\nIt is off by up to "
                f"{max_diff(got, exact):.2g}: use centred differences (f(x + h) - f(x - h)) / (2h), "
                f"accurate to O(h^2)."
            )
        if np.allclose(got * 2, exact):
            raise FeedbackError(f"{NAME} is half the gradient.\nDivide by 2h, not 4h.")
        if np.allclose(got / 2, exact):
            raise FeedbackError(f"{NAME} is twice the gradient.\nDivide (f(x + h) - f(x - h)) by 2h.")
        raise FeedbackError(
            f"{NAME} is wrong for f(x) = sum(a * x**3).\nIt is off by up to {max_diff(got, exact):.3g}: "
            f"perturb one element at a time by +h and -h."
        )
    passed(f"{NAME} computes centred differences accurately and leaves x unchanged", hidden)
