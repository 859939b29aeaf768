"""Chapter 1, sequential data and recurrence: the diagrams, and the hidden state step by step.

- :func:`plot_unrolled_rnn`: the RNN folded and unrolled over time (1.1, the recurrence);
- :func:`plot_output_modes`: an output at every step or one at the end (1.2, outputs);
- :func:`plot_hidden_state_steps` and the widget :func:`hidden_state_stepper`: the hidden
  state of one sequence, as a heat map and as bars (1.4, stepping through a sequence).

Import from here (``from rnn_course.book.recurrence import plot_unrolled_rnn``); the
package's top level imports neither matplotlib nor ipywidgets, so the layers stay light.
Labels use the notation of the book: ``x_t`` in, ``h_t`` the hidden state, ``o_t`` out,
``W_x``, ``W_h``, ``W_y`` the shared weights. A widget recomputes only while a kernel
runs it, so the HTML book shows the static figure next to it.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._validate import integer
from ..layers.rnn import rnn_forward
from .plotting import (
    CELL,
    EDGE,
    HIDDEN,
    INPUT,
    OUTPUT,
    STATE,
    PictureWidget,
    diagram_arrow,
    diagram_box,
    figure_and_axes,
    one_sequence,
)

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


# --------------------------------------------------------------------------------------
# watching the hidden state: a static figure, and a widget


def _tick_labels(T: int, labels) -> list[str]:
    if labels is None:
        return [str(t) for t in range(1, T + 1)]
    return [f"{t}\n{label}" for t, label in zip(range(1, T + 1), labels)]


def _check_labels(labels, T: int) -> list[str] | None:
    if labels is None:
        return None
    if isinstance(labels, str):
        labels = list(labels)
    labels = [str(label) for label in labels]
    if len(labels) != T:
        raise ValueError(f"labels has {len(labels)} entries but X has T={T} steps: "
                         f"expected one label per step")
    return labels


def hidden_states_of(X, params, h0=None) -> np.ndarray:
    """``hs`` (T, H) of a single sequence ``X`` (T, D); ``h0`` (H,) defaults to zeros.

    Raises ``ValueError`` naming ``X`` when it is not one sequence of shape (T, D).
    """
    X, H = one_sequence(X, params, "W_h", "W_x, W_h and b_h")
    if h0 is None:
        h0 = np.zeros(H)
    hs, _ = rnn_forward(X, h0, params)
    return hs


def draw_hidden_state_heatmap(ax, hs, *, upto=None, labels=None, marks=()) -> None:
    """All states ``hs`` (T, H) as an H x T heat map, time along x, in [-1, 1].

    Columns after ``upto`` (steps not read yet) are left blank; steps in ``marks`` get
    a frame. A colour bar (its axes labelled ``"colorbar"``) beside the map gives the scale.
    """
    T, H = hs.shape
    shown = np.array(hs.T, dtype=float)
    if upto is not None:
        shown[:, upto:] = np.nan
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#eeeeee")
    image = ax.imshow(shown, cmap=cmap, vmin=-1, vmax=1, aspect="auto",
                      extent=(0.5, T + 0.5, H - 0.5, -0.5), interpolation="nearest")
    bar = ax.figure.colorbar(image, ax=ax, ticks=(-1, -0.5, 0, 0.5, 1), fraction=0.04, pad=0.015)
    bar.ax.set_label("colorbar")
    bar.ax.tick_params(labelsize=8)
    bar.set_label("value of the unit", fontsize=9)
    for t in marks:
        ax.add_patch(plt.Rectangle((t - 0.5, -0.5), 1, H, fill=False,
                                   edgecolor=EDGE, linewidth=2.0))
    ax.set_xticks(range(1, T + 1), _tick_labels(T, labels), fontsize=9)
    ax.set_yticks(range(H), [str(j + 1) for j in range(H)], fontsize=8)
    ax.set_xlabel("step t (and the input read at that step)")
    ax.set_ylabel("unit of $h_t$")


def draw_hidden_state_bars(ax, h_t, t: int, *, read: str = "") -> None:
    """One state ``h_t`` (H,) as a bar per unit, on a fixed scale from -1 to 1."""
    H = h_t.shape[0]
    colours = [STATE if v >= 0 else HIDDEN for v in h_t]
    ax.barh(range(1, H + 1), h_t, color=colours)
    ax.axvline(0.0, color=EDGE, linewidth=0.8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(H + 0.6, 0.4)
    ax.set_yticks(range(1, H + 1))
    ax.tick_params(labelsize=8)
    title = f"$h_{{{t}}}$"
    if read:
        title += f"\nread: {read}"
    ax.set_title(title, fontsize=10)
    ax.set_label(f"state-{t}")


def plot_hidden_state_steps(X, params, steps, *, h0=None, labels=None) -> Figure:
    """The hidden state of one sequence at several steps, side by side.

    Top: every state ``h_1 .. h_T`` as a heat map (time along x), the chosen steps framed.
    Below: one bar chart of ``h_t`` per chosen step, with the inputs read so far.
    This is the static counterpart of :func:`hidden_state_stepper`.

    Parameters
    ----------
    X : (T, D) one input sequence.
    params : dict with ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,).
    steps : 1 to 8 distinct steps to show, each in 1..T (1-based, as in ``h_t``).
    h0 : (H,) initial state; zeros when omitted.
    labels : optional T labels of the inputs (a string gives one character per step).

    Returns
    -------
    A ``Figure`` with ``2 + len(steps)`` axes: the heat map, its colour bar (labelled
    ``"colorbar"``), then the bar charts, whose labels (``Axes.get_label()``) are
    ``"state-<t>"``.
    """
    hs = hidden_states_of(X, params, h0)
    T = hs.shape[0]
    labels = _check_labels(labels, T)
    steps = _check_steps(steps, T)
    n = len(steps)
    fig = plt.figure(figsize=(max(7.0, 1.75 * n), 6.0))
    grid = fig.add_gridspec(2, n, height_ratios=(1.0, 1.25), hspace=0.75)
    heat = fig.add_subplot(grid[0, :])
    draw_hidden_state_heatmap(heat, hs, labels=labels, marks=steps)
    heat.set_title("every hidden state $h_1, \\dots, h_T$ (red > 0, blue < 0)",
                   fontsize=11)
    for i, t in enumerate(steps):
        ax = fig.add_subplot(grid[1, i])
        read = " ".join(labels[:t]) if labels is not None else ""
        draw_hidden_state_bars(ax, hs[t - 1], t, read=_shorten(read))
        if i:
            ax.set_yticklabels([])
    return fig


def _shorten(text: str, width: int = 14) -> str:
    return text if len(text) <= width else "… " + text[-(width - 2):]


def _check_steps(steps, T: int) -> list[int]:
    try:
        steps = [s for s in steps]
    except TypeError:
        raise TypeError(f"steps must be a list of step numbers, got {steps!r}") from None
    ok = all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in steps)
    if not ok or not 1 <= len(steps) <= 8 or len(set(steps)) != len(steps):
        raise ValueError(f"steps must be 1 to 8 distinct integers, got {steps!r}")
    bad = [s for s in steps if not 1 <= s <= T]
    if bad:
        raise ValueError(f"steps has {bad[0]} but X has T={T} steps: expected 1 <= step <= {T}")
    return [int(s) for s in steps]


class HiddenStateStepper(PictureWidget):
    """A slider for the step ``t`` above a picture of the network after reading ``x_1 .. x_t``.

    Children: ``slider`` (an ``IntSlider`` from 1 to T), ``caption`` (an ``HTML`` line
    with ``t``, the inputs read so far and the size of ``h_t``) and ``image`` (a PNG:
    the states ``h_1 .. h_t`` as a heat map, steps not read yet blank, and ``h_t`` as bars).
    Moving the slider redraws both; ``h_t`` is the state on display.
    """

    def __init__(self, hs: np.ndarray, labels: list[str] | None = None):
        self.hs = hs
        self.labels = labels
        self.slider = widgets.IntSlider(
            value=1, min=1, max=hs.shape[0], step=1, description="t",
            continuous_update=True, layout=widgets.Layout(width="420px"),
        )
        super().__init__([self.slider], [self.slider], figsize=(9.0, 3.4))

    @property
    def t(self) -> int:
        """The step on display (1-based, as in ``h_t``)."""
        return int(self.slider.value)

    @property
    def h_t(self) -> np.ndarray:
        """The hidden state on display, ``hs[t - 1]``, shape (H,)."""
        return self.hs[self.t - 1]

    def _read(self, t: int) -> str:
        if self.labels is None:
            return f"x_1 … x_{t}" if t > 1 else "x_1"
        return " ".join(self.labels[:t])

    def draw(self, fig: Figure) -> str:
        t, h_t = self.t, self.h_t
        grid = fig.add_gridspec(1, 2, width_ratios=(3.0, 1.0), wspace=0.25)
        heat = fig.add_subplot(grid[0, 0])
        draw_hidden_state_heatmap(heat, self.hs, upto=t, labels=self.labels, marks=(t,))
        heat.set_title(f"$h_1, \\dots, h_{{{t}}}$ (grey: not read yet)", fontsize=11)
        bars = fig.add_subplot(grid[0, 1])
        read = _shorten(self._read(t)) if self.labels is not None else ""
        draw_hidden_state_bars(bars, h_t, t, read=read)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.25, top=0.85)
        return (
            f"<b>t = {t}</b> of {self.hs.shape[0]} &nbsp;·&nbsp; read so far: "
            f"<code>{self._read(t)}</code> &nbsp;·&nbsp; "
            f"‖h<sub>{t}</sub>‖ = {np.linalg.norm(h_t):.3f}"
        )


def hidden_state_stepper(X, params, h0=None, *, labels=None) -> HiddenStateStepper:
    """A widget to step through one sequence and watch the hidden state change.

    Parameters
    ----------
    X : (T, D) one input sequence (for a batch, pass ``X[:, b]``).
    params : dict with ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,).
    h0 : (H,) initial hidden state; zeros when omitted.
    labels : optional T labels for the inputs (a string gives one character per step).

    Returns
    -------
    HiddenStateStepper
        An ``ipywidgets.VBox``; display it in Jupyter. The static counterpart for the
        HTML book is :func:`plot_hidden_state_steps`.
    """
    hs = hidden_states_of(X, params, h0)
    return HiddenStateStepper(hs, _check_labels(labels, hs.shape[0]))
