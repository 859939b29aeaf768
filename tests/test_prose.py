"""The sentences pages build from their numbers read well for every value."""

import pytest

from rnn_course.book.prose import count_of, plural, spread


def test_spread_says_one_value_pairs_and_ranges():
    assert spread([0.951, 0.97, 0.99], "{:.0%}") == "95% to 99%"
    assert spread([0.99, 0.951], "{:.0%}") == "95% and 99%"
    assert spread([3, 3]) == spread([3, 3, 3]) == "3"                      # the runs agree
    assert spread([0.991, 0.994, 0.9912], "{:.0%}") == "99%"                # equal once rounded
    assert spread([5]) == "5"
    with pytest.raises(ValueError, match="values is empty"):
        spread([])


def test_count_of_never_says_zero_to_zero():
    assert count_of([0, 0], 40) == "none of 40"
    assert count_of([40, 40, 40], 40) == "all 40"
    assert count_of([7, 7], 40) == "7 of 40"
    assert count_of([21, 18], 40) == "18 and 21 of 40"
    assert count_of([0, 2, 1], 40) == "0 to 2 of 40"


def test_plural():
    assert plural(1, "tune") == "1 tune" and plural(0, "tune") == "0 tunes"
    assert plural(2, "match", "matches") == "2 matches"
