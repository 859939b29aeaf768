"""Text alternatives of the book's figures: what each figure shows, in words.

A reader who cannot see a figure hears its ``alt`` text instead, so that text must say
what the figure shows and, where the figure carries a result, what the curves do
(WCAG 2.1, success criterion 1.1.1). The figure helpers of :mod:`rnn_course.book`
describe every axes they draw:

- :func:`describe` gives one axes its words: a sentence, a function that makes one when
  the figure is shown, or nothing, which describes the labelled lines of a line chart
  from their data (:func:`line_chart`: where each curve starts, ends and peaks);
- :func:`describe_figure` adds a sentence about the whole figure, said first;
- :func:`alt_text` joins them: the figure's sentence, then each described axes in order,
  after its title (read when the figure is shown, so a title set later counts).

A described figure, when shown (``display(fig)``, ``plt.show()`` or myst-nb's ``glue``),
puts its text under ``"alt"`` in the output's metadata for each image type, where the
book's Sphinx extension (``book/_ext/course_html.py``) finds it and writes it into the
``<img>`` tag. A figure drawn without a helper gets words the same way, from the page:
``describe(ax, "...")``. The browser tests fail on a figure of the book without them.

Book: every figure of every chapter (the helpers of the other modules call it).
"""

from __future__ import annotations

import re

import numpy as np

#: The image types a figure can be shown as; each gets the ``alt`` in its metadata.
IMAGE_TYPES = ("image/svg+xml", "image/png", "image/jpeg")

_SYMBOLS = {
    "alpha": "α", "beta": "β", "eta": "η", "lambda": "λ", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "theta": "θ", "partial": "∂", "odot": "⊙", "times": "×", "cdot": "·",
    "propto": "∝", "dots": "…", "ldots": "…", "cdots": "…", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "approx": "≈",
    "infty": "∞", "top": "ᵀ", "|": "‖", "lVert": "‖", "rVert": "‖",
}


def plain(label) -> str:
    """``label`` with its matplotlib maths made plain text (``$\\|\\partial L\\|$`` -> ``‖∂L‖``)."""
    text = str(label or "").replace("$", "").replace("\n", " ")
    text = re.sub(r"\\tilde\s*\{?\\?([A-Za-z])\}?", "\\1\u0303", text)
    text = re.sub(r"\\over(right|left)arrow\{([^}]*)\}",
                  lambda m: m.group(2) + ("→" if m.group(1) == "right" else "←"), text)
    text = re.sub(r"\\(operatorname|mathrm|text|mathbf)\{([^}]*)\}", r"\2", text)
    text = re.sub(r"([_^])\{([^{}]*)\}", lambda m: m.group(1) + _group(m.group(2)), text)
    text = re.sub(r"\\([A-Za-z]+|\|)( ?)", _symbol, text)
    text = re.sub(r"\\[,;:! ]", " ", text).replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def _group(inner: str) -> str:
    """A sub- or superscript: ``t`` stays ``t``, ``t-1`` becomes ``(t-1)``."""
    simple = re.fullmatch(r"\w+", inner) or (inner.startswith("(") and inner.endswith(")"))
    return inner if simple else f"({inner})"


def _symbol(match) -> str:
    """A TeX command as a character, or its name (``\\partial h`` -> ``∂h``)."""
    name, space = match.group(1), match.group(2)
    return _SYMBOLS.get(name, name) + ("" if name == "partial" else space)


def number(value) -> str:
    """A measured value in three significant digits (``0.0123``, ``1500``, ``4.56e-7``)."""
    value = float(value)
    if not np.isfinite(value):
        return "not a number" if np.isnan(value) else ("infinity" if value > 0 else "minus infinity")
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        rounded = float(f"{value:.3g}")
        return f"{rounded:g}" if abs(rounded) < 1000 else f"{rounded:.0f}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{float(mantissa):.3g}e{int(exponent)}"


def x_value(x) -> str:
    """An x coordinate in words: the day of a date, else :func:`number`."""
    if isinstance(x, np.datetime64) or hasattr(x, "isoformat"):
        return str(np.datetime64(x, "D"))
    return number(x)


def curve(label: str, x, y, *, log: bool = False, at: str = "") -> str:
    """One curve in words, left to right: where it starts and ends, whether it rises or
    falls, its peak or its lowest point when that lies between, and where it leaves the
    chart (NaN). ``at`` names the x values (``"at step 3"`` with ``at="step "``)."""
    x, y = np.asarray(x), np.asarray(y, dtype=float)
    if x.size > 1 and np.issubdtype(x.dtype, np.number) and x[0] > x[-1]:
        x, y = x[::-1], y[::-1]
    label = plain(label)

    def _x_word(value) -> str:
        return at + x_value(value)

    finite = np.flatnonzero(np.isfinite(y) & ((y > 0) if log else True))
    if finite.size == 0:
        return f"{label}: off the chart"
    i0, i1 = int(finite[0]), int(finite[-1])
    if i0 == i1:
        return f"{label}: {number(y[i0])} at {_x_word(x[i0])}"
    seen = y[i0:i1 + 1]
    scale = np.log10 if log else (lambda v: v)
    low, high = np.nanmin(seen), np.nanmax(seen)
    spread = scale(high) - scale(low)
    change = scale(y[i1]) - scale(y[i0])
    # level: little change against the curve's own range, or against its size
    size = 0.01 if log else 0.02 * max(abs(y[i0]), abs(y[i1]))
    if spread == 0 or abs(change) <= max(0.1 * spread, size):
        words = (f"{label} starts at {number(y[i0])} at {_x_word(x[i0])} "
                 f"and ends at {number(y[i1])} at {_x_word(x[i1])}")
    else:
        verb = "rises" if change > 0 else "falls"
        words = (f"{label} {verb} from {number(y[i0])} at {_x_word(x[i0])} "
                 f"to {number(y[i1])} at {_x_word(x[i1])}")
    ends = (scale(y[i0]), scale(y[i1]))
    k_high, k_low = i0 + int(np.nanargmax(seen)), i0 + int(np.nanargmin(seen))
    if k_high not in (i0, i1) and scale(high) - max(ends) > 0.2 * spread:
        words += f", peaking at {number(high)} at {_x_word(x[k_high])}"
    if k_low not in (i0, i1) and min(ends) - scale(low) > 0.2 * spread:
        words += f", lowest {number(low)} at {_x_word(x[k_low])}"
    if i1 < len(y) - 1:
        words += ", then leaves the chart"
    return words


def _reference(line) -> bool:
    """A horizontal reference line (``axhline``): two points at one height."""
    y = np.asarray(line.get_ydata(), dtype=float)
    return y.size == 2 and y[0] == y[1]


def line_chart(ax) -> str:
    """The labelled lines of ``ax`` in words: the axes and their scales, then each curve
    (:func:`curve`), then each labelled horizontal reference line with its height."""
    lines = [line for line in ax.get_lines()  # labelled and drawn (not a legend entry only)
             if line.get_label() and not line.get_label().startswith("_")
             and np.size(line.get_ydata())]
    curves = [line for line in lines if not _reference(line)]
    ylog, xlog = ax.get_yscale() == "log", ax.get_xscale() == "log"
    ylabel = plain(ax.get_ylabel()) or "the values"
    xlabel = plain(ax.get_xlabel()) or "x"
    words = (f"Line chart of {ylabel}{' (log scale)' if ylog else ''} "
             f"against {xlabel}{' (log scale)' if xlog else ''}")
    parts = [curve(line.get_label(), line.get_xdata(), line.get_ydata(), log=ylog)
             for line in curves]
    parts += [f"a reference line, {plain(line.get_label())}, at {number(line.get_ydata()[0])}"
              for line in lines if _reference(line)]
    return words + (": " + "; ".join(parts) if parts else "")


def listing(items) -> str:
    """Items as a list in words: ``"a"``, ``"a and b"``, ``"a, b and c"``."""
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def describe(ax, text=None, *, title: bool = True) -> None:
    """Give ``ax`` its words in its figure's text alternative.

    ``text`` is a sentence, a function of no argument returning one (called when the
    figure is shown), or ``None`` for :func:`line_chart`. With ``title`` (the default)
    the axes' title, when it has one, is said first.
    """
    if text is not None and not (isinstance(text, str) or callable(text)):
        raise TypeError(f"text must be a string, a function returning one, or None; got {text!r}")
    ax._rnn_course_alt = (text, title)
    _show_with_alt(ax.figure)


def describe_figure(fig, text) -> None:
    """A sentence about the whole of ``fig`` (a string or a function returning one),
    said before the words of its axes."""
    if not (isinstance(text, str) or callable(text)):
        raise TypeError(f"text must be a string or a function returning one; got {text!r}")
    fig._rnn_course_alt = text
    _show_with_alt(fig)


def _words(text, ax=None) -> str:
    if text is None:
        return line_chart(ax)
    return str(text() if callable(text) else text).strip()


def _sentence(words: str) -> str:
    words = words.strip()
    return words if not words or words.endswith((".", "!", "?")) else words + "."


def alt_text(fig) -> str:
    """The text alternative of ``fig``: its sentence (:func:`describe_figure`), then each
    described axes in order, after its title; ``""`` when nothing was described."""
    parts = []
    if getattr(fig, "_rnn_course_alt", None) is not None:
        parts.append(_words(fig._rnn_course_alt))
    for ax in fig.axes:
        described = getattr(ax, "_rnn_course_alt", None)
        if described is None:
            continue
        text, use_title = described
        words = _words(text, ax)
        heading = plain(ax.get_title() or ax.get_title("left")) if use_title else ""
        parts.append(f"{heading}: {words}" if heading else words)
    return " ".join(_sentence(p) for p in parts if p)


def _show_with_alt(fig) -> None:
    """Make ``fig``'s displays carry :func:`alt_text` in their metadata (IPython asks an
    object for ``_repr_mimebundle_`` first; this one adds metadata only, and IPython's
    own formatters still draw the figure)."""
    if "_repr_mimebundle_" in vars(fig):
        return

    def _repr_mimebundle_(include=None, exclude=None):
        text = alt_text(fig)
        return {}, ({mime: {"alt": text} for mime in IMAGE_TYPES} if text else {})

    fig._repr_mimebundle_ = _repr_mimebundle_
