"""What the checks of exercise ex03-gradients share: calling the learner, and a tolerance."""

from __future__ import annotations

import numpy as np

from .._core import call_learner, close

#: Clipping by norm may follow PyTorch and divide by ``total_norm + 1e-6``: a relative
#: difference of about 1e-6 / total_norm, well inside this tolerance.
RTOL, ATOL = 1e-5, 1e-8


def _close(a, b) -> bool:
    __tracebackhide__ = True
    return close(a, b, rtol=RTOL, atol=ATOL)


def _call(fn, name: str, args: dict, *, may_modify: tuple[str, ...] = ()):
    """``call_learner``, flagging calls into any rnn_course module, not only the reference
    ones; NumPy's warnings (0 / 0 with all-zero gradients) are silenced, the check says it."""
    __tracebackhide__ = True
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return call_learner(fn, name, args, may_modify=may_modify, any_package_code=True)
