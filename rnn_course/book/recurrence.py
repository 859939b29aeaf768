"""Chapter 1, sequential data and recurrence: the diagrams of the network.

- :func:`plot_unrolled_rnn`: the RNN folded and unrolled over time (1.1, the recurrence);
- :func:`plot_output_modes`: an output at every step or one at the end (1.2, outputs).

The hidden state step by step (1.4) is in :mod:`rnn_course.book.stepping`.
Import from here (``from rnn_course.book.recurrence import plot_unrolled_rnn``); the
package's top level imports neither matplotlib nor ipywidgets, so the layers stay light.
Labels use the notation of the book: ``x_t`` in, ``h_t`` the hidden state, ``o_t`` out,
``W_x``, ``W_h``, ``W_y`` the shared weights.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .._validate import integer
from .alt_text import describe
from .plotting import CELL, INPUT, OUTPUT, STATE, diagram_arrow, diagram_box, figure_and_axes

_CELL_W, _CELL_H = 1.1, 0.8


def _draw_folded(ax, cx: float, outputs: bool) -> None:
    """The network as one cell with a loop: h_t comes back in as the next h_{t-1}."""
    cy = 0.0
    diagram_box(ax, cx, cy, _CELL_W, _CELL_H, CELL, r"$\tanh$", gid="folded-cell")
    diagram_box(ax, cx, cy - 1.55, 0.75, 0.5, INPUT, r"$x_t$")
    diagram_arrow(ax, (cx, cy - 1.3), (cx, cy - _CELL_H / 2), label=r"$W_x$", label_offset=(-0.3, 0))
    # the loop on the right side: the state leaves the cell and re-enters it one step later
    diagram_arrow(
        ax, (cx + _CELL_W / 2, cy + 0.2), (cx + _CELL_W / 2, cy - 0.2),
        colour=STATE, connectionstyle="arc,angleA=0,angleB=0,armA=30,armB=30,rad=8",
    )
    ax.text(cx + _CELL_W / 2 + 0.78, cy + 0.0, r"$W_h$", ha="left", va="center",
            fontsize=13, color=STATE)
    if outputs:
        diagram_box(ax, cx, cy + 2.0, 0.75, 0.5, OUTPUT, r"$o_t$")
        diagram_arrow(ax, (cx, cy + _CELL_H / 2), (cx, cy + 1.75), label=r"$W_y$",
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
    T = integer("T", T, low=1, high=8)

    step = 2.0                       # distance between cells
    x_first = 5.4 if folded else 1.2  # centre of the first cell
    x_h0 = x_first - 1.75
    width = x_first + (T - 1) * step + 1.6
    fig, ax = figure_and_axes(ax, (1.0 + 0.95 * width, 3.4 if outputs else 2.8))

    if folded:
        _draw_folded(ax, 0.75, outputs)
        ax.text(3.1, 0.0, r"$=$", ha="center", va="center", fontsize=22)

    # h_0, then one cell per step
    ax.text(x_h0, 0.0, r"$h_0$", ha="center", va="center", fontsize=14, color=STATE)
    for t in range(1, T + 1):
        cx = x_first + (t - 1) * step
        diagram_box(ax, cx, 0.0, _CELL_W, _CELL_H, CELL, r"$\tanh$", gid=f"cell-{t}")
        diagram_box(ax, cx, -1.55, 0.75, 0.5, INPUT, rf"$x_{{{t}}}$")
        diagram_arrow(ax, (cx, -1.3), (cx, -_CELL_H / 2), label=r"$W_x$", label_offset=(-0.3, 0))
        # the state arriving from the left: h_0 for the first cell, else the previous cell
        start = x_h0 + 0.28 if t == 1 else cx - step + _CELL_W / 2
        diagram_arrow(ax, (start, 0.0), (cx - _CELL_W / 2, 0.0), colour=STATE,
               label=r"$W_h$", label_offset=(0, 0.22))
        if t > 1:
            ax.text(cx - step / 2, -0.25, rf"$h_{{{t - 1}}}$", ha="center", va="center",
                    fontsize=13, color=STATE)
        if outputs:
            diagram_box(ax, cx, 2.0, 0.75, 0.5, OUTPUT, rf"$o_{{{t}}}$")
            diagram_arrow(ax, (cx, _CELL_H / 2), (cx, 1.75), label=r"$W_y$", label_offset=(-0.3, 0))
    # the last state leaves to the right
    last = x_first + (T - 1) * step
    diagram_arrow(ax, (last + _CELL_W / 2, 0.0), (last + _CELL_W / 2 + 0.7, 0.0), colour=STATE)
    ax.text(last + _CELL_W / 2 + 0.35, -0.25, rf"$h_{{{T}}}$", ha="center", va="center",
            fontsize=13, color=STATE)
    ax.text((x_first + last) / 2, -2.35,
            rf"unrolled over $T={T}$ steps: the same $W_x$, $W_h$, $b_h$ at every step",
            ha="center", va="center", fontsize=12, style="italic")

    ax.set_xlim(-0.2, width)
    ax.set_ylim(-2.65, 2.45 if outputs else 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    up = " and up through W_y to its output o_t" if outputs else ""
    folded_words = ("Left, folded: one tanh cell reads x_t through W_x and feeds its state "
                    f"back into itself through W_h{up}. Right, u" if folded else "U")
    describe(ax, f"Diagram of a recurrent network. {folded_words}nrolled over {T} steps: "
                 "h_0 enters the first cell from the left; the cell of step t reads x_t from "
                 f"below through W_x and h_(t-1) from the left through W_h, and passes h_t "
                 f"to the right{up}; every cell uses the same W_x, W_h and b_h.")
    return fig


# --------------------------------------------------------------------------------------
# outputs: one per step (many-to-many) or one per sequence (many-to-one)


def _draw_output_mode(ax, T: int, every_step: bool, title: str) -> None:
    step = 1.9
    ax.text(-0.55, 0.0, r"$h_0$", ha="center", va="center", fontsize=13, color=STATE)
    for t in range(1, T + 1):
        cx = 0.9 + (t - 1) * step
        diagram_box(ax, cx, 0.0, _CELL_W, _CELL_H, CELL, r"$\tanh$", gid=f"cell-{t}")
        diagram_box(ax, cx, -1.5, 0.75, 0.5, INPUT, rf"$x_{{{t}}}$")
        diagram_arrow(ax, (cx, -1.25), (cx, -_CELL_H / 2))
        start = -0.3 if t == 1 else cx - step + _CELL_W / 2
        diagram_arrow(ax, (start, 0.0), (cx - _CELL_W / 2, 0.0), colour=STATE)
        if every_step or t == T:
            diagram_box(ax, cx, 1.9, 0.75, 0.5, OUTPUT, rf"$o_{{{t}}}$", gid=f"output-{t}")
            diagram_arrow(ax, (cx, _CELL_H / 2), (cx, 1.65), label=r"$W_y$",
                   label_offset=(-0.32, 0))
    ax.set_title(title, fontsize=13)
    describe(ax, f"{T} tanh cells in a row, h_0 entering the first from the left, each "
                 f"reading its input x_t from below and passing its state to the next; "
                 + ("every cell sends its state up through W_y to an output o_t."
                    if every_step else
                    f"only the last cell sends its state up through W_y, to the one output o_{T}."))
    ax.set_xlim(-0.9, 0.9 + (T - 1) * step + 0.8)
    ax.set_ylim(-1.9, 2.3)
    ax.set_aspect("equal")
    ax.axis("off")


def plot_output_modes(T: int = 4) -> Figure:
    """Two ways to read an RNN: an output at every step, or one from the last state.

    Left, *many-to-many*: ``o_t = softmax(W_y h_t + b_y)`` for t = 1..T (language
    modelling: each ``o_t`` predicts the next character). Right, *many-to-one*: only
    ``o_T``, read from the final state ``h_T`` (classifying a whole sequence).

    Parameters
    ----------
    T : number of time steps to draw, 2 to 6.

    Returns
    -------
    A ``Figure`` with two axes; output boxes carry the gid ``"output-<t>"``.
    """
    T = integer("T", T, low=2, high=6)
    fig, axes = plt.subplots(1, 2, figsize=(1.45 * (1.9 * T + 0.6), 3.0))
    _draw_output_mode(axes[0], T, True, "many-to-many: an output at every step")
    _draw_output_mode(axes[1], T, False, "many-to-one: one output, from $h_T$")
    fig.tight_layout()
    return fig
