"""Numerical gradient checking with centred differences.

Use float64: with ``h = 1e-5`` centred differences are accurate to about ``h**2 = 1e-10``
relative to the function's curvature, while float32 round-off alone is about ``1e-7``.
Read the result of :func:`~rnn_course.rel_error` like this: below ``1e-7`` the backward pass is right;
around ``1e-4`` something is probably off (or a kink such as ``max(0, x)`` was crossed);
above ``1e-2`` it is wrong.

Book: chapter 2, numerical gradient checking (and every backward pass after it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validate import one_of, real


def _require_float64(name: str, x) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array (it is perturbed in place), got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} has dtype {x.dtype}: numerical gradients need float64 "
            f"(convert it with {name}.astype(np.float64))"
        )
    return x


def numerical_gradient(f: Callable[[np.ndarray], object], x: np.ndarray, df=None, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of ``f`` at ``x``.

    ``f(x)`` is called with ``x`` perturbed in place, one element at a time, and ``x`` is
    restored afterwards. If ``f`` returns a scalar, the result is ``d f / d x``. If it returns
    an array, pass the upstream gradient ``df`` (same shape as that array): the result is
    ``d sum(f(x) * df) / d x``, the vector-Jacobian product a backward pass computes.

    Returns an array shaped like ``x``.
    """
    _require_float64("x", x)
    h = real("h", h, low=0.0, low_open=True)
    grad = np.zeros_like(x)
    upstream = None if df is None else np.asarray(df, dtype=np.float64)

    def scalar(value) -> float:
        value = np.asarray(value, dtype=np.float64)
        if upstream is None:
            if value.size != 1:
                raise ValueError(
                    f"f returned an array of shape {value.shape}: pass df, the upstream gradient "
                    f"of that shape, or make f return a scalar"
                )
            return float(value.reshape(()))
        if value.shape != upstream.shape:
            raise ValueError(f"df has shape {upstream.shape} but f returned shape {value.shape}")
        return float(np.sum(value * upstream))

    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = scalar(f(x))
        x[i] = old - h
        minus = scalar(f(x))
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b, eps: float = 1e-12) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, eps)``.

    Symmetric in ``a`` and ``b`` and scale free; 0 for identical arrays.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}: expected the same shape")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def rel_error_norm(a, b, eps: float = 1e-12) -> float:
    """Relative error of two arrays as wholes: ``‖a - b‖ / max(‖a‖ + ‖b‖, eps)`` (2-norms).

    Unlike :func:`~rnn_course.rel_error` it is not thrown off by an entry that is almost zero in both
    (where a rounding difference of 1e-11 is a large fraction of the entry); it reads on
    the same scale: below ``1e-7`` the two agree to the accuracy of centred differences.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}: expected the same shape")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), eps))


def check_gradients(
    forward: Callable[..., np.ndarray],
    inputs: dict[str, np.ndarray],
    upstream: np.ndarray,
    analytic: dict[str, np.ndarray],
    h: float = 1e-5,
    *,
    measure: str = "entry",
) -> dict[str, float]:
    """Compare analytic gradients with centred differences, one named input at a time.

    ``forward(**inputs)`` returns an array shaped like ``upstream``; ``analytic[name]`` is
    your backward pass's gradient of ``sum(forward(**inputs) * upstream)`` with respect to
    ``inputs[name]``. Returns ``{name: error}`` for every name in ``analytic``, where the
    error is :func:`~rnn_course.rel_error` (``measure="entry"``, the largest over the entries) or
    :func:`~rnn_course.training.gradcheck.rel_error_norm` (``measure="norm"``, the whole array at once: use it for
    random inputs, where some entry of some gradient may be almost zero).
    """
    measure = one_of("measure", measure, ("entry", "norm"))
    error = rel_error if measure == "entry" else rel_error_norm
    unknown = sorted(set(analytic) - set(inputs))
    if unknown:
        raise KeyError(f"analytic has gradients for {unknown} that are not in inputs {sorted(inputs)}")
    errors = {}
    for name, grad in analytic.items():
        x = inputs[name]
        numeric = numerical_gradient(lambda _: forward(**inputs), x, df=upstream, h=h)
        errors[name] = error(numeric, grad)
    return errors


def flatten_grads(grads, keys=None) -> np.ndarray:
    """All gradients of a dict (or those named in ``keys``, in that order) as one vector."""
    names = list(grads) if keys is None else list(keys)
    missing = [k for k in names if k not in grads]
    if missing:
        raise KeyError(f"grads has no {missing}; it has {sorted(grads)}")
    return np.concatenate([np.ravel(np.asarray(grads[k], dtype=np.float64)) for k in names])


def grad_cosine(a, b, keys=None) -> float:
    """Cosine of the angle between two gradient dicts seen as single vectors (1: same direction)."""
    va, vb = flatten_grads(a, keys), flatten_grads(b, keys)
    if va.shape != vb.shape:
        raise ValueError(f"a and b hold {va.size} and {vb.size} numbers: expected the same parameters")
    norms = np.linalg.norm(va) * np.linalg.norm(vb)
    if norms == 0:
        raise ValueError("the cosine of a zero gradient is undefined")
    return float(va @ vb / norms)
