"""What the LSTM checks share (exercise ex04-lstm): names, hints, the gradient dict, and mutants.

A *mutant* is the LSTM computed with one typical mistake; a learner's result that matches
one names the mistake. A mistake is a pair ``(headline, detail)``: what is wrong, short
enough to head a message, and how to put it right.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._core import FeedbackError, as_result_array, close, require_result_shape
from .._hints import product_hint


CELL_F, SEQ_F = "lstm_cell_forward", "lstm_forward"
CELL_B, SEQ_B = "lstm_cell_backward", "lstm_backward"
GATES = ("f", "i", "c", "o")
KEYS = tuple(f"{k}_{g}" for k in ("W", "U", "b") for g in GATES)
NAMES = {"f": "forget gate f_t", "i": "input gate i_t", "c": "candidate C̃_t", "o": "output gate o_t"}
SHORT = {"f": "forget gate", "i": "input gate", "c": "candidate", "o": "output gate"}
BIG = 40.0  # σ(±40) is 1 or 0 to about 4e-18


def mistake(name: str, found: tuple[str, str], where: str = "") -> FeedbackError:
    """The error for a named mistake ``found = (headline, detail)``; ``where`` starts the detail."""
    __tracebackhide__ = True
    head, detail = found
    return FeedbackError(f"{name}: {head}.\n{where}{detail}")


def lstm_hint(params: dict, batch_of) -> object:
    """The hint for a product that did not fit in a function computing LSTM steps."""
    __tracebackhide__ = True
    products = {f"W_{g}": ("h_prev", params[f"W_{g}"].shape) for g in GATES}
    products.update({f"U_{g}": ("x_t", params[f"U_{g}"].shape) for g in GATES})
    shape = np.shape(batch_of)
    batch = shape[-2] if len(shape) >= 2 else None
    return lambda exc: product_hint(exc, products, batch)


def _grads(grads, name: str, context: str, want: dict) -> dict:
    __tracebackhide__ = True
    if not isinstance(grads, Mapping):
        raise FeedbackError(f"{name}: grads must be a dict keyed by parameter name.\nIt is a {type(grads).__name__}.")
    missing = [k for k in KEYS if k not in grads]
    if missing:
        raise FeedbackError(
            f"{name}: grads is missing {missing[0]!r}.\nIt needs the twelve keys "
            f"W_f, W_i, W_c, W_o, U_f, ..., b_o (the same names as params)."
        )
    out = {}
    for k in KEYS:
        g = as_result_array(grads[k], name, f'grads["{k}"]')
        shape = want[k].shape
        if k[0] == "b" and g.ndim == 2 and g.shape[-1] == shape[0]:
            raise FeedbackError(
                f'{name}: grads["{k}"] must be summed over the batch.\nIt has shape {g.shape} for '
                f"{context}: sum it over the batch axis (and time), to shape {shape}."
            )
        if k[0] in "WU" and g.shape != shape and g.ndim == 2 and g.shape[0] == shape[0]:
            other = {"W": "U", "U": "W"}[k[0]]
            if g.shape[1] != shape[1]:
                raise FeedbackError(
                    f'{name}: grads["{k}"] has the shape of {other}_{k[2]}.\nIt is {g.shape} for {context}; '
                    f"expected {shape}. W_* multiplies h_prev and U_* multiplies x_t, so "
                    f"dW_* = da_*^T h_prev and dU_* = da_*^T x_t."
                )
        require_result_shape(g, shape, name, f'grads["{k}"]', context)
        out[k] = g
    return out


def _same(got: tuple, want: tuple) -> bool:
    __tracebackhide__ = True
    for a, b in zip(got, want):
        if isinstance(b, Mapping):
            if not all(close(a[k], b[k]) for k in b):
                return False
        elif not close(a, b):
            return False
    return True


def _first_match(got: tuple, want: tuple, mutants) -> tuple[str, str] | None:
    """The mistake of the first mutant that explains ``got`` (and differs from ``want``)."""
    __tracebackhide__ = True
    for message, compute in mutants:
        try:
            with np.errstate(all="ignore"):
                candidate = compute()
        except ValueError:  # e.g. W and U swapped when D != H
            continue
        if not _same(candidate, want) and _same(got, candidate):
            return message
    return None
