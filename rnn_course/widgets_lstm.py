"""The LSTM chapter's widget: gate values as sliders, the cell and hidden state they give.

Import from here (``from rnn_course.widgets_lstm import gate_explorer``). The widget
recomputes only while a kernel runs it; its static counterpart for the HTML book is
:func:`rnn_course.figures_lstm.plot_gate_settings`.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .figures_lstm import _int_in, _unit_interval, draw_gate_trajectory, gate_trajectory


class GateExplorer(widgets.VBox):
    """Four sliders (``f``, ``i``, ``o`` and the candidate ``C̃``) above a plot of one
    unit's ``C_t`` and ``h_t`` over a few steps, every gate held at its slider's value.

    Children: one ``HBox`` of the four ``FloatSlider`` s (also the attributes ``f``,
    ``i``, ``o``, ``c_tilde``), ``caption`` (an ``HTML`` line with the last ``C_t`` and
    ``h_t``) and ``image`` (a PNG). ``cs`` and ``hs`` hold the states on display.
    """

    def __init__(self, f=0.9, i=0.5, o=1.0, c_tilde=0.5, *, steps=6, c0=1.0):
        self.steps = _int_in("steps", steps, 1, 50)
        self.c0 = _unit_interval("c0", c0, -5.0, 5.0)
        layout = widgets.Layout(width="230px")

        def slider(name, value, low):
            value = _unit_interval(name, value, low, 1.0)
            return widgets.FloatSlider(value=value, min=low, max=1.0, step=0.05,
                                       description=name, continuous_update=True,
                                       readout_format=".2f", layout=layout)

        self.f = slider("f", f, 0.0)
        self.i = slider("i", i, 0.0)
        self.o = slider("o", o, 0.0)
        self.c_tilde = slider("c_tilde", c_tilde, -1.0)
        self.c_tilde.description = "C̃"
        self.caption = widgets.HTML()
        self.image = widgets.Image(format="png")
        sliders = widgets.HBox([self.f, self.i, self.o, self.c_tilde])
        super().__init__([sliders, self.caption, self.image])
        for s in (self.f, self.i, self.o, self.c_tilde):
            s.observe(self._on_change, names="value")
        self._render()

    def _on_change(self, change) -> None:
        self._render()

    def _render(self) -> None:
        f, i, o, c_tilde = (float(s.value) for s in (self.f, self.i, self.o, self.c_tilde))
        self.cs, self.hs = gate_trajectory(f, i, o, c_tilde, steps=self.steps, c0=self.c0)
        T = self.steps
        self.caption.value = (
            f"C<sub>t</sub> = {f:.2f}·C<sub>t−1</sub> + {i:.2f}·{c_tilde:.2f} "
            f"&nbsp;·&nbsp; C<sub>{T}</sub> = {self.cs[-1]:.3f} &nbsp;·&nbsp; "
            f"h<sub>{T}</sub> = {self.hs[-1]:.3f}"
        )
        fig = Figure(figsize=(6.0, 3.0))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        draw_gate_trajectory(ax, self.cs, self.hs, title=f"one unit, from $C_0 = {self.c0}$",
                             ylim=(-max(2.2, np.abs(self.cs).max() * 1.1),
                                   max(2.2, np.abs(self.cs).max() * 1.1)))
        ax.legend(fontsize=8, loc="lower left")
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.17, top=0.88)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        self.image.value = buffer.getvalue()


def gate_explorer(f=0.9, i=0.5, o=1.0, c_tilde=0.5, *, steps=6, c0=1.0) -> GateExplorer:
    """A widget to set the gates by hand and watch ``C_t`` and ``h_t`` respond.

    Parameters
    ----------
    f, i, o : starting values of the forget, input and output gates, in [0, 1].
    c_tilde : starting value of the candidate memory, in [-1, 1].
    steps : number of steps drawn, 1 to 50.
    c0 : the cell state ``C_0`` before the first step, in [-5, 5].

    Returns
    -------
    A :class:`GateExplorer` (an ``ipywidgets.VBox``); display it in Jupyter.
    """
    return GateExplorer(f, i, o, c_tilde, steps=steps, c0=c0)
