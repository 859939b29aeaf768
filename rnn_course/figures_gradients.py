"""Figures for the chapter on vanishing and exploding gradients.

Import from here (``from rnn_course.figures_gradients import plot_gradient_norm_grid``);
the package's top level does not import matplotlib.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .gradient_norms import gradient_norm_curve

_LINE_STYLES = ("-", "--", "-.", ":")


def _positive_numbers(name: str, values) -> list[float]:
    try:
        values = [v for v in values]
    except TypeError:
        raise TypeError(f"{name} must be a list of numbers, got {values!r}") from None
    ok = all(isinstance(v, (int, float, np.integer, np.floating))
             and not isinstance(v, bool) and v > 0 for v in values)
    if not values or not ok:
        raise ValueError(f"{name} must be a non-empty list of positive numbers, got {values!r}")
    return values


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

    Returns the ``Figure``; each measured line carries its label as gid.
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict {label: norms}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
    else:
        fig = ax.figure
    for i, (label, norms) in enumerate(curves.items()):
        rho = (guides or {}).get(label)
        draw_gradient_norms(ax, norms, label=label, guide_rho=rho,
                            linestyle=_LINE_STYLES[i % 4])
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

    The static counterpart of :func:`rnn_course.widgets_gradients.gradient_norm_explorer`:
    each panel is what the widget shows for that ``(rho, T)``.

    Parameters
    ----------
    rhos : 1 to 6 spectral radii of ``W_h`` (positive).
    Ts : 1 to 6 sequence lengths (integers >= 2).
    hidden_size : H of the random RNNs.
    rng : seed; the same seed for every panel.

    Returns a ``Figure`` with ``len(rhos) * len(Ts)`` axes, labelled ``"rho=<rho>,T=<T>"``.
    """
    rhos = _positive_numbers("rhos", rhos)
    Ts = _positive_numbers("Ts", Ts)
    if len(rhos) > 6:
        raise ValueError(f"rhos has {len(rhos)} entries: at most 6 rows fit")
    if len(Ts) > 6:
        raise ValueError(f"Ts has {len(Ts)} entries: at most 6 columns fit")
    if any(int(T) != T or T < 2 for T in Ts):
        raise ValueError(f"Ts must hold integers >= 2, got {Ts!r}")
    fig, axes = plt.subplots(len(rhos), len(Ts), figsize=(2.3 * len(Ts) + 0.8,
                             1.9 * len(rhos) + 0.6), sharey=True, squeeze=False)
    for i, rho in enumerate(rhos):
        for j, T in enumerate(Ts):
            ax = axes[i, j]
            norms = gradient_norm_curve(rho, int(T), hidden_size=hidden_size, rng=rng)
            draw_gradient_norms(ax, norms, guide_rho=rho, color=f"C{i}")
            ax.axhline(1.0, color="grey", linewidth=0.6)
            ax.set_label(f"rho={rho},T={int(T)}")
            ax.grid(True, which="major", alpha=0.3)
            ax.tick_params(labelsize=8)
            if i == 0:
                ax.set_title(f"$T = {int(T)}$", fontsize=10)
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
    if not threshold > 0:
        raise ValueError(f"threshold must be positive, got {threshold!r}")
    by_value = np.clip(g, -threshold, threshold)
    norm = np.linalg.norm(g)
    by_norm = g * min(1.0, threshold / norm) if norm else g
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.8, 4.2))
    else:
        fig = ax.figure
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
