"""Diagrams of the gated cells, every arrow labelled with the equation it carries out.

- :func:`plot_lstm_cell`: the LSTM cell (4.1, the gates and the cell state);
- :func:`plot_gru_cell`: the GRU cell (5.1, the update and reset gates).

Both follow the book's notation. The gates read ``h_{t-1}`` and ``x_t`` from a bus along
the bottom, through the pre-activations ``a^g_t = W_g h_{t-1} + U_g x_t + b_g``; boxes
are layers (a matrix product and a nonlinearity), circles are operations entry by entry.
Every box, circle and arrow has a gid (``"gate-f"``, ``"op-add"``, ``"arrow-c"``, ...) and
every arrow's label the gid ``"label-<arrow gid>"``, so tests can find them.

Import from here (``from rnn_course.book.cells import plot_lstm_cell``).

Book: chapter 4 (the gates and the cell state) and chapter 5 (update and reset gates).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .plotting import (
    CELL,
    HIDDEN,
    STATE,
    diagram_arrow,
    diagram_box,
    diagram_node,
    figure_and_axes,
)

_GATE_W, _GATE_H = 0.95, 0.62
_BUS = "#777777"


def _frame(ax, x0, y0, x1, y1, title):
    ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0,
                                boxstyle="round,pad=0.02,rounding_size=0.3",
                                facecolor="#f7f7f7", edgecolor="#bbbbbb", linewidth=1.0,
                                zorder=0, gid="cell-frame"))
    ax.text(x0 + 0.15, y1 - 0.25, title, ha="left", va="center", fontsize=11,
            style="italic", color="#555555")


def _bus(ax, left, right, y, gates, *, h_from, x_at, label):
    """The bus that brings h_{t-1} (from the point ``h_from``, at the bus's height) and x_t
    (entering from below at ``x_at``) to the gates at ``gates`` {name: x}; one arrow up
    into each gate, labelled ``a^name_t``."""
    ax.plot([left, right], [y, y], color=_BUS, linewidth=2.2, solid_capstyle="round",
            zorder=1, gid="bus")
    diagram_arrow(ax, h_from, (left, y), colour=HIDDEN, label=r"$h_{t-1}$",
                  label_at=(h_from[0], y + 0.3), ha="left", gid="arrow-h-prev-bus")
    diagram_arrow(ax, (x_at, y - 1.0), (x_at, y), colour=_BUS, label=r"$x_t$",
                  label_at=(x_at + 0.12, y - 0.8), ha="left", gid="arrow-x")
    for name, gx in gates.items():
        diagram_arrow(ax, (gx, y), (gx, y + 0.95 - _GATE_H / 2), colour=_BUS,
                      label=rf"$a^{{{name[0]}}}_t$", label_at=(gx + 0.1, y + 0.33), ha="left",
                      fontsize=10, gid=f"arrow-a-{name}")
    ax.text((left + right) / 2, y - 0.42, label, ha="center", va="center", fontsize=11,
            color="#444444", gid="bus-label")


def plot_lstm_cell(ax: plt.Axes | None = None) -> Figure:
    """Draw one LSTM cell with the equation of every arrow.

    Along the top runs the cell state, ``C_{t-1}`` to ``C_t``, touched only by the forget
    gate's product and the input gate's sum; below, the four layers (three sigmoid gates
    and the ``tanh`` candidate) read ``h_{t-1}`` and ``x_t``; on the right the output gate
    and ``tanh(C_t)`` make ``h_t``.

    Returns
    -------
    Figure
        Boxes ``"gate-f"``, ``"gate-i"``, ``"gate-c"``, ``"gate-o"``; circles ``"op-forget"``,
        ``"op-input"``, ``"op-add"``, ``"op-tanh"``, ``"op-output"``; arrows ``"arrow-*"``,
        each with a label ``"label-arrow-*"`` (see :data:`LSTM_ARROWS`).
    """
    fig, ax = figure_and_axes(ax, (11.5, 6.0))
    top, row, bus = 5.0, 2.3, 1.1
    gate = {"f": 3.0, "i": 4.7, "c": 6.3, "o": 8.9}
    out = 9.95  # the column of tanh(C_t) and the output gate's product
    _frame(ax, 0.9, 0.55, 10.7, 5.75, "LSTM cell")
    for name, (symbol, colour) in {"f": (r"$\sigma$", CELL), "i": (r"$\sigma$", CELL),
                                   "c": (r"$\tanh$", CELL), "o": (r"$\sigma$", CELL)}.items():
        diagram_box(ax, gate[name], row, _GATE_W, _GATE_H, colour, symbol, gid=f"gate-{name}")
    diagram_node(ax, gate["f"], top, r"$\times$", gid="op-forget")
    diagram_node(ax, gate["c"], 3.75, r"$\times$", gid="op-input")
    diagram_node(ax, gate["c"], top, r"$+$", gid="op-add")
    diagram_node(ax, out, 4.05, r"$\tanh$", radius=0.34, fontsize=10, gid="op-tanh")
    diagram_node(ax, out, 2.95, r"$\times$", gid="op-output")

    # the cell state: in from the left, out to the right
    diagram_arrow(ax, (0.1, top), (gate["f"] - 0.22, top), colour=STATE, label=r"$C_{t-1}$",
                  label_at=(0.5, top + 0.3), gid="arrow-c-prev")
    diagram_arrow(ax, (gate["f"] + 0.22, top), (gate["c"] - 0.22, top), colour=STATE,
                  label=r"$f_t \odot C_{t-1}$", label_offset=(0, 0.3), gid="arrow-keep")
    diagram_arrow(ax, (gate["c"] + 0.22, top), (11.6, top), colour=STATE,
                  label=r"$C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t$",
                  label_at=(8.75, top + 0.3), gid="arrow-c")
    diagram_arrow(ax, (out, top), (out, 4.05 + 0.34), colour=STATE, label=r"$C_t$",
                  label_at=(out + 0.12, 4.7), ha="left", gid="arrow-c-to-tanh")
    # the gates and the candidate
    diagram_arrow(ax, (gate["f"], row + _GATE_H / 2), (gate["f"], top - 0.22),
                  label=r"$f_t = \sigma(a^f_t)$", label_at=(gate["f"] - 0.12, 3.65), ha="right",
                  gid="arrow-f")
    diagram_arrow(ax, (gate["i"], row + _GATE_H / 2), (gate["c"] - 0.22, 3.75),
                  via=[(gate["i"], 3.75)], label=r"$i_t = \sigma(a^i_t)$",
                  label_at=(gate["i"] - 0.12, 3.2), ha="right", gid="arrow-i")
    diagram_arrow(ax, (gate["c"], row + _GATE_H / 2), (gate["c"], 3.75 - 0.22),
                  label=r"$\tilde C_t = \tanh(a^c_t)$", label_at=(gate["c"] + 0.12, 2.95),
                  ha="left", gid="arrow-c-tilde")
    diagram_arrow(ax, (gate["c"], 3.75 + 0.22), (gate["c"], top - 0.22),
                  label=r"$i_t \odot \tilde C_t$", label_at=(gate["c"] + 0.12, 4.4), ha="left",
                  gid="arrow-write")
    # the output gate and the hidden state
    diagram_arrow(ax, (gate["o"], row + _GATE_H / 2), (out - 0.22, 2.95),
                  via=[(gate["o"], 2.95)], label=r"$o_t = \sigma(a^o_t)$",
                  label_at=(gate["o"] + 0.2, 3.45), gid="arrow-o")
    diagram_arrow(ax, (out, 4.05 - 0.34), (out, 2.95 + 0.22), label=r"$\tanh(C_t)$",
                  label_at=(out + 0.12, 3.45), ha="left", fontsize=11, gid="arrow-tanh-c")
    diagram_arrow(ax, (out, 2.95 - 0.22), (11.6, 0.4), via=[(out, 0.4)], colour=HIDDEN,
                  label=r"$h_t = o_t \odot \tanh(C_t)$", label_at=(out + 0.3, 0.15), ha="left",
                  gid="arrow-h")
    _bus(ax, 1.4, gate["o"], bus, gate, h_from=(0.1, bus), x_at=2.1,
         label=r"every layer reads $h_{t-1}$ and $x_t$:  "
               r"$a^g_t = W_g h_{t-1} + U_g x_t + b_g$,  $g = f, i, c, o$")
    return _finish(fig, ax, (-0.1, 12.0), (-0.4, 6.0))


def plot_gru_cell(ax: plt.Axes | None = None) -> Figure:
    """Draw one GRU cell (the sources' variant) with the equation of every arrow.

    Along the top runs the state, ``h_{t-1}`` to ``h_t``: scaled by ``1 - z_t`` and added to
    ``z_t ⊙ h̃_t``. Below, the update and reset gates read ``h_{t-1}`` and ``x_t``; the
    candidate reads ``x_t`` and the reset state ``r_t ⊙ h_{t-1}``.

    Returns
    -------
    Figure
        Boxes ``"gate-z"``, ``"gate-r"``, ``"gate-h"`` (the candidate); circles
        ``"op-one-minus"``, ``"op-keep"``, ``"op-reset"``, ``"op-update"``, ``"op-add"``;
        arrows ``"arrow-*"``, each with a label ``"label-arrow-*"`` (see
        :data:`GRU_ARROWS`).
    """
    fig, ax = figure_and_axes(ax, (12.5, 6.0))
    top, row, bus = 5.0, 2.3, 1.1
    zx, rx, resx, hx, upx = 3.2, 5.3, 6.9, 8.4, 9.9
    zy = 3.45  # the height at which z_t runs to the update product
    _frame(ax, 0.9, 0.55, 10.6, 5.75, "GRU cell (the sources' variant)")
    diagram_box(ax, zx, row, _GATE_W, _GATE_H, CELL, r"$\sigma$", gid="gate-z")
    diagram_box(ax, rx, row, _GATE_W, _GATE_H, CELL, r"$\sigma$", gid="gate-r")
    diagram_box(ax, hx, row, _GATE_W, _GATE_H, CELL, r"$\tanh$", gid="gate-h")
    diagram_node(ax, zx, 3.95, r"$1-$", radius=0.26, fontsize=10, gid="op-one-minus")
    diagram_node(ax, zx, top, r"$\times$", gid="op-keep")
    diagram_node(ax, resx, row, r"$\times$", gid="op-reset")
    diagram_node(ax, upx, zy, r"$\times$", gid="op-update")
    diagram_node(ax, upx, top, r"$+$", gid="op-add")

    # the state along the top
    diagram_arrow(ax, (0.1, top), (zx - 0.22, top), colour=HIDDEN, label=r"$h_{t-1}$",
                  label_at=(0.5, top + 0.3), gid="arrow-h-prev")
    diagram_arrow(ax, (zx + 0.22, top), (upx - 0.22, top), colour=HIDDEN,
                  label=r"$(1 - z_t) \odot h_{t-1}$", label_offset=(0, 0.3), gid="arrow-keep")
    diagram_arrow(ax, (upx + 0.22, top), (12.9, top), colour=HIDDEN,
                  label=r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t$",
                  label_at=(11.0, top + 0.4), gid="arrow-h")
    # the update gate: 1 - z_t to the old state, z_t to the candidate
    diagram_arrow(ax, (zx, row + _GATE_H / 2), (zx, 3.95 - 0.26),
                  label=r"$z_t = \sigma(a^z_t)$", label_at=(zx - 0.12, 3.0), ha="right",
                  gid="arrow-z")
    diagram_arrow(ax, (zx, 3.95 + 0.26), (zx, top - 0.22), label=r"$1 - z_t$",
                  label_at=(zx - 0.12, 4.5), ha="right", gid="arrow-one-minus-z")
    diagram_arrow(ax, (zx, zy), (upx - 0.22, zy), label=r"$z_t$", label_at=(6.1, zy + 0.25),
                  gid="arrow-z-to-update")
    # the reset gate and the candidate
    diagram_arrow(ax, (rx + _GATE_W / 2, row), (resx - 0.22, row),
                  label=r"$r_t = \sigma(a^r_t)$", label_at=(6.1, row + 0.55), gid="arrow-r")
    diagram_arrow(ax, (resx, bus), (resx, row - 0.22), colour=HIDDEN, label=r"$h_{t-1}$",
                  label_at=(resx - 0.1, 1.55), ha="right", fontsize=10, gid="arrow-h-prev-reset")
    diagram_arrow(ax, (resx + 0.22, row), (hx - _GATE_W / 2, row),
                  label=r"$r_t \odot h_{t-1}$", label_at=(7.65, row - 0.45), fontsize=11,
                  gid="arrow-reset")
    diagram_arrow(ax, (hx, row + _GATE_H / 2), (upx, zy - 0.22), via=[(hx, 2.95), (upx, 2.95)],
                  label=r"$\tilde h_t = \tanh(W_h (r_t \odot h_{t-1}) + U_h x_t + b_h)$",
                  label_at=(upx + 0.15, 2.7), ha="left", fontsize=11, gid="arrow-h-tilde")
    diagram_arrow(ax, (upx, zy + 0.22), (upx, top - 0.22), label=r"$z_t \odot \tilde h_t$",
                  label_at=(upx + 0.12, 4.2), ha="left", gid="arrow-update")
    diagram_arrow(ax, (hx, bus), (hx, row - _GATE_H / 2), colour=_BUS, label=r"$x_t$",
                  label_at=(hx + 0.1, 1.55), ha="left", fontsize=10, gid="arrow-x-candidate")
    _bus(ax, 1.4, hx, bus, {"z": zx, "r": rx}, h_from=(0.1, bus), x_at=2.1,
         label=r"the gates read $h_{t-1}$ and $x_t$:  "
               r"$a^g_t = W_g h_{t-1} + U_g x_t + b_g$,  $g = z, r$")
    return _finish(fig, ax, (-0.1, 13.6), (-0.4, 6.0))


def _finish(fig, ax, xlim, ylim) -> Figure:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


#: The arrows of :func:`plot_lstm_cell` (gid: what its label must show).
LSTM_ARROWS = {
    "arrow-c-prev": "C_{t-1}", "arrow-keep": r"f_t \odot C_{t-1}",
    "arrow-c": r"C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t", "arrow-c-to-tanh": "C_t",
    "arrow-f": r"f_t = \sigma(a^f_t)", "arrow-i": r"i_t = \sigma(a^i_t)",
    "arrow-c-tilde": r"\tilde C_t = \tanh(a^c_t)", "arrow-write": r"i_t \odot \tilde C_t",
    "arrow-o": r"o_t = \sigma(a^o_t)", "arrow-tanh-c": r"\tanh(C_t)",
    "arrow-h": r"h_t = o_t \odot \tanh(C_t)", "arrow-x": "x_t",
    "arrow-h-prev-bus": "h_{t-1}", "arrow-a-f": "a^{f}_t", "arrow-a-i": "a^{i}_t", "arrow-a-c": "a^{c}_t", "arrow-a-o": "a^{o}_t",
}

#: The arrows of :func:`plot_gru_cell` (gid: what its label must show).
GRU_ARROWS = {
    "arrow-h-prev": "h_{t-1}", "arrow-keep": r"(1 - z_t) \odot h_{t-1}",
    "arrow-h": r"h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t",
    "arrow-z": r"z_t = \sigma(a^z_t)", "arrow-one-minus-z": "1 - z_t", "arrow-z-to-update": "z_t",
    "arrow-r": r"r_t = \sigma(a^r_t)", "arrow-h-prev-reset": "h_{t-1}",
    "arrow-reset": r"r_t \odot h_{t-1}",
    "arrow-h-tilde": r"\tilde h_t = \tanh(W_h (r_t \odot h_{t-1}) + U_h x_t + b_h)",
    "arrow-update": r"z_t \odot \tilde h_t", "arrow-x-candidate": "x_t", "arrow-x": "x_t",
    "arrow-h-prev-bus": "h_{t-1}", "arrow-a-z": "a^{z}_t", "arrow-a-r": "a^{r}_t",
}
