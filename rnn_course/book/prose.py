"""Sentences generated from a page's numbers, written to read well whatever the numbers are.

A page states its results in prose built from the values it computed, and those values
change with the seeds and the machine: "18 to 21 of 40 against 0 to 0" is what a fixed
template says when one model wrote no valid tune in either run. These helpers say it
properly: "none of 40", "all 40", "7" (when every run agrees), "5 and 7", "5 to 9".

    spread([0.95, 0.97, 0.99], "{:.0%}")   # '95% to 99%'
    spread([3, 3])                         # '3': the runs agree
    count_of([0, 0], 40)                   # 'none of 40'
    count_of([18, 21], 40)                 # '18 and 21 of 40'
    plural(1, "tune")                      # '1 tune'

Book: chapter 6 (every page that reports several runs).
"""

from __future__ import annotations

from collections.abc import Sequence


def _values(values) -> list:
    values = list(values)
    if not values:
        raise ValueError("values is empty: expected the result of at least one run")
    return values


def spread(values: Sequence, fmt: str = "{}") -> str:
    """The results of several runs in words, each formatted with ``fmt``: one value when
    they agree once formatted ("7"; a sentence about "the three runs" then says each got 7),
    "5 and 7" for two runs, "5 to 9" (the smallest to the largest) for more."""
    values = _values(values)
    low, high = fmt.format(min(values)), fmt.format(max(values))
    if low == high:
        return low
    return f"{low} and {high}" if len(values) == 2 else f"{low} to {high}"


def count_of(values: Sequence[int], total: int) -> str:
    """Counts out of ``total`` in words, over one or several runs: "none of 40", "all 40",
    "3 of 40", "18 and 21 of 40", "0 to 2 of 40"."""
    values = [int(v) for v in _values(values)]
    low, high = min(values), max(values)
    if high == 0:
        return f"none of {total}"
    if low == total:
        return f"all {total}"
    if low == high:
        return f"{low} of {total}"
    joiner = " and " if len(values) == 2 else " to "
    return f"{low}{joiner}{high} of {total}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``n`` and the word, in the singular for 1: "1 tune", "2 tunes", "0 tunes"."""
    return f"{n} {word if n == 1 else (words or word + 's')}"
