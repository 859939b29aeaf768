"""The chapter-2 figure helpers: one line per measured curve, axis scales, bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnn_course.book.bptt import plot_step_size_errors
from rnn_course.book.plotting import plot_curves


def test_plot_step_size_errors_is_log_log_with_one_line_per_method():
    h = np.logspace(-8, -1, 8)
    fig = plot_step_size_errors(h, {"forward": h, "centred": h**2},
                                slopes={"centred": (2, 7)})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    gids = [line.get_gid() for line in ax.lines if line.get_gid()]
    assert gids == ["forward", "centred"]
    assert ax.get_ylim()[0] >= (h**2).min() / 10 * 0.999  # guides do not stretch it
    plt.close(fig)
    with pytest.raises(ValueError, match="errors\\['bad'\\]"):
        plot_step_size_errors(h, {"bad": h[:3]})


def test_plot_curves_draws_each_curve_and_the_reference_line():
    x = np.arange(5)
    fig = plot_curves(x, {"a": x, "b": x**2}, xlabel="x", ylabel="y",
                      hline=1.0, hline_label="chance", logy=True)
    ax = fig.axes[0]
    assert [line.get_gid() for line in ax.lines if line.get_gid()] == ["a", "b"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "x"
    assert "chance" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    with pytest.raises(ValueError, match="curves\\['a'\\]"):
        plot_curves(x, {"a": x[:2]}, xlabel="x", ylabel="y")
