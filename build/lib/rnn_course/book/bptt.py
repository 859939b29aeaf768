"""Chapter 2, backpropagation through time: the figures of its measurements.

- :func:`plot_step_size_errors`: the error of finite differences against the step size
  (2.3, numerical gradient checking);
- the curves of 2.2 and 2.4 (BPTT by hand, truncated BPTT) are drawn with
  :func:`rnn_course.book.plotting.plot_curves`.

Import from here (``from rnn_course.book.bptt import plot_step_size_errors``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .plotting import figure_and_axes, line_style


def plot_step_size_errors(steps, errors, *, slopes=None, ax: plt.Axes | None = None) -> Figure:
    """Log-log plot of finite-difference errors against the step size ``h``.

    Parameters
    ----------
    steps : (N,) the step sizes h, positive.
    errors : dict ``{label: (N,) errors}``, one line per method (zeros are not drawn).
    slopes : optional dict ``{label: (power, anchor_index)}``: a dotted guide line
        ``error ∝ h**power`` through the point ``anchor_index`` of that method's curve.
    ax : axes to draw into; a new figure is made when omitted.

    Returns
    -------
    Figure
        Each measured line carries its label as gid.
    """
    steps = np.asarray(steps, dtype=float)
    fig, ax = figure_and_axes(ax, (6.4, 4.2))
    for i, (label, err) in enumerate(errors.items()):
        err = np.asarray(err, dtype=float)
        if err.shape != steps.shape:
            raise ValueError(f"errors[{label!r}] has shape {err.shape}: expected {steps.shape}")
        shown = np.where(err > 0, err, np.nan)
        (line,) = ax.loglog(steps, shown, marker="o", markersize=4,
                            linestyle=line_style(i), label=label)
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
