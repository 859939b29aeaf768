"""How a failing check looks in Jupyter (exercises ex01 to ex08): the learner's own lines and the message.

IPython always prints the frame an exception was raised in, so a :class:`FeedbackError`
would show the checks' source lines. :func:`install` (run when :mod:`rnn_course.checks` is
imported inside IPython) gives IPython a handler for :class:`FeedbackError` that leaves out
every frame of the checks (and of Python's and the installed packages' code): what remains
is the test cell's line, and, when the learner's function raised, that function's own lines. The message's first line is kept as it is and
the lines after it are wrapped at :data:`WIDTH` columns. Under ``%xmode Minimal`` (how
nbgrader runs notebooks, see ``nbgrader_config.py``) only the message is printed.

This is display only: the checks keep no state in the kernel.
"""

from __future__ import annotations

import sys
import sysconfig
import textwrap
from pathlib import Path
from types import TracebackType

from ._core import FeedbackError

#: Lines after the first are wrapped to this width (``nbgrader validate`` cuts at 87).
WIDTH = 80
_CHECKS = str(Path(__file__).resolve().parent)


def layout(message: str) -> str:
    """The message with every line after the first wrapped at :data:`WIDTH` columns."""
    head, _, rest = message.partition("\n")
    lines = [head]
    for line in rest.splitlines():
        lines.append(textwrap.fill(line, WIDTH, break_long_words=False, break_on_hyphens=False) or "")
    return "\n".join(lines)


#: Where Python's own modules and the installed packages live: not the learner's lines.
_LIBRARIES = tuple(str(Path(sysconfig.get_paths()[k]).resolve()) for k in ("stdlib", "platstdlib", "purelib", "platlib"))


def _hidden(frame) -> bool:
    """A frame of the checks, of the standard library or of an installed package."""
    name = frame.f_code.co_filename
    filename = str(Path(name).resolve()) if name[:1] != "<" else ""
    return (bool(frame.f_locals.get("__tracebackhide__")) or filename.startswith(_CHECKS)
            or (bool(filename) and filename.startswith(_LIBRARIES)))


def _trim(tb: TracebackType | None, *, skip_ipython: bool) -> TracebackType | None:
    """A copy of the traceback without the checks' frames (and IPython's own, first)."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    if skip_ipython:
        while frames and "IPython" in Path(frames[0].tb_frame.f_code.co_filename).parts:
            frames.pop(0)
    kept = None
    for entry in reversed([f for f in frames if not _hidden(f.tb_frame)]):
        kept = TracebackType(kept, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return kept


def _show(shell, etype, value, tb, tb_offset=None):
    """IPython's custom exception handler for :class:`FeedbackError`."""
    shown = FeedbackError(layout(str(value)))
    cause = value.__cause__
    if cause is not None:  # the learner's own error: its lines, without what it happened during
        cause.__traceback__ = _trim(cause.__traceback__, skip_ipython=False)
        cause.__suppress_context__ = True
        shown.__cause__ = cause
    shown.__suppress_context__ = True
    if shell.InteractiveTB.mode == "Minimal":
        stb = [f"{etype.__name__}: {shown}"]
    else:
        stb = shell.InteractiveTB.structured_traceback(etype, shown, _trim(tb, skip_ipython=True))
    shell._showtraceback(etype, shown, stb)


def install() -> None:
    """Show failing checks as the learner's lines and the message, when inside IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((FeedbackError,), _show)
