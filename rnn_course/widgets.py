"""Interactive views for Jupyter, built with ipywidgets.

Import from here (``from rnn_course.widgets import hidden_state_stepper``); the package's
top level imports neither ipywidgets nor matplotlib.

A widget recomputes only while a kernel runs it: in the static HTML book it would be a
frozen snapshot, so every widget here has a static counterpart in
:mod:`rnn_course.figures` (several settings side by side).
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .figures import (
    _check_labels,
    _shorten,
    draw_hidden_state_bars,
    draw_hidden_state_heatmap,
    hidden_states_of,
)


class HiddenStateStepper(widgets.VBox):
    """A slider for the step ``t`` above a picture of the network after reading ``x_1 .. x_t``.

    Children: ``slider`` (an ``IntSlider`` from 1 to T), ``caption`` (an ``HTML`` line
    with ``t``, the inputs read so far and the size of ``h_t``) and ``image`` (a PNG:
    the states ``h_1 .. h_t`` as a heat map, steps not read yet blank, and ``h_t`` as bars).
    Moving the slider redraws both; ``h_t`` is the state on display.
    """

    def __init__(self, hs: np.ndarray, labels: list[str] | None = None):
        self.hs = hs
        self.labels = labels
        T = hs.shape[0]
        self.slider = widgets.IntSlider(
            value=1, min=1, max=T, step=1, description="t",
            continuous_update=True, layout=widgets.Layout(width="420px"),
        )
        self.caption = widgets.HTML()
        self.image = widgets.Image(format="png")
        super().__init__([self.slider, self.caption, self.image])
        self.slider.observe(self._on_change, names="value")
        self._render(1)

    @property
    def t(self) -> int:
        """The step on display (1-based, as in ``h_t``)."""
        return int(self.slider.value)

    @property
    def h_t(self) -> np.ndarray:
        """The hidden state on display, ``hs[t - 1]``, shape (H,)."""
        return self.hs[self.t - 1]

    def _on_change(self, change) -> None:
        self._render(int(change["new"]))

    def _read(self, t: int) -> str:
        if self.labels is None:
            return f"x_1 … x_{t}" if t > 1 else "x_1"
        return " ".join(self.labels[:t])

    def _render(self, t: int) -> None:
        h_t = self.hs[t - 1]
        self.caption.value = (
            f"<b>t = {t}</b> of {self.hs.shape[0]} &nbsp;·&nbsp; read so far: "
            f"<code>{self._read(t)}</code> &nbsp;·&nbsp; "
            f"‖h<sub>{t}</sub>‖ = {np.linalg.norm(h_t):.3f}"
        )
        fig = Figure(figsize=(9.0, 3.4))
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(1, 2, width_ratios=(3.0, 1.0), wspace=0.25)
        heat = fig.add_subplot(grid[0, 0])
        draw_hidden_state_heatmap(heat, self.hs, upto=t, labels=self.labels, marks=(t,))
        heat.set_title(f"$h_1, \\dots, h_{{{t}}}$ (grey: not read yet)", fontsize=11)
        bars = fig.add_subplot(grid[0, 1])
        read = _shorten(self._read(t)) if self.labels is not None else ""
        draw_hidden_state_bars(bars, h_t, t, read=read)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.25, top=0.85)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        self.image.value = buffer.getvalue()


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
    A :class:`HiddenStateStepper` (an ``ipywidgets.VBox``); display it in Jupyter.
    The static counterpart for the HTML book is
    :func:`rnn_course.figures.plot_hidden_state_steps`.
    """
    hs = hidden_states_of(X, params, h0)
    return HiddenStateStepper(hs, _check_labels(labels, hs.shape[0]))
