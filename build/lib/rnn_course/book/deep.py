"""Chapter 5, deep and bidirectional RNNs: the unrolled diagram, and what each output reads.

- :func:`plot_deep_bidirectional`: a stack of bidirectional layers unrolled over time,
  each row of cells labelled with its equation;
- :func:`input_dependence`: how strongly each output ``y_t`` of a layer or stack depends
  on each input ``x_s`` (from the backward pass), and :func:`plot_dependence` to draw
  several such maps side by side.

Import from here (``from rnn_course.book.deep import plot_deep_bidirectional``).

Book: chapter 5, deep and bidirectional RNNs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .._validate import integer
from .plotting import CELL, EDGE, HIDDEN, INPUT, OUTPUT, STATE, diagram_arrow, diagram_box

_W, _H = 0.9, 0.5


def plot_deep_bidirectional(T: int = 4, num_layers: int = 2) -> Figure:
    """Draw ``num_layers`` bidirectional layers unrolled over ``T`` steps.

    Each layer has a forwards row (states passed left to right) and a backwards row
    (right to left); both read the layer's inputs, and the layer's output ``y_t`` joins
    the two states of step ``t`` and is the next layer's input.

    Parameters
    ----------
    T : steps to draw, 2 to 6.
    num_layers : layers to draw, 1 to 3.

    Returns
    -------
    Figure
        Cells ``"fwd-<l>-<t>"`` and ``"bwd-<l>-<t>"`` (layers and steps from 1), joins
        ``"y-<l>-<t>"``, inputs ``"x-<t>"``; the equation of each row is a text with gid
        ``"equation-fwd-<l>"``, ``"equation-bwd-<l>"`` or ``"equation-y-<l>"``.
    """
    T = integer("T", T, low=2, high=6)
    L = integer("num_layers", num_layers, low=1, high=3)
    step, band = 1.9, 2.6
    fig, ax = plt.subplots(figsize=(1.75 * T + 6.0, 1.9 * L + 1.4))
    for t in range(1, T + 1):
        diagram_box(ax, t * step, 0.0, 0.7, 0.45, INPUT, rf"$x_{{{t}}}$", fontsize=11, gid=f"x-{t}")
    for layer in range(1, L + 1):
        base = (layer - 1) * band
        fwd_y, bwd_y, out_y = base + 0.9, base + 1.6, base + 2.3
        for t in range(1, T + 1):
            x = t * step
            below = 0.22 if layer == 1 else base - band + 2.3 + 0.21  # x_t, or y_t of the layer below
            diagram_box(ax, x + 0.35, fwd_y, _W * 0.7, _H, CELL, r"$\rightarrow$", fontsize=11,
                        gid=f"fwd-{layer}-{t}")
            diagram_box(ax, x - 0.35, bwd_y, _W * 0.7, _H, CELL, r"$\leftarrow$", fontsize=11,
                        gid=f"bwd-{layer}-{t}")
            top = out_y
            diagram_box(ax, x, top, 0.9, 0.42, OUTPUT, rf"$y^{{({layer})}}_{{{t}}}$", fontsize=10,
                        gid=f"y-{layer}-{t}")
            # inputs of this step to both directions, states up to y
            diagram_arrow(ax, (x + 0.35, below), (x + 0.35, fwd_y - _H / 2), colour=EDGE)
            diagram_arrow(ax, (x - 0.35, below), (x - 0.35, bwd_y - _H / 2), colour=EDGE)
            diagram_arrow(ax, (x + 0.35, fwd_y + _H / 2), (x + 0.12, top - 0.21), colour=STATE)
            diagram_arrow(ax, (x - 0.35, bwd_y + _H / 2), (x - 0.12, top - 0.21), colour=HIDDEN)
            if t < T:  # the forwards state to the right, the backwards state to the left
                diagram_arrow(ax, (x + 0.67, fwd_y), (x + step + 0.03, fwd_y), colour=STATE)
                diagram_arrow(ax, (x + step - 0.67, bwd_y), (x - 0.03, bwd_y), colour=HIDDEN)
        ax.text(0.75, (fwd_y + bwd_y) / 2, f"layer {layer}", ha="right", va="center",
                fontsize=11, style="italic", rotation=90)
        right = T * step + 1.0
        ax.text(right, fwd_y, rf"$\overrightarrow{{h}}^{{({layer})}}_t = \tanh(W_h "
                rf"\overrightarrow{{h}}^{{({layer})}}_{{t-1}} + W_x x^{{({layer})}}_t + b_h)$",
                ha="left", va="center", fontsize=11, color=STATE, gid=f"equation-fwd-{layer}")
        ax.text(right, bwd_y, rf"$\overleftarrow{{h}}^{{({layer})}}_t = \tanh(W_h' "
                rf"\overleftarrow{{h}}^{{({layer})}}_{{t+1}} + W_x' x^{{({layer})}}_t + b_h')$",
                ha="left", va="center", fontsize=11, color=HIDDEN, gid=f"equation-bwd-{layer}")
        reads = "x_t" if layer == 1 else rf"y^{{({layer - 1})}}_t"
        ax.text(right, out_y, rf"$y^{{({layer})}}_t = [\overrightarrow{{h}}^{{({layer})}}_t ; "
                rf"\overleftarrow{{h}}^{{({layer})}}_t]$,  layer {layer} reads ${reads}$",
                ha="left", va="center", fontsize=11, gid=f"equation-y-{layer}")
    ax.set_xlim(0.2, T * step + 7.2)
    ax.set_ylim(-0.5, L * band)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def input_dependence(backward, cache, T: int, width: int) -> np.ndarray:
    """``(T, T)`` map of how much each output depends on each input: entry ``[t, s]`` is
    ``|d sum(y_t) / d x_s|`` summed over the input's entries, for one sequence.

    ``backward(dY, cache)`` is the backward function whose first result is ``dX`` (for
    example :func:`~rnn_course.bidirectional_backward`), ``width`` the size of ``y_t``.
    """
    T = integer("T", T, low=1)
    rows = []
    for t in range(T):
        dY = np.zeros((T, width))
        dY[t] = 1.0
        rows.append(np.abs(backward(dY, cache)[0]).sum(axis=-1))
    return np.array(rows)


def plot_dependence(maps, *, floor: float = 1e-6) -> Figure:
    """Maps of :func:`input_dependence` side by side, on one logarithmic colour scale.

    Parameters
    ----------
    maps : dict ``{title: (T, T) array}``, 1 to 4 entries.
    floor : the smallest value shown; zeros (no dependence at all) are drawn white.

    Returns
    -------
    Figure
        One axes per map (labelled with its title), then the colour bar (``"colorbar"``).
    """
    if not isinstance(maps, dict) or not 1 <= len(maps) <= 4:
        raise ValueError("maps must be a dict of 1 to 4 {title: (T, T) array}")
    arrays = {k: np.asarray(v, dtype=float) for k, v in maps.items()}
    for title, a in arrays.items():
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"maps[{title!r}] has shape {a.shape}: expected (T, T)")
    top = max(a.max() for a in arrays.values())
    norm = LogNorm(vmin=floor, vmax=max(top, 10 * floor))
    cmap = plt.get_cmap("viridis").with_extremes(bad="white", under="white")
    fig, axes = plt.subplots(1, len(arrays), figsize=(3.4 * len(arrays) + 1.2, 3.4),
                             squeeze=False, constrained_layout=True)
    for ax, (title, a) in zip(axes[0], arrays.items()):
        T = a.shape[0]
        shown = np.where(a > 0, a, np.nan)
        image = ax.imshow(shown, cmap=cmap, norm=norm, origin="upper",
                          extent=(0.5, T + 0.5, T + 0.5, 0.5), interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("input $x_s$, step $s$")
        ax.set_ylabel("output $y_t$, step $t$")
        ax.set_label(title)
    bar = fig.colorbar(image, ax=list(axes[0]), shrink=0.9)
    bar.ax.set_label("colorbar")
    bar.set_label(r"$|\partial y_t / \partial x_s|$", fontsize=10)
    return fig
