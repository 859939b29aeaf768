"""Diagrams for the book, drawn with matplotlib.

Import from here (``from rnn_course.figures import plot_unrolled_rnn``); the package's top
level does not import matplotlib, so the layers stay light.
Labels use the notation of the book: ``x_t`` in, ``h_t`` the hidden state, ``o_t`` out,
``W_x``, ``W_h``, ``W_y`` the shared weights.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
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


# --------------------------------------------------------------------------------------
# outputs: one per step (many-to-many) or one per sequence (many-to-one)


def _draw_output_mode(ax, T: int, every_step: bool, title: str) -> None:
    step = 1.9
    ax.text(-0.55, 0.0, r"$h_0$", ha="center", va="center", fontsize=13, color=_STATE)
    for t in range(1, T + 1):
        cx = 0.9 + (t - 1) * step
        _box(ax, cx, 0.0, _CELL_W, _CELL_H, _CELL, r"$\tanh$", gid=f"cell-{t}")
        _box(ax, cx, -1.5, 0.75, 0.5, _INPUT, rf"$x_{{{t}}}$")
        _arrow(ax, (cx, -1.25), (cx, -_CELL_H / 2))
        start = -0.3 if t == 1 else cx - step + _CELL_W / 2
        _arrow(ax, (start, 0.0), (cx - _CELL_W / 2, 0.0), colour=_STATE)
        if every_step or t == T:
            _box(ax, cx, 1.9, 0.75, 0.5, _OUTPUT, rf"$o_{{{t}}}$", gid=f"output-{t}")
            _arrow(ax, (cx, _CELL_H / 2), (cx, 1.65), label=r"$W_y$",
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
    if isinstance(T, bool) or not isinstance(T, int) or not 2 <= T <= 6:
        raise ValueError(f"T must be an integer from 2 to 6, got {T!r}")
    fig, axes = plt.subplots(1, 2, figsize=(1.45 * (1.9 * T + 0.6), 3.0))
    _draw_output_mode(axes[0], T, True, "many-to-many: an output at every step")
    _draw_output_mode(axes[1], T, False, "many-to-one: one output, from $h_T$")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# watching the hidden state: the static counterpart of rnn_course.widgets


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
    from .rnn import rnn_forward

    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}: expected one sequence (T, D), "
                         f"not a batch; pass X[:, b] to watch sequence b")
    if not isinstance(params, dict) or "W_h" not in params:
        raise TypeError("params must be a dict holding W_x, W_h and b_h")
    H = np.asarray(params["W_h"]).shape[0]
    if h0 is None:
        h0 = np.zeros(H)
    hs, _ = rnn_forward(X, h0, params)
    return hs


def draw_hidden_state_heatmap(ax, hs, *, upto=None, labels=None, marks=()) -> None:
    """All states ``hs`` (T, H) as an H x T heat map, time along x, in [-1, 1].

    Columns after ``upto`` (steps not read yet) are left blank; steps in ``marks`` get
    a frame.
    """
    T, H = hs.shape
    shown = np.array(hs.T, dtype=float)
    if upto is not None:
        shown[:, upto:] = np.nan
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#eeeeee")
    ax.imshow(shown, cmap=cmap, vmin=-1, vmax=1, aspect="auto",
              extent=(0.5, T + 0.5, H - 0.5, -0.5), interpolation="nearest")
    for t in marks:
        ax.add_patch(plt.Rectangle((t - 0.5, -0.5), 1, H, fill=False,
                                   edgecolor=_EDGE, linewidth=2.0))
    ax.set_xticks(range(1, T + 1), _tick_labels(T, labels), fontsize=9)
    ax.set_yticks(range(H), [str(j + 1) for j in range(H)], fontsize=8)
    ax.set_xlabel("step t (and the input read at that step)")
    ax.set_ylabel("unit of $h_t$")


def draw_hidden_state_bars(ax, h_t, t: int, *, read: str = "") -> None:
    """One state ``h_t`` (H,) as a bar per unit, on a fixed scale from -1 to 1."""
    H = h_t.shape[0]
    colours = [_STATE if v >= 0 else "#2b6ca3" for v in h_t]
    ax.barh(range(1, H + 1), h_t, color=colours)
    ax.axvline(0.0, color=_EDGE, linewidth=0.8)
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
    This is the static counterpart of :func:`rnn_course.widgets.hidden_state_stepper`.

    Parameters
    ----------
    X : (T, D) one input sequence.
    params : dict with ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,).
    steps : 1 to 8 distinct steps to show, each in 1..T (1-based, as in ``h_t``).
    h0 : (H,) initial state; zeros when omitted.
    labels : optional T labels of the inputs (a string gives one character per step).

    Returns
    -------
    A ``Figure`` with ``1 + len(steps)`` axes: the heat map, then the bar charts, whose
    labels (``Axes.get_label()``) are ``"state-<t>"``.
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


# --------------------------------------------------------------------------------------
# Chapter 2 (backpropagation through time): measured curves.

_LINE_STYLES = ("-", "--", "-.", ":")


def plot_step_size_errors(steps, errors, *, slopes=None, ax: plt.Axes | None = None) -> Figure:
    """Log-log plot of finite-difference errors against the step size ``h``.

    Parameters
    ----------
    steps : (N,) the step sizes h, positive.
    errors : dict ``{label: (N,) errors}``, one line per method (zeros are not drawn).
    slopes : optional dict ``{label: (power, anchor_index)}``: a dotted guide line
        ``error ∝ h**power`` through the point ``anchor_index`` of that method's curve.
    ax : axes to draw into; a new figure is made when omitted.

    Returns the ``Figure``; each measured line carries its label as gid.
    """
    steps = np.asarray(steps, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
    else:
        fig = ax.figure
    for i, (label, err) in enumerate(errors.items()):
        err = np.asarray(err, dtype=float)
        if err.shape != steps.shape:
            raise ValueError(f"errors[{label!r}] has shape {err.shape}: expected {steps.shape}")
        shown = np.where(err > 0, err, np.nan)
        (line,) = ax.loglog(steps, shown, marker="o", markersize=4,
                            linestyle=_LINE_STYLES[i % 4], label=label)
        line.set_gid(label)
        if slopes and label in slopes:
            power, j = slopes[label]
            guide = err[j] * (steps / steps[j]) ** power
            ax.loglog(steps, guide, color=line.get_color(), linewidth=0.8,
                      linestyle=":", alpha=0.8, label=rf"$\propto h^{{{power}}}$")
    measured = np.concatenate([np.asarray(e, dtype=float).ravel() for e in errors.values()])
    measured = measured[measured > 0]
    if measured.size:  # guide lines must not stretch the axis below the data
        ax.set_ylim(measured.min() / 10, measured.max() * 10)
    ax.set_xlabel("step size $h$")
    ax.set_ylabel("error of the estimate")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_curves(x, curves, *, xlabel: str, ylabel: str, hline=None, hline_label=None,
                logy: bool = False, ax: plt.Axes | None = None) -> Figure:
    """Several measured curves over a common x axis (loss curves, similarity against k).

    Parameters
    ----------
    x : (N,) x values shared by every curve.
    curves : dict ``{label: (N,) values}``; one line per entry, in order.
    xlabel, ylabel : axis labels.
    hline : optional y value of a dashed grey reference line (e.g. the chance level).
    hline_label : its legend label.
    logy : log scale on the y axis.
    ax : axes to draw into; a new figure is made when omitted.

    Returns the ``Figure``; each line carries its label as gid.
    """
    x = np.asarray(x, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
    else:
        fig = ax.figure
    markers = len(x) <= 25
    for i, (label, y) in enumerate(curves.items()):
        y = np.asarray(y, dtype=float)
        if y.shape != x.shape:
            raise ValueError(f"curves[{label!r}] has shape {y.shape}: expected {x.shape}")
        (line,) = ax.plot(x, y, linestyle=_LINE_STYLES[i % 4], label=label,
                          marker="o" if markers else None, markersize=4)
        line.set_gid(label)
    if hline is not None:
        ax.axhline(hline, color="grey", linestyle="--", linewidth=1, label=hline_label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
