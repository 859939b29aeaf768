"""Diagnoses shared by the sequence checks of the RNN and the GRU (exercises ex01-recurrence,
ex02-bptt, ex05-gru).

Both layers return ``hs`` (T, ..., H) with ``hs[k]`` the state after reading ``X[k]``
(code counts from 0: ``X[k]`` holds x_{k+1} and ``hs[k]`` holds h_{k+1}), so the typical
mistakes of a sequence forward (a single state, h0 included, off by one step, h0 ignored,
the state not carried, reversed order) look the same and get the same messages; so do
those of a sequence backward over the list of cell caches (:func:`bptt`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import FeedbackError, close, max_diff, require_result_shape

#: How the code counts time, said the same way in every message that needs it.
TIME = "code counts from 0: X[k] holds x_(k+1) and hs[k] holds h_(k+1)"


def require_states_shape(hs: np.ndarray, want: np.ndarray, name: str, context: str) -> None:
    """``hs`` must be shaped like ``want``; name the two usual shape mistakes first."""
    __tracebackhide__ = True
    T = want.shape[0]
    if hs.shape == want.shape[1:]:
        raise FeedbackError(
            f"{name} returned a single state, not all {T}.\nFor {context} it returned shape {hs.shape}: "
            f"stack every step's state into hs of shape {want.shape}."
        )
    if hs.shape[0] == T + 1 and hs.shape[1:] == want.shape[1:]:
        raise FeedbackError(
            f"{name} returned {T + 1} states for {T} inputs; leave out h0.\n"
            f"hs[k] is the state after reading X[k] ({TIME}), so hs holds h_1 ... h_T."
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
        raise FeedbackError(
            f"{name}: off by one step: hs[0] must not be h0.\n"
            f"hs[0] is the state after reading X[0] ({TIME})."
        )
    if close(got, run(X, np.zeros_like(h0))):
        raise FeedbackError(f"{name}: h0 is ignored.\nThe first step must start from h0, not from zeros.")
    if T > 1 and close(got, from_h0()):
        raise FeedbackError(
            f"{name}: every step starts from h0.\n"
            f"Carry the new state forward: the step that reads X[k] starts from hs[k-1] (h0 when k = 0)."
        )
    if T > 1 and close(got[::-1], want):
        raise FeedbackError(f"{name}: hs is in reverse order.\nhs[k] must be the state after reading X[k].")
    if close(got[::-1], run(X[::-1], h0)):
        raise FeedbackError(f"{name}: the sequence is read backwards.\nStep through X[0], X[1], ... in order.")
    if not close(got[0], want[0]):
        raise FeedbackError(
            f"{name}: hs[0] is wrong: check the first step.\nIt differs by up to "
            f"{max_diff(got[0], want[0]):.3g}; it is one step of the cell, {cell}(X[0], h0, params)."
        )
    bad = int(np.argmax([not close(g, w) for g, w in zip(got, want)]))
    raise FeedbackError(
        f"{name}: hs[{bad}] is wrong, and the states before it are right.\nIt differs by up to "
        f"{max_diff(got[bad], want[bad]):.3g}; the step that reads X[k] starts from hs[k-1] (h0 when k = 0)."
    )


def bptt(cell_backward: Callable, dhs: np.ndarray, caches: list, *, carry: bool = True,
         overwrite: bool = False, forwards: bool = False) -> dict[str, np.ndarray]:
    """Backpropagation through time with one state (RNN, GRU), over the list of cell caches,
    with an optional mistake: ``carry=False`` drops dh_next, ``overwrite`` keeps one step's
    parameter gradients, ``forwards`` runs the loop from step 0 up.

    Returns ``{"dX": ..., "dh0": ..., **grads}``.
    """
    __tracebackhide__ = True
    T = len(caches)
    dX: list = [None] * T
    dh_next = np.zeros_like(caches[0]["h_prev"])
    total: dict = {}
    for k in (range(T) if forwards else reversed(range(T))):
        dX[k], dh_prev, g = cell_backward(dhs[k] + (dh_next if carry else 0.0), caches[k])
        dh_next = dh_prev
        total = {key: v if overwrite or key not in total else total[key] + v for key, v in g.items()}
    return {"dX": np.stack(dX), "dh0": dh_next, **total}


def diagnose_bptt(name: str, cell: str, got: dict, want: dict, dhs: np.ndarray, caches: list,
                  cell_backward: Callable, params: tuple[str, ...], part: int) -> None:
    """Raise a FeedbackError naming what is wrong with a sequence backward's ``got`` (dX, dh0 and
    the gradients), unless it equals ``want``; ``part`` is the cell backward's part."""
    __tracebackhide__ = True
    keys = ("dX", "dh0", *params)
    if all(close(got[k], want[k]) for k in keys):
        return
    T = dhs.shape[0]

    def like(**mistake) -> bool:
        alt = bptt(cell_backward, dhs, caches, **mistake)
        changed = [k for k in keys if not close(alt[k], want[k])]
        return bool(changed) and all(close(got[k], alt[k]) for k in changed)

    if T > 1 and (like(carry=False) or close(got["dX"], bptt(cell_backward, dhs, caches, carry=False)["dX"])):
        raise FeedbackError(
            f"{name}: the gradient flowing back through time is lost.\n"
            f"For the step that read X[k] use dh = dhs[k] + dh_next, where dh_next is the dh_prev "
            f"returned by the step after it (zeros after the last step)."
        )
    if T > 1 and like(forwards=True):
        raise FeedbackError(
            f"{name}: the loop runs forwards; run it backwards.\n"
            f"Backpropagation starts at the last step, k = T-1, and goes back to k = 0: "
            f"for k in reversed(range(T))."
        )
    if T > 1 and close(got["dX"][::-1], want["dX"]):
        raise FeedbackError(
            f"{name}: dX is in reverse order.\ndX[k] is the gradient of X[k]: store each step's dx_t "
            f"at its own index k (or reverse the list you appended to)."
        )
    if close(got["dX"], want["dX"]) and close(got["dh0"], want["dh0"]):
        bad = [k for k in params if not close(got[k], want[k])]
        if T > 1 and like(overwrite=True):
            raise FeedbackError(
                f"{name}: the gradients are those of one step only.\n"
                f"dX and dh0 are right, but the parameters are shared by every step: add up each "
                f"step's gradients (+=) instead of overwriting them."
            )
        raise FeedbackError(
            f'{name}: grads["{bad[0]}"] is wrong; dX and dh0 are right.\nIt is off by up to '
            f"{max_diff(got[bad[0]], want[bad[0]]):.3g}: add up each step's gradient for every parameter."
        )
    if close(got["dX"], want["dX"]):
        raise FeedbackError(
            f"{name}: dh0 is wrong; dX is right.\nIt is off by up to {max_diff(got['dh0'], want['dh0']):.3g}: "
            f"dh0 is the dh_prev of the step that read X[0], the last one the loop goes through."
        )
    dX, wdX = got["dX"], want["dX"]
    bad = max(k for k in range(T) if not close(dX[k], wdX[k]))
    raise FeedbackError(
        f"{name}: dX[{bad}] is wrong, and the steps after it are right.\nIt is off by up to "
        f"{max_diff(dX[bad], wdX[bad]):.3g}. The step that read X[k] is {cell}(dhs[k] + dh_next, cache[k]) "
        f"(Part {part})."
    )
