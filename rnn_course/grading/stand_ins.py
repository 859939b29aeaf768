"""The grader's stand-ins for what stays in the sandbox: values it cannot send, its exceptions.

Book: the instructor guide (what the sandbox protects).

A value the learner's function returns that cannot cross the wire (an object of the
learner's own class, say) stays in the sandbox; the grader holds an :class:`Opaque` handle
that it can pass back. An exception the learner's code raises crosses as its type's name
and message; :func:`learner_exception` makes the grader's stand-in for it, an instance of the
same built-in class where there is one, so the checks treat it as they would in Jupyter.
"""

from __future__ import annotations

import builtins


class LearnerException(Exception):
    """Base of the exceptions that stand for a learner's exception of a type that is not built in."""


class ReferenceUnavailable(LearnerException):
    """The learner called rnn_course's reference implementation, which grading does not provide."""


class Opaque:
    """A value the learner's function returned that cannot leave the sandbox (a custom cache, say).

    It can be passed back to the learner's functions; the checks see only its type name.
    """

    def __init__(self, number: int, type_name: str, generation: int):
        self.number, self.type_name, self.generation = number, type_name, generation

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"

    def __deepcopy__(self, memo):
        return self


def learner_exception(ename: str, builtin: bool, evalue: str, bases=()) -> Exception:
    """The grader's stand-in for an exception raised in the sandbox: the same type name, and
    an instance of the same built-in exception class (numpy's MemoryError is a MemoryError)."""
    if ename == "ReferenceUnavailable":
        return ReferenceUnavailable(evalue)
    base = getattr(builtins, bases[0], None) if bases else None
    if not (isinstance(base, type) and issubclass(base, Exception)) or base is StopIteration:
        base = None
    if builtin and base is not None and base.__name__ == ename:
        try:
            return base(evalue)
        except TypeError:
            pass
    name = ename if ename.isidentifier() else "Exception"
    try:
        cls = type(name, (base, LearnerException) if base else (LearnerException,), {"__module__": "learner"})
        return cls(evalue)
    except TypeError:
        return type(name, (LearnerException,), {"__module__": "learner"})(evalue)
