"""Feedback check for the GRU's parameter count (exercise ex05-gru, Part 5)."""

from __future__ import annotations

import numbers

import numpy as np

from .._core import FeedbackError, call_learner, passed, rng_for

COUNT = "gru_param_count"


#: Wrong formulas for the number of parameters, with the message each one gets.
COUNT_MISTAKES = (
    (lambda D, H: 4 * (H * H + H * D + H),
     "that is an LSTM's count (four blocks); a GRU has three: z, r and h̃"),
    (lambda D, H: 3 * (H * H + H * D),
     "the biases are missing: each of the three blocks has b (H,)"),
    (lambda D, H: 3 * (H * H + H * D + 2 * H),
     "that counts two biases per block, as torch.nn.GRU stores them; the "
     "course's GRU has one bias per block"),
    (lambda D, H: H * H + H * D + H,
     "that is one block (a vanilla RNN); a GRU has three: z, r and h̃"),
    (lambda D, H: 2 * (H * H + H * D + H),
     "that is two blocks; a GRU has three: z, r and the candidate h̃"),
    (lambda D, H: 3 * (D * D + D * H + D),
     "input_size and hidden_size are swapped: W_* are (H, H), U_* (H, D)"),
)


def check_gru_param_count(fn, *, hidden: bool = False) -> None:
    """3 (H·H + H·D + H) for several sizes, as a whole number."""
    __tracebackhide__ = True
    rng = rng_for(hidden, 57)
    sizes = [(3, 5), (10, 4), (1, 1)]
    if hidden:
        sizes = [tuple(int(v) for v in rng.integers(1, 300, 2))
                 for _ in range(4)]
    for D, H in sizes:
        got = call_learner(fn, COUNT, {"input_size": D, "hidden_size": H})
        want = 3 * (H * H + H * D + H)
        context = f"input_size = {D}, hidden_size = {H}"
        if isinstance(got, (bool, np.bool_)) or not isinstance(
                got, (numbers.Real, np.number)):
            got_type = "None (is a `return` missing?)" if got is None \
                else f"a {type(got).__name__}"
            raise FeedbackError(f"{COUNT} returned {got_type} for {context}; "
                                f"return a whole number (an int)")
        if got == want:
            continue
        for formula, message in COUNT_MISTAKES:
            if formula(D, H) != want and got == formula(D, H):
                raise FeedbackError(
                    f"{COUNT} returned {got} for {context}: {message}")
        raise FeedbackError(
            f"{COUNT} returned {got} for {context}; expected {want}. Count "
            f"every array: W_z, W_r, W_h (H, H), U_z, U_r, U_h (H, D), "
            f"b_z, b_r, b_h (H,)")
    passed(f"{COUNT} counts 3 (H·H + H·D + H) parameters", hidden)
