"""Chapter 3, vanishing and exploding gradients: its figures and its widget.

- :func:`plot_gradient_norms`, :func:`plot_gradient_norm_grid` and the widget
  :func:`gradient_norm_explorer`: ``||dL/dh_t||`` against the distance to the loss, for
  several spectral radii of ``W_h`` (3.1, products of Jacobians);
- :func:`plot_clipping_2d`: a gradient clipped by value and by norm (3.2, gradient clipping).

Import from here (``from rnn_course.book.gradients import plot_gradient_norm_grid``). The
widget recomputes only while a kernel runs it; the grid is its static counterpart.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .._validate import integer, real
from ..training.gradient_norms import gradient_norm_curve
from .plotting import PictureWidget, figure_and_axes, line_style


def _list(name: str, values, *, most: int, check) -> list:
    """1 to ``most`` values, each passed through ``check(f"{name}[i]", value)``."""
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a list of numbers, got {values!r}") from None
    if not 1 <= len(values) <= most:
        raise ValueError(f"{name} must hold 1 to {most} numbers, got {values!r}")
    return [check(f"{name}[{i}]", v) for i, v in enumerate(values)]


def draw_gradient_norms(ax, norms, *, label=None, guide_rho=None, **style) -> None:
    """One curve ``||dL/dh_t||`` against the distance ``T - t`` to the loss, on a log axis.

    ``norms`` is (T,), entry ``t - 1`` for ``h_t``. With ``guide_rho``, a thin dotted line
    ``rho**(T - t)`` (how a linear RNN would scale) starts from the same point.
    """
    norms = np.asarray(norms, dtype=float)
    distance = np.arange(len(norms))[::-1]          # T - t for t = 1..T
    (line,) = ax.semilogy(distance, norms, label=label, **style)
    if label is not None:
        line.set_gid(label)
    if guide_rho is not None and guide_rho > 0:
        ax.semilogy(distance, norms[-1] * float(guide_rho) ** distance, linestyle=":",
                    linewidth=0.8, color=line.get_color())


def plot_gradient_norms(curves, *, guides=None, title=None, ax=None) -> Figure:
    """Several gradient-norm curves on one log axis.

    Parameters
    ----------
    curves : dict ``{label: (T,) norms}``, ``norms[t - 1] = ||dL/dh_t||``.
    guides : optional dict ``{label: rho}``: a dotted ``rho**(T - t)`` line for that curve.
    title : optional axes title.
    ax : axes to draw into; a new figure is made when omitted.

    Returns
    -------
    Figure
        Each measured line carries its label as gid.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict {label: norms}")
    fig, ax = figure_and_axes(ax, (6.4, 4.2))
    for i, (label, norms) in enumerate(curves.items()):
        rho = (guides or {}).get(label)
        draw_gradient_norms(ax, norms, label=label, guide_rho=rho, linestyle=line_style(i))
    ax.set_xlabel("distance to the loss, $T - t$ (steps)")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    if title:
        ax.set_title(title, fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_gradient_norm_grid(rhos, Ts, *, hidden_size=32, rng=0) -> Figure:
    """A grid of gradient-norm curves: one row per spectral radius, one column per length.

    The static counterpart of :func:`gradient_norm_explorer`: each panel is what the
    widget shows for that ``(rho, T)``.

    Parameters
    ----------
    rhos : 1 to 6 spectral radii of ``W_h`` (positive).
    Ts : 1 to 6 sequence lengths (integers >= 2).
    hidden_size : H of the random RNNs.
    rng : seed; the same seed for every panel.

    Returns
    -------
    Figure
        ``len(rhos) * len(Ts)`` axes, labelled ``"rho=<rho>,T=<T>"``.
    """
    rhos = _list("rhos", rhos, most=6, check=lambda n, v: real(n, v, low=0.0, low_open=True))
    Ts = _list("Ts", Ts, most=6, check=lambda n, v: integer(n, v, low=2))
    fig, axes = plt.subplots(len(rhos), len(Ts), figsize=(2.3 * len(Ts) + 0.8,
                             1.9 * len(rhos) + 0.6), sharey=True, squeeze=False)
    for i, rho in enumerate(rhos):
        for j, T in enumerate(Ts):
            ax = axes[i, j]
            norms = gradient_norm_curve(rho, T, hidden_size=hidden_size, rng=rng)
            draw_gradient_norms(ax, norms, guide_rho=rho, color=f"C{i}")
            ax.axhline(1.0, color="grey", linewidth=0.6)
            ax.set_label(f"rho={rho},T={T}")
            ax.grid(True, which="major", alpha=0.3)
            ax.tick_params(labelsize=8)
            if i == 0:
                ax.set_title(f"$T = {T}$", fontsize=10)
            if j == 0:
                ax.set_ylabel(rf"$\rho = {rho}$", fontsize=10)
            if i == len(rhos) - 1:
                ax.set_xlabel("$T - t$", fontsize=9)
    axes[0, 0].set_ylim(1e-18, 1e12)
    axes[0, 0].set_yticks([1e-15, 1e-10, 1e-5, 1, 1e5, 1e10])
    fig.tight_layout()
    return fig


def plot_clipping_2d(g, threshold, *, ax=None) -> Figure:
    """A 2-D gradient ``g`` and its two clipped versions, drawn as arrows from the origin.

    Clipping by value moves each component into ``[-threshold, threshold]``; clipping by
    norm shortens the whole vector to length ``threshold``. Arrows carry the gids
    ``"original"``, ``"by value"`` and ``"by norm"``.
    """
    g = np.asarray(g, dtype=float)
    if g.shape != (2,):
        raise ValueError(f"g has shape {g.shape}: expected (2,)")
    threshold = real("threshold", threshold, low=0.0, low_open=True)
    by_value = np.clip(g, -threshold, threshold)
    norm = np.linalg.norm(g)
    by_norm = g * min(1.0, threshold / norm) if norm else g
    fig, ax = figure_and_axes(ax, (4.8, 4.2))
    ax.add_patch(plt.Rectangle((-threshold, -threshold), 2 * threshold, 2 * threshold,
                               fill=False, linestyle="--", edgecolor="C1", linewidth=1))
    ax.add_patch(plt.Circle((0, 0), threshold, fill=False, linestyle=":",
                            edgecolor="C2", linewidth=1))
    for vec, label, colour in ((g, "original", "#333333"), (by_value, "by value", "C1"),
                               (by_norm, "by norm", "C2")):
        arrow = ax.annotate("", xy=vec, xytext=(0, 0),
                            arrowprops=dict(arrowstyle="-|>", color=colour, lw=2))
        arrow.set_gid(label)
        ax.plot([], [], color=colour, lw=2, label=label)
    lim = 1.15 * max(np.abs(g).max(), threshold)
    ax.set_xlim(-0.3 * lim, lim)
    ax.set_ylim(-0.3 * lim, lim)
    ax.set_aspect("equal")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("$g_1$")
    ax.set_ylabel("$g_2$")
    ax.legend(fontsize=9, loc="upper left")
    fig.tight_layout()
    return fig


class GradientNormExplorer(PictureWidget):
    """Sliders ``rho`` and ``T`` above the curve ``||dL/dh_t||`` they give.

    Children: ``rho_slider`` (``FloatSlider``), ``T_slider`` (``IntSlider``), ``caption``
    (``HTML``: the ratio between the first and the last step) and ``image`` (a PNG).
    ``norms`` is the curve on display, (T,), entry ``t - 1`` for ``h_t``.
    """

    def __init__(self, rho=1.0, T=50, *, hidden_size=32, rng=0, max_T=200):
        max_T = integer("max_T", max_T, low=2)
        T = integer("T", T, low=2, high=max_T)
        rho = real("rho", rho, low=0.05, high=3.0)
        self.hidden_size = hidden_size
        self.seed = rng
        self.rho_slider = widgets.FloatSlider(
            value=rho, min=0.05, max=3.0, step=0.05, description="ρ of W_h",
            continuous_update=False, layout=widgets.Layout(width="420px"))
        self.T_slider = widgets.IntSlider(
            value=T, min=2, max=max_T, step=1, description="T",
            continuous_update=False, layout=widgets.Layout(width="420px"))
        sliders = [self.rho_slider, self.T_slider]
        super().__init__(sliders, sliders, figsize=(6.4, 3.6))

    @property
    def rho(self) -> float:
        return float(self.rho_slider.value)

    @property
    def T(self) -> int:
        return int(self.T_slider.value)

    def draw(self, fig: Figure) -> str:
        self.norms = gradient_norm_curve(self.rho, self.T, hidden_size=self.hidden_size,
                                         rng=self.seed)
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
        ratio = self.norms[0] / self.norms[-1]
        return (
            f"<b>ρ = {self.rho:.2f}, T = {self.T}</b> &nbsp;·&nbsp; "
            f"‖∂L/∂h<sub>1</sub>‖ / ‖∂L/∂h<sub>T</sub>‖ = {ratio:.2e}"
        )


def gradient_norm_explorer(rho=1.0, T=50, *, hidden_size=32, rng=0) -> GradientNormExplorer:
    """A widget: move ``rho`` (spectral radius of ``W_h``) and ``T``, watch ``||dL/dh_t||``.

    Each setting draws a random RNN with :func:`~rnn_course.training.gradient_norms.gradient_norm_curve`
    (the same seed for every setting, so only ``rho`` and ``T`` change). Display it in
    Jupyter; the static counterpart is :func:`plot_gradient_norm_grid`.
    """
    return GradientNormExplorer(rho, T, hidden_size=hidden_size, rng=rng)
