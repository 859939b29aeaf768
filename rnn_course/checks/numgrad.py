"""Feedback checks for a learner's numerical gradient (exercise ex02-bptt)."""

from __future__ import annotations

import numpy as np

from ._core import FeedbackError, as_result_array, call_learner, close, max_diff, passed
from ._core import require_result_shape, rng_for

NAME = "numerical_gradient"


def check_numerical_gradient(fn, *, hidden: bool = False) -> None:
    """Centred differences on functions with known gradients; ``x`` restored afterwards."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 8)
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 5))) if hidden else (3, 2)
    x = rng.normal(size=shape)
    a = rng.normal(size=shape)

    def cubic(v):  # d/dv sum(a * v**3) = 3 a v**2; its curvature exposes one-sided differences
        return float(np.sum(a * v**3))

    exact = 3 * a * x**2
    before = x.copy()
    got = call_learner(fn, NAME, {"f": cubic, "x": x}, may_modify=("x",))
    if not np.array_equal(x, before):
        raise FeedbackError(f"{NAME} leaves x changed: put each element back after perturbing it")
    got = as_result_array(got, NAME, "the gradient")
    require_result_shape(got, shape, NAME, "the gradient", f"x of shape {shape}")
    if not np.allclose(got, exact, rtol=1e-7, atol=1e-9):
        forward = np.empty_like(x)
        for i in np.ndindex(shape):
            y = x.copy()
            y[i] += 1e-5
            forward[i] = (cubic(y) - cubic(x)) / 1e-5
        if np.allclose(got, forward, rtol=1e-4, atol=1e-6) or max_diff(got, exact) < 1e-3:
            raise FeedbackError(
                f"{NAME} is off by up to {max_diff(got, exact):.2g}, the size of a one-sided difference: "
                f"use centred differences (f(x + h) - f(x - h)) / (2h), accurate to O(h^2)"
            )
        if close(got * 2, exact):
            raise FeedbackError(f"{NAME} is half the gradient: divide by 2h, not 4h")
        if close(got / 2, exact):
            raise FeedbackError(f"{NAME} is twice the gradient: divide (f(x + h) - f(x - h)) by 2h")
        raise FeedbackError(
            f"{NAME} is wrong for f(x) = sum(a * x**3) (off by up to {max_diff(got, exact):.3g}): perturb one "
            f"element at a time by +h and -h"
        )
    passed(f"{NAME} computes centred differences accurately and leaves x unchanged", hidden)
