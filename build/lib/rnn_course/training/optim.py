"""Optimisers over parameter dicts: SGD (with momentum) and Adam.

Parameters and gradients travel in dicts keyed by name (``"W_h"``, ``"b_y"``, ...).
:class:`SGD` and :class:`Adam` update the parameter arrays **in place**: after
``opt.step(params, grads)`` every array in ``params`` that had a gradient holds its new
value (the dict and the array objects stay the same, so caches and plots that hold them
see the update). Parameters without a gradient are left alone; a gradient for a name
that is not in ``params`` is an error (usually a typo).

The update rules are PyTorch's (``torch.optim.SGD``, ``torch.optim.Adam``), and the tests
check that they agree to 1e-10 in float64. :func:`~rnn_course.fit` runs them in a loop.

Book: chapter 3, gradient clipping (training with Adam); chapter 5, LSTM versus GRU.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import as_float_array, real, require_dict, require_shape


def _require_state_shape(state: dict, k: str, shape: tuple[int, ...]) -> None:
    """An optimiser's running averages must keep the shape of the parameter they follow."""
    if k in state and state[k].shape != shape:
        raise ValueError(
            f'params["{k}"] has shape {shape} but was {state[k].shape} in earlier steps: '
            f"use a new optimiser for a new model"
        )


def _grads_for(params, grads) -> dict[str, np.ndarray]:
    """Check ``params`` and ``grads`` before any update; return the gradients as float arrays."""
    require_dict("params", params)
    require_dict("grads", grads)
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
        require_shape(f'grads["{k}"]', g, p.shape, like=f'params["{k}"]')
        checked[k] = g
    return checked


class SGD:
    """Stochastic gradient descent, optionally with momentum (PyTorch's form).

        v <- momentum * v + g        (v starts at 0, so the first step uses v = g)
        p <- p - lr * v

    ``step(params, grads)`` updates ``params`` in place; see the module docstring.
    """

    def __init__(self, lr, momentum=0.0):
        self.lr = real("lr", lr, low=0.0, low_open=True)
        self.momentum = real("momentum", momentum, low=0.0, high=1.0, high_open=True)
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
        self.lr = real("lr", lr, low=0.0, low_open=True)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = tuple(real(f"betas[{i}]", b, low=0.0, high=1.0, high_open=True)
                           for i, b in enumerate(betas))
        self.eps = real("eps", eps, low=0.0, low_open=True)
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
            m, v = self.m.get(k), self.v.get(k)
            if m is None or m.dtype != g.dtype:  # m and v start at 0, in the gradient's type
                m, v = np.zeros_like(g), np.zeros_like(g)
                self.m[k], self.v[k] = m, v
            self.t[k] = t
            # m <- beta1 m + (1 - beta1) g and v <- beta2 v + (1 - beta2) g², in place
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            g2 = g * g
            g2 *= 1 - beta2
            v += g2
            m_hat_scale = 1 - beta1**t  # bias corrections: m and v start at 0
            v_hat_scale = 1 - beta2**t
            denom = np.sqrt(v, out=g2)
            denom *= 1 / math.sqrt(v_hat_scale)
            denom += self.eps
            np.divide(m, denom, out=denom)
            denom *= self.lr / m_hat_scale
            params[k] -= denom
