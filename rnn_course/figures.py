"""Diagrams for the book, drawn with matplotlib.

Import from here (``from rnn_course.figures import plot_unrolled_rnn``); the package's top
level does not import matplotlib, so the layers stay light.
Labels use the notation of the book: ``x_t`` in, ``h_t`` the hidden state, ``o_t`` out,
``W_x``, ``W_h``, ``W_y`` the shared weights.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# colours: inputs, cells, hidden states, outputs (readable in grey-scale too)
_INPUT = "#dbe9f6"
_CELL = "#fde8c8"
_OUTPUT = "#e3f1de"
_EDGE = "#333333"
_STATE = "#b5541c"

_CELL_W, _CELL_H = 1.1, 0.8


def _box(ax, x, y, w, h, colour, text, *, fontsize=13, gid=None):
    patch = FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h,
        boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=colour, edgecolor=_EDGE, linewidth=1.4, gid=gid,
    )
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
    return patch


def _arrow(ax, start, end, *, colour=_EDGE, label=None, label_offset=(0.0, 0.0),
           connectionstyle="arc3", fontsize=12, gid=None):
    arrow = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.4,
        color=colour, connectionstyle=connectionstyle, shrinkA=0, shrinkB=0, gid=gid,
    )
    ax.add_patch(arrow)
    if label is not None:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color=colour)
    return arrow


def _draw_folded(ax, cx: float, outputs: bool) -> None:
    """The network as one cell with a loop: h_t comes back in as the next h_{t-1}."""
    cy = 0.0
    _box(ax, cx, cy, _CELL_W, _CELL_H, _CELL, r"$\tanh$", gid="folded-cell")
    _box(ax, cx, cy - 1.55, 0.75, 0.5, _INPUT, r"$x_t$")
    _arrow(ax, (cx, cy - 1.3), (cx, cy - _CELL_H / 2), label=r"$W_x$", label_offset=(-0.3, 0))
    # the loop on the right side: the state leaves the cell and re-enters it one step later
    _arrow(
        ax, (cx + _CELL_W / 2, cy + 0.2), (cx + _CELL_W / 2, cy - 0.2),
        colour=_STATE, connectionstyle="arc,angleA=0,angleB=0,armA=30,armB=30,rad=8",
    )
    ax.text(cx + _CELL_W / 2 + 0.78, cy + 0.0, r"$W_h$", ha="left", va="center",
            fontsize=13, color=_STATE)
    if outputs:
        _box(ax, cx, cy + 2.0, 0.75, 0.5, _OUTPUT, r"$o_t$")
        _arrow(ax, (cx, cy + _CELL_H / 2), (cx, cy + 1.75), label=r"$W_y$",
               label_offset=(-0.3, 0))
    ax.text(cx, cy - 2.35, "folded", ha="center", va="center", fontsize=12, style="italic")


def plot_unrolled_rnn(T: int = 4, *, folded: bool = True, outputs: bool = True,
                      ax: plt.Axes | None = None) -> Figure:
    """Draw a vanilla RNN unrolled over ``T`` time steps (and, by default, folded next to it).

    Each time step is the same cell (the same ``W_x``, ``W_h``, ``b_h``): ``x_t`` enters
    from below, ``h_{t-1}`` from the left, and ``h_t`` leaves to the right (and up to the
    output ``o_t`` when ``outputs`` is true). ``h_0`` is the initial hidden state.

    Parameters
    ----------
    T : number of time steps to draw, 1 to 8.
    folded : also draw the folded view (one cell with a loop) on the left.
    outputs : draw the outputs ``o_t = softmax(W_y h_t + b_y)`` above the cells.
    ax : axes to draw into; a new figure is made when omitted.

    Returns
    -------
    The matplotlib ``Figure``. Cell boxes carry the gid ``"cell-<t>"`` (t = 1..T), so
    tests can count them.
    """
    if isinstance(T, bool) or not isinstance(T, int) or not 1 <= T <= 8:
        raise ValueError(f"T must be an integer from 1 to 8, got {T!r}")

    step = 2.0                       # distance between cells
    x_first = 5.4 if folded else 1.2  # centre of the first cell
    x_h0 = x_first - 1.75
    width = x_first + (T - 1) * step + 1.6
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.0 + 0.95 * width, 3.4 if outputs else 2.8))
    else:
        fig = ax.figure

    if folded:
        _draw_folded(ax, 0.75, outputs)
        ax.text(3.1, 0.0, r"$=$", ha="center", va="center", fontsize=22)

    # h_0, then one cell per step
    ax.text(x_h0, 0.0, r"$h_0$", ha="center", va="center", fontsize=14, color=_STATE)
    for t in range(1, T + 1):
        cx = x_first + (t - 1) * step
        _box(ax, cx, 0.0, _CELL_W, _CELL_H, _CELL, r"$\tanh$", gid=f"cell-{t}")
        _box(ax, cx, -1.55, 0.75, 0.5, _INPUT, rf"$x_{{{t}}}$")
        _arrow(ax, (cx, -1.3), (cx, -_CELL_H / 2), label=r"$W_x$", label_offset=(-0.3, 0))
        # the state arriving from the left: h_0 for the first cell, else the previous cell
        start = x_h0 + 0.28 if t == 1 else cx - step + _CELL_W / 2
        _arrow(ax, (start, 0.0), (cx - _CELL_W / 2, 0.0), colour=_STATE,
               label=r"$W_h$", label_offset=(0, 0.22))
        if t > 1:
            ax.text(cx - step / 2, -0.25, rf"$h_{{{t - 1}}}$", ha="center", va="center",
                    fontsize=13, color=_STATE)
        if outputs:
            _box(ax, cx, 2.0, 0.75, 0.5, _OUTPUT, rf"$o_{{{t}}}$")
            _arrow(ax, (cx, _CELL_H / 2), (cx, 1.75), label=r"$W_y$", label_offset=(-0.3, 0))
    # the last state leaves to the right
    last = x_first + (T - 1) * step
    _arrow(ax, (last + _CELL_W / 2, 0.0), (last + _CELL_W / 2 + 0.7, 0.0), colour=_STATE)
    ax.text(last + _CELL_W / 2 + 0.35, -0.25, rf"$h_{{{T}}}$", ha="center", va="center",
            fontsize=13, color=_STATE)
    ax.text((x_first + last) / 2, -2.35,
            rf"unrolled over $T={T}$ steps: the same $W_x$, $W_h$, $b_h$ at every step",
            ha="center", va="center", fontsize=12, style="italic")

    ax.set_xlim(-0.2, width)
    ax.set_ylim(-2.65, 2.45 if outputs else 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig
