"""Chapter 1, stepping through a sequence: the hidden state of one sequence, step by step.

- :func:`hidden_states_of`: the states ``h_1 .. h_T`` of one sequence;
- :func:`draw_hidden_state_heatmap` and :func:`draw_hidden_state_bars`: every state as a
  heat map, and one state as bars;
- :func:`plot_hidden_state_steps` and the widget :func:`hidden_state_stepper`: both, at
  a few steps side by side or one step under a slider.

Import from here (``from rnn_course.book.stepping import hidden_state_stepper``). A widget
recomputes only while a kernel runs it, so the HTML book shows the static figure next to it.

Book: 1.4, stepping through a sequence.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..layers.rnn import rnn_forward
from .alt_text import curve, describe, number
from .plotting import EDGE, HIDDEN, STATE, PictureWidget, one_sequence, slider_with_box


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
    describe(ax, _heatmap_words(hs, upto, labels, marks))


def _heatmap_words(hs, upto, labels, marks) -> str:
    T, H = hs.shape
    shown = np.linalg.norm(hs if upto is None else hs[:upto], axis=1)
    return "; ".join(
        [f"Heat map of the hidden states, one column per step t from 1 to {T}, one row per "
         f"unit ({H} units), each coloured by its value from -1 (blue) to 1 (red)"]
        + ([f"the inputs, in order: {' '.join(labels)}"] if labels is not None else [])
        + ([f"steps after {upto} not read yet (grey)"] if upto is not None and upto < T else [])
        + ([f"framed: steps {', '.join(map(str, marks))}"] if len(marks) else [])
        + [curve("the size of the state, ‖h_t‖,", np.arange(1, len(shown) + 1), shown, at="step ")])


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
    low, high = int(np.argmin(h_t)), int(np.argmax(h_t))
    describe(ax, f"bars of the {H} units of h_{t}: all 0" if not np.any(h_t) else
             f"bars of the {H} units of h_{t}, from {number(h_t[low])} (unit {low + 1}) to "
             f"{number(h_t[high])} (unit {high + 1}); ‖h_{t}‖ = {number(np.linalg.norm(h_t))}")


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

    Children: a row with a number box labelled "step t" and ``slider`` (an ``IntSlider``
    from 1 to T, the two linked; see :func:`~rnn_course.book.plotting.slider_with_box`),
    ``caption`` (an ``HTML`` line
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
        row = slider_with_box(self.slider, "step t",
                              "the step t: the picture shows the network after reading x_1 … x_t")
        super().__init__([row], [self.slider], figsize=(9.0, 3.4))

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
