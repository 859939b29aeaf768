"""Diagnoses shared by the sequence-forward checks of the RNN and the GRU (exercises ex01-recurrence, ex05-gru).

Both layers return ``hs`` (T, ..., H) with ``hs[t]`` the state after reading ``X[t]``, so the
typical mistakes (a single state, h0 included, off by one step, h0 ignored, the state not
carried, reversed order) look the same and get the same messages.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import FeedbackError, close, max_diff, require_result_shape



def require_states_shape(hs: np.ndarray, want: np.ndarray, name: str, context: str) -> None:
    """``hs`` must be shaped like ``want``; name the two usual shape mistakes first."""
    __tracebackhide__ = True
    T = want.shape[0]
    if hs.shape == want.shape[1:]:
        raise FeedbackError(
            f"{name} returned a single state of shape {hs.shape} for {context}; return all {T} states, "
            f"stacked as hs of shape {want.shape}"
        )
    if hs.shape[0] == T + 1 and hs.shape[1:] == want.shape[1:]:
        raise FeedbackError(
            f"{name} returned {T + 1} states for {T} inputs: hs[t] is the state after reading X[t], "
            f"so hs holds h_1 ... h_T and not h0"
        )
    require_result_shape(hs, want.shape, name, "hs", context)


def diagnose_states(
    name: str,
    got: np.ndarray,
    want: np.ndarray,
    X: np.ndarray,
    h0: np.ndarray,
    run: Callable[[np.ndarray, np.ndarray], np.ndarray],
    from_h0: Callable[[], np.ndarray],
    cell: str,
) -> None:
    """Raise a FeedbackError naming what is wrong with ``got``, unless it equals ``want``.

    ``run(X, h0)`` gives the reference states; ``from_h0`` the states obtained when every step
    starts from ``h0`` (computed only when needed); ``cell`` names the learner's cell function.
    """
    __tracebackhide__ = True
    if close(got, want):
        return
    T = X.shape[0]
    if close(got[0], h0) and (T == 1 or close(got[1:], want[:-1])):
        raise FeedbackError(f"{name}: off by one step: hs[0] should be the state after reading X[0], not h0")
    if close(got, run(X, np.zeros_like(h0))):
        raise FeedbackError(f"{name}: h0 is ignored: the first step must start from h0, not from zeros")
    if T > 1 and close(got, from_h0()):
        raise FeedbackError(
            f"{name}: every step starts from h0: carry the new state forward, so that step t uses h_(t-1)"
        )
    if T > 1 and close(got[::-1], want):
        raise FeedbackError(f"{name}: hs is in reverse order: hs[t] must be the state after reading X[t]")
    if close(got[::-1], run(X[::-1], h0)):
        raise FeedbackError(f"{name}: the sequence is read backwards: step through X[0], X[1], ... in order")
    if not close(got[0], want[0]):
        raise FeedbackError(
            f"{name}: hs[0] is wrong (differs by up to {max_diff(got[0], want[0]):.3g}): it is one step "
            f"of the cell, {cell}(X[0], h0, params); make the cell's checks (Part 1) pass first"
        )
    bad = int(np.argmax([not close(g, w) for g, w in zip(got, want)]))
    raise FeedbackError(
        f"{name}: hs[{bad}] is wrong (differs by up to {max_diff(got[bad], want[bad]):.3g}); step t reads "
        f"X[t] and the state hs[t-1] (h0 when t = 0)"
    )
