"""Figures for the GRU chapter, drawn with matplotlib.

Import from here (``from rnn_course.figures_gru import plot_loss_panels``); the package's
top level does not import matplotlib.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

_STYLES = ("-", "--", "-.", ":")


def moving_average(values, window: int) -> np.ndarray:
    """Mean of each run of ``window`` consecutive values: length ``len(values) - window + 1``."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"values has shape {values.shape}: expected one curve (N,)")
    if not isinstance(window, (int, np.integer)) or not 1 <= window <= len(values):
        raise ValueError(f"window must be an integer in [1, {len(values)}], got {window!r}")
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

    Returns the ``Figure``; each line's gid is ``"<title>: <label>"``.
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
            (line,) = ax.plot(x, y, linestyle=_STYLES[i % 4], linewidth=1.6, label=label)
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
