"""Feedback check for the GRU's parameter count (exercise ex05-gru, Part 5)."""

from __future__ import annotations

import numbers

import numpy as np

from .._core import FeedbackError, call_learner, passed, rng_for

COUNT = "gru_param_count"


#: Wrong formulas for the number of parameters: (formula, headline, detail) of each one's message.
COUNT_MISTAKES = (
    (lambda D, H: 4 * (H * H + H * D + H), "that is an LSTM's count (four blocks)",
     "A GRU has three blocks: z, r and h̃."),
    (lambda D, H: 3 * (H * H + H * D), "the biases are missing",
     "Each of the three blocks has a bias b of shape (H,)."),
    (lambda D, H: 3 * (H * H + H * D + 2 * H), "that counts two biases per block",
     "torch.nn.GRU stores two biases per block; the course's GRU has one bias per block."),
    (lambda D, H: H * H + H * D + H, "that is one block (a vanilla RNN)", "A GRU has three: z, r and h̃."),
    (lambda D, H: 2 * (H * H + H * D + H), "that is two blocks", "A GRU has three: z, r and the candidate h̃."),
    (lambda D, H: 3 * (D * D + D * H + D), "input_size and hidden_size are swapped",
     "W_* are (H, H) and U_* are (H, D), with D = input_size and H = hidden_size."),
)


def _count(D: int, H: int) -> int:
    return 3 * (H * H + H * D + H)


def _telling(D: int, H: int) -> bool:
    """Sizes for which the right count and every wrong formula give different numbers."""
    counts = [_count(D, H), *(formula(D, H) for formula, _, _ in COUNT_MISTAKES)]
    return len(set(counts)) == len(counts)


def _sizes(rng, hidden: bool) -> list[tuple[int, int]]:
    """Visible: fixed sizes; hidden: four fresh pairs, each telling every mistake apart."""
    __tracebackhide__ = True
    if not hidden:
        return [(3, 5), (10, 4), (1, 1)]
    out = []
    while len(out) < 4:
        D, H = (int(v) for v in rng.integers(1, 300, 2))
        if _telling(D, H):
            out.append((D, H))
    return out


def check_gru_param_count(fn, *, hidden: bool = False) -> None:
    """3 (H·H + H·D + H) for several sizes, as a whole number."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 57)
    for D, H in _sizes(rng, hidden):
        got = call_learner(fn, COUNT, {"input_size": D, "hidden_size": H})
        want = _count(D, H)
        context = f"input_size = {D}, hidden_size = {H}"
        if isinstance(got, (bool, np.bool_)) or not isinstance(
                got, (numbers.Real, np.number)):
            got_type = "None (is a `return` missing?)" if got is None \
                else f"a {type(got).__name__}"
            raise FeedbackError(f"{COUNT} must return a whole number (an int).\n"
                                f"It returned {got_type} for {context}.")
        if got == want:
            continue
        for formula, head, detail in COUNT_MISTAKES:
            if formula(D, H) != want and got == formula(D, H):
                raise FeedbackError(f"{COUNT}: {head}.\nIt returned {got} for {context}. {detail}")
        raise FeedbackError(
            f"{COUNT} returned {got}, expected {want}.\nThat was for {context}. Count "
            f"every array: W_z, W_r, W_h (H, H), U_z, U_r, U_h (H, D), "
            f"b_z, b_r, b_h (H,).")
    passed(f"{COUNT} counts 3 (H·H + H·D + H) parameters", hidden)
