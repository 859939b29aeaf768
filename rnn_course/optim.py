"""Optimisers and gradient clipping over parameter dicts.

Parameters and gradients travel in dicts keyed by name (``"W_h"``, ``"b_y"``, ...).

- :class:`SGD` and :class:`Adam` update the parameter arrays **in place**: after
  ``opt.step(params, grads)`` every array in ``params`` that had a gradient holds its new
  value (the dict and the array objects stay the same, so caches and plots that hold them
  see the update). Parameters without a gradient are left alone; a gradient for a name
  that is not in ``params`` is an error (usually a typo).
- :func:`clip_grad_norm` and :func:`clip_grad_value` return new arrays and never modify
  their input, so the raw gradients stay available for plotting their size.

The update rules are PyTorch's (``torch.optim.SGD``, ``torch.optim.Adam``,
``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``), and the tests check that
they agree to 1e-10 in float64.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ._validate import as_float_array, require_same_shape


def _number(name: str, value, *, low: float, high: float = math.inf, low_open: bool = False,
            high_open: bool = True) -> float:
    """Return ``value`` as a float, or raise ``ValueError`` naming it and the allowed range."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    too_low = x <= low if low_open else x < low
    too_high = x >= high if high_open else x > high
    if not math.isfinite(x) or too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open or high == math.inf else "]"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}")
    return x


def _require_dict(name: str, value) -> Mapping:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of arrays keyed by name, got a {type(value).__name__}")
    return value


def _require_state_shape(state: dict, k: str, shape: tuple[int, ...]) -> None:
    """An optimiser's running averages must keep the shape of the parameter they follow."""
    if k in state and state[k].shape != shape:
        raise ValueError(
            f'params["{k}"] has shape {shape} but was {state[k].shape} in earlier steps: '
            f"use a new optimiser for a new model"
        )


def _grads_for(params, grads) -> dict[str, np.ndarray]:
    """Check ``params`` and ``grads`` before any update; return the gradients as float arrays."""
    _require_dict("params", params)
    _require_dict("grads", grads)
    unknown = [k for k in grads if k not in params]
    if unknown:
        raise KeyError(
            f"grads has {', '.join(repr(k) for k in unknown)} but params does not; "
            f"params has {sorted(params)}"
        )
    checked = {}
    for k, g in grads.items():
        p = params[k]
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating) or not p.flags.writeable:
            what = f"{type(p).__name__} {getattr(p, 'dtype', '')}".rstrip()
            if isinstance(p, np.ndarray) and not p.flags.writeable:
                what = "a read-only array"
            raise TypeError(
                f'params["{k}"] must be a writeable floating-point NumPy array (it is updated '
                f"in place), got {what}"
            )
        g = as_float_array(f'grads["{k}"]', g)
        require_same_shape(f'grads["{k}"]', g, p.shape, like=f'params["{k}"]')
        checked[k] = g
    return checked


class SGD:
    """Stochastic gradient descent, optionally with momentum (PyTorch's form).

        v <- momentum * v + g        (v starts at 0, so the first step uses v = g)
        p <- p - lr * v

    ``step(params, grads)`` updates ``params`` in place; see the module docstring.
    """

    def __init__(self, lr, momentum=0.0):
        self.lr = _number("lr", lr, low=0.0, low_open=True)
        self.momentum = _number("momentum", momentum, low=0.0, high=1.0)
        self.velocity: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"

    def step(self, params, grads) -> None:
        """Update every ``params[k]`` that has a gradient ``grads[k]``, in place."""
        checked = _grads_for(params, grads)
        for k, g in checked.items():  # check everything before updating anything
            _require_state_shape(self.velocity, k, g.shape)
        for k, g in checked.items():
            if self.momentum:
                v = self.velocity.get(k)
                v = g.copy() if v is None else self.momentum * v + g
                self.velocity[k] = v
            else:
                v = g
            p = params[k]
            p -= self.lr * v  # in place: the array object in params is kept


class Adam:
    """Adam (Kingma and Ba, 2015) as in ``torch.optim.Adam``.

        m <- beta1 m + (1 - beta1) g           first moment (the mean of g)
        v <- beta2 v + (1 - beta2) g^2         second moment
        p <- p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    ``t`` counts the steps that parameter took, so a parameter skipped for lack of a
    gradient keeps its own count. ``step(params, grads)`` updates ``params`` in place.
    """

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.lr = _number("lr", lr, low=0.0, low_open=True)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_number("betas[0]", betas[0], low=0.0, high=1.0),
                      _number("betas[1]", betas[1], low=0.0, high=1.0))
        self.eps = _number("eps", eps, low=0.0, low_open=True)
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self.t: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"

    def step(self, params, grads) -> None:
        """Update every ``params[k]`` that has a gradient ``grads[k]``, in place."""
        beta1, beta2 = self.betas
        checked = _grads_for(params, grads)
        for k, g in checked.items():  # check everything before updating anything
            _require_state_shape(self.m, k, g.shape)
        for k, g in checked.items():
            t = self.t.get(k, 0) + 1
            m = beta1 * self.m.get(k, 0.0) + (1 - beta1) * g
            v = beta2 * self.v.get(k, 0.0) + (1 - beta2) * g**2
            self.t[k], self.m[k], self.v[k] = t, m, v
            m_hat_scale = 1 - beta1**t  # bias corrections: m and v start at 0
            v_hat_scale = 1 - beta2**t
            p = params[k]
            p -= (self.lr / m_hat_scale) * m / (np.sqrt(v) / math.sqrt(v_hat_scale) + self.eps)


def _grad_arrays(grads) -> dict[str, np.ndarray]:
    _require_dict("grads", grads)
    return {k: as_float_array(f'grads["{k}"]', g) for k, g in grads.items()}


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together so that their joint L2 norm is at most ``max_norm``.

    The norm is taken over every array in ``grads`` as if they were one long vector. As in
    ``torch.nn.utils.clip_grad_norm_``, the scale is ``min(1, max_norm / (norm + 1e-6))``:
    the 1e-6 avoids dividing by zero (all-zero gradients are returned unchanged) and leaves
    a clipped norm just under ``max_norm``. Gradients already within the limit are unchanged.

    Parameters
    ----------
    grads : dict of arrays keyed by name. Not modified.
    max_norm : positive number.

    Returns
    -------
    clipped : a new dict of new arrays, same keys and shapes.
    total_norm : float, the norm of the gradients before clipping.

    Raises ``ValueError`` if a gradient holds NaN or infinity, which no rescaling can repair.
    """
    max_norm = _number("max_norm", max_norm, low=0.0, low_open=True)
    arrays = _grad_arrays(grads)
    for k, g in arrays.items():
        if not np.all(np.isfinite(g)):
            raise ValueError(f'grads["{k}"] holds NaN or infinite values: its norm cannot be clipped')
    # Divide by the largest entry before squaring, so huge (exploding) gradients do not overflow.
    largest = max((float(np.max(np.abs(g))) for g in arrays.values() if g.size), default=0.0)
    if largest == 0.0:
        total_norm = 0.0
    else:
        total_norm = largest * math.sqrt(sum(float(np.sum((g / largest) ** 2)) for g in arrays.values()))
    scale = min(1.0, max_norm / (total_norm + 1e-6))
    return {k: g * scale for k, g in arrays.items()}, total_norm


def clip_grad_value(grads, clip_value):
    """Clip every gradient entry into ``[-clip_value, clip_value]``.

    Parameters
    ----------
    grads : dict of arrays keyed by name. Not modified.
    clip_value : positive number.

    Returns
    -------
    clipped : a new dict of new arrays, same keys and shapes.
    """
    clip_value = _number("clip_value", clip_value, low=0.0, low_open=True)
    return {k: np.clip(g, -clip_value, clip_value) for k, g in _grad_arrays(grads).items()}
