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

import rnn_course

#: Assignment name -> names of ``rnn_course`` (top level) its answer cells may call.
ALLOWED_IN_ANSWERS: dict[str, tuple[str, ...]] = {
    "ex04-lstm": ("sigmoid",),
}


def allowed_sources(assignment: str) -> dict[str, str]:
    """The source of each helper the assignment's answers may use, keyed by name."""
    return {name: inspect.getsource(getattr(rnn_course, name)) for name in ALLOWED_IN_ANSWERS.get(assignment, ())}
