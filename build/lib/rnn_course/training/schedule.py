"""A learning rate that falls linearly over training, wrapped around any optimiser.

    opt = LinearDecay(Adam(lr=2e-2), steps=1000, final=0.1)   # 2e-2 down to 2e-3
    fit(params, loss_and_grads, batches, opt, steps=1000)

Step ``k`` (counting from 0) uses ``lr0 * (1 - (1 - final) * k / steps)``: large steps early,
when the loss is far from its minimum, and small steps at the end, so that the last
updates do not undo what was learned. Works with any optimiser that has an ``lr``
attribute (:class:`~rnn_course.SGD`, :class:`~rnn_course.Adam`).

Book: chapter 6, the character-level language model and machine translation.
"""

from __future__ import annotations

from .._validate import ArgumentTypeError, positive_int, real


class LinearDecay:
    """Wrap ``optimizer`` so its learning rate falls linearly to ``final`` times its start."""

    def __init__(self, optimizer, steps, final=0.1):
        if not callable(getattr(optimizer, "step", None)) or not hasattr(optimizer, "lr"):
            raise ArgumentTypeError(
                f"optimizer must have an lr and a method step(params, grads), such as Adam, "
                f"got a {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.steps = positive_int("steps", steps)
        self.final = real("final", final, low=0.0, high=1.0, high_open=False)
        self.lr0 = float(optimizer.lr)
        self.count = 0

    def __repr__(self) -> str:
        return f"LinearDecay({self.optimizer!r}, steps={self.steps}, final={self.final})"

    @property
    def lr(self) -> float:
        """The learning rate the next step will use."""
        frac = min(self.count, self.steps) / self.steps
        return self.lr0 * (1.0 - (1.0 - self.final) * frac)

    def step(self, params, grads) -> None:
        """One step of the wrapped optimiser at the current rate."""
        self.optimizer.lr = self.lr
        self.optimizer.step(params, grads)
        self.count += 1
