"""A widget for the chapter on vanishing and exploding gradients.

``gradient_norm_explorer()`` shows ``||dL/dh_t||`` against the distance to the loss for
a random RNN, with the spectral radius of ``W_h`` and the sequence length as sliders.
It recomputes only while a kernel runs it; its static counterpart for the HTML book is
:func:`rnn_course.figures_gradients.plot_gradient_norm_grid`.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._validate import positive_int
from .figures_gradients import draw_gradient_norms
from .gradient_norms import gradient_norm_curve


class GradientNormExplorer(widgets.VBox):
    """Sliders ``rho`` and ``T`` above the curve ``||dL/dh_t||`` they give.

    Children: ``rho_slider`` (``FloatSlider``), ``T_slider`` (``IntSlider``), ``caption``
    (``HTML``: the ratio between the first and the last step) and ``image`` (a PNG).
    ``norms`` is the curve on display, (T,), entry ``t - 1`` for ``h_t``.
    """

    def __init__(self, rho=1.0, T=50, *, hidden_size=32, rng=0, max_T=200):
        max_T = positive_int("max_T", max_T)
        T = positive_int("T", T)
        if not 2 <= T <= max_T:
            raise ValueError(f"T must be from 2 to max_T={max_T}, got {T}")
        if not 0.05 <= rho <= 3.0:
            raise ValueError(f"rho must be from 0.05 to 3.0, got {rho!r}")
        self.hidden_size = hidden_size
        self.seed = rng
        self.rho_slider = widgets.FloatSlider(
            value=rho, min=0.05, max=3.0, step=0.05, description="ρ of W_h",
            continuous_update=False, layout=widgets.Layout(width="420px"))
        self.T_slider = widgets.IntSlider(
            value=T, min=2, max=max_T, step=1, description="T",
            continuous_update=False, layout=widgets.Layout(width="420px"))
        self.caption = widgets.HTML()
        self.image = widgets.Image(format="png")
        super().__init__([self.rho_slider, self.T_slider, self.caption, self.image])
        self.rho_slider.observe(self._on_change, names="value")
        self.T_slider.observe(self._on_change, names="value")
        self._render()

    @property
    def rho(self) -> float:
        return float(self.rho_slider.value)

    @property
    def T(self) -> int:
        return int(self.T_slider.value)

    def _on_change(self, change) -> None:
        self._render()

    def _render(self) -> None:
        self.norms = gradient_norm_curve(self.rho, self.T, hidden_size=self.hidden_size,
                                         rng=self.seed)
        ratio = self.norms[0] / self.norms[-1]
        self.caption.value = (
            f"<b>ρ = {self.rho:.2f}, T = {self.T}</b> &nbsp;·&nbsp; "
            f"‖∂L/∂h<sub>1</sub>‖ / ‖∂L/∂h<sub>T</sub>‖ = {ratio:.2e}"
        )
        fig = Figure(figsize=(6.4, 3.6))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        draw_gradient_norms(ax, self.norms, label="measured", guide_rho=self.rho)
        ax.plot([], [], linestyle=":", color="C0", label=r"$\rho^{T-t}$")
        ax.axhline(1.0, color="grey", linewidth=0.6)
        ax.set_ylim(min(1e-20, self.norms.min() / 10), max(1e10, self.norms.max() * 10))
        ax.set_xlabel("distance to the loss, $T - t$")
        ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        self.image.value = buffer.getvalue()


def gradient_norm_explorer(rho=1.0, T=50, *, hidden_size=32, rng=0) -> GradientNormExplorer:
    """A widget: move ``rho`` (spectral radius of ``W_h``) and ``T``, watch ``||dL/dh_t||``.

    Each setting draws a random RNN with :func:`rnn_course.gradient_norms.gradient_norm_curve`
    (the same seed for every setting, so only ``rho`` and ``T`` change). Display it in
    Jupyter; the static counterpart is
    :func:`rnn_course.figures_gradients.plot_gradient_norm_grid`.
    """
    return GradientNormExplorer(rho, T, hidden_size=hidden_size, rng=rng)
