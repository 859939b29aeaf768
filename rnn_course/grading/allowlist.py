"""What answer cells may use from rnn_course while grading: a declarative allow-list.

Book: the instructor guide (what the sandbox protects).

The sandbox that runs a learner's answers has NumPy and none of the course package: every
name of ``rnn_course`` is a placeholder that says the reference is not available when
grading. The helpers listed here for an assignment are the exception; the sandbox gets a
copy of their source (each must need nothing but NumPy). List a helper only when the
exercise's own text tells learners to use it, and never one the exercise asks them to write.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from ..layers import activations

#: Assignment name -> the helpers of ``rnn_course`` its answer cells may call (by the same
#: name from ``rnn_course``), each needing nothing but NumPy.
ALLOWED_IN_ANSWERS: dict[str, tuple[Callable, ...]] = {
    "ex04-lstm": (activations.sigmoid,),
}


def allowed_sources(assignment: str) -> dict[str, str]:
    """The source of each helper the assignment's answers may use, keyed by name."""
    return {fn.__name__: inspect.getsource(fn) for fn in ALLOWED_IN_ANSWERS.get(assignment, ())}
