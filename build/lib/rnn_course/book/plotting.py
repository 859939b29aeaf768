"""Plotting helpers shared by the chapters' figures and widgets.

- the book's colours and line styles, one copy (``LINE_STYLES``, ``STATE``, ...);
- :func:`figure_and_axes`: draw into the axes given, or into a new figure;
- :func:`plot_curves`: measured curves over a common x axis (losses, similarities);
- :func:`plot_loss_panels` and :func:`moving_average`: training curves side by side;
- :class:`PictureWidget`: the frame of every widget (controls, a caption, a PNG that is
  redrawn when a control moves), with :func:`figure_to_png`;
- :func:`diagram_box`, :func:`diagram_node` and :func:`diagram_arrow`: the boxes, the
  operation circles and the labelled arrows of the network diagrams (chapters 1, 4, 5).

Book: every chapter (the curves of chapters 2 to 4, the training curves of chapter 5).
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .._validate import integer

#: One line style per curve, in order (the figures must read in grey-scale too).
LINE_STYLES = ("-", "--", "-.", ":")
#: Colours: inputs, cells, outputs, edges, the state (and the cell state C_t), and the
#: hidden state h_t of the LSTM (also negative values in bar charts).
INPUT, CELL, OUTPUT, EDGE, STATE, HIDDEN = (
    "#dbe9f6", "#fde8c8", "#e3f1de", "#333333", "#b5541c", "#2b6ca3")


def line_style(i: int) -> str:
    """The line style of the ``i``-th curve of a plot."""
    return LINE_STYLES[i % len(LINE_STYLES)]


def figure_and_axes(ax, figsize: tuple[float, float]):
    """``(figure, axes)``: ``ax`` and its figure, or a new figure of ``figsize`` with one axes."""
    if ax is None:
        return plt.subplots(figsize=figsize)
    return ax.figure, ax


def one_sequence(X, params, key: str, holding: str) -> tuple[np.ndarray, int]:
    """``X`` as one float sequence (T, D) and the hidden size H read from ``params[key]``.

    A figure of states draws one sequence: a batch (T, B, D) is a ``ValueError`` naming
    ``X``; ``params`` without ``key`` a ``TypeError`` saying what it must hold.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}: expected one sequence (T, D), "
                         f"not a batch; pass X[:, b] for sequence b")
    if not isinstance(params, dict) or key not in params:
        raise TypeError(f"params must be a dict holding {holding}")
    return X, np.asarray(params[key]).shape[0]


def figure_to_png(fig: Figure, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (what a widget's ``Image`` shows)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class PictureWidget(widgets.VBox):
    """Controls above a caption (``HTML``) and a picture (a PNG ``Image``).

    Subclasses set what ``draw`` needs, then call ``super().__init__(controls, watch,
    figsize)``: ``controls`` are the widgets shown above the picture, ``watch`` the ones
    whose ``value`` triggers a redraw. ``draw(fig)`` draws into a new ``Figure`` and
    returns the caption's HTML. Children: ``(*controls, caption, image)``.
    """

    def __init__(self, controls, watch, figsize: tuple[float, float]):
        self.figsize = figsize
        self.caption = widgets.HTML()
        self.image = widgets.Image(format="png")
        super().__init__([*controls, self.caption, self.image])
        for control in watch:
            control.observe(self._on_change, names="value")
        self._render()

    def draw(self, fig: Figure) -> str:  # pragma: no cover - every widget overrides it
        raise NotImplementedError

    def _on_change(self, change) -> None:
        self._render()

    def _render(self) -> None:
        fig = Figure(figsize=self.figsize)
        FigureCanvasAgg(fig)  # no pyplot: nothing is shown or kept open
        self.caption.value = self.draw(fig)
        self.image.value = figure_to_png(fig)


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

    Returns
    -------
    Figure
        Each line carries its label as gid.
    """
    x = np.asarray(x, dtype=float)
    fig, ax = figure_and_axes(ax, (6.4, 4.0))
    markers = len(x) <= 25
    for i, (label, y) in enumerate(curves.items()):
        y = np.asarray(y, dtype=float)
        if y.shape != x.shape:
            raise ValueError(f"curves[{label!r}] has shape {y.shape}: expected {x.shape}")
        (line,) = ax.plot(x, y, linestyle=line_style(i), label=label,
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


def moving_average(values, window: int) -> np.ndarray:
    """Mean of each run of ``window`` consecutive values: length ``len(values) - window + 1``."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"values has shape {values.shape}: expected one curve (N,)")
    window = integer("window", window, low=1, high=len(values))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def plot_loss_panels(panels, *, window: int = 20, xlabel: str = "training step") -> Figure:
    """Training curves side by side, one panel per task, one line per model.

    Parameters
    ----------
    panels : dict ``{title: {"curves": {label: (N,) losses}, "ylabel": str,
        "baseline": optional float, "baseline_label": optional str, "logy": bool}}``.
        Curves in one panel share their length N.
    window : moving-average window applied to every curve (1 draws the raw losses).
    xlabel : label of every x axis.

    Returns
    -------
    Figure
        Each line's gid is ``"<title>: <label>"``.
    """
    if not panels:
        raise ValueError("panels is empty: expected at least one {title: panel}")
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, (title, panel) in zip(axes[0], panels.items()):
        curves = panel.get("curves")
        if not curves:
            raise ValueError(f"panels[{title!r}] has no curves")
        for i, (label, losses) in enumerate(curves.items()):
            y = moving_average(losses, window)
            x = np.arange(window, window + len(y))
            (line,) = ax.plot(x, y, linestyle=line_style(i), linewidth=1.6, label=label)
            line.set_gid(f"{title}: {label}")
        if panel.get("baseline") is not None:
            ax.axhline(panel["baseline"], color="grey", linestyle="--", linewidth=1,
                       label=panel.get("baseline_label"))
        if panel.get("logy"):
            ax.set_yscale("log")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(panel.get("ylabel", "loss"))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# diagrams: boxes, operation circles and labelled arrows


def diagram_box(ax, x, y, w, h, colour, text, *, fontsize=13, gid=None) -> FancyBboxPatch:
    """A rounded box of size ``w`` x ``h`` centred on ``(x, y)``, with ``text`` inside."""
    patch = FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h,
        boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=colour, edgecolor=EDGE, linewidth=1.4, gid=gid, zorder=3,
    )
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)
    return patch


def diagram_node(ax, x, y, text, *, radius=0.22, colour="white", fontsize=12,
                 gid=None) -> Circle:
    """A circle centred on ``(x, y)`` holding an operation (``×``, ``+``, ``tanh``, ...)."""
    patch = Circle((x, y), radius, facecolor=colour, edgecolor=EDGE, linewidth=1.4,
                   gid=gid, zorder=3)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)
    return patch


def diagram_arrow(ax, start, end, *, via=(), colour=EDGE, label=None, label_at=None,
                  label_offset=(0.0, 0.0), ha="center", connectionstyle="arc3", fontsize=12,
                  gid=None) -> FancyArrowPatch:
    """An arrow from ``start`` to ``end``, through the corners ``via`` (right angles), with an
    optional ``label`` (at ``label_at``, or the middle of the first segment plus
    ``label_offset``). The arrow's gid is ``gid``; its label's gid is ``"label-" + gid``."""
    points = [start, *via, end]
    if via:
        codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        arrow = FancyArrowPatch(path=Path(points, codes), arrowstyle="-|>", mutation_scale=14,
                                linewidth=1.4, color=colour, gid=gid, zorder=2)
    else:
        arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.4,
                                color=colour, connectionstyle=connectionstyle, shrinkA=0,
                                shrinkB=0, gid=gid, zorder=2)
    ax.add_patch(arrow)
    if label is not None:
        if label_at is None:
            label_at = ((points[0][0] + points[1][0]) / 2 + label_offset[0],
                        (points[0][1] + points[1][1]) / 2 + label_offset[1])
        ax.text(*label_at, label, ha=ha, va="center", fontsize=fontsize, color=colour,
                gid=None if gid is None else f"label-{gid}", zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85})
    return arrow
