"""Chapter 3 figures and the gradient-norm widget: panel counts, curves that match the
measurement, sliders that update the curve, and bad arguments named in the error."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnn_course.book.gradients import (
    plot_clipping_2d,
    plot_gradient_norm_grid,
    plot_gradient_norms,
)
from rnn_course.training.gradient_norms import gradient_norm_curve

widgets = pytest.importorskip("ipywidgets")
from rnn_course.book.gradients import (  # noqa: E402
    GradientNormExplorer,
    gradient_norm_explorer,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_grid_has_one_panel_per_rho_and_length():
    fig = plot_gradient_norm_grid([0.5, 1.0, 2.0], [5, 20], hidden_size=8)
    labels = [ax.get_label() for ax in fig.axes]
    assert len(fig.axes) == 6
    assert labels == ["rho=0.5,T=5", "rho=0.5,T=20", "rho=1.0,T=5",
                      "rho=1.0,T=20", "rho=2.0,T=5", "rho=2.0,T=20"]
    # each panel draws the measured curve (distance T - 1 .. 0)
    ax = fig.axes[1]
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, np.arange(20)[::-1])
    np.testing.assert_allclose(y, gradient_norm_curve(0.5, 20, hidden_size=8))


def test_curves_figure_has_one_labelled_line_per_curve():
    curves = {"a": np.geomspace(1e-3, 1, 10), "b": np.ones(10)}
    fig = plot_gradient_norms(curves, guides={"a": 0.5})
    gids = [line.get_gid() for line in fig.axes[0].lines]
    assert "a" in gids and "b" in gids
    assert len(fig.axes[0].lines) == 3            # two curves and one guide
    assert fig.axes[0].get_yscale() == "log"


def test_clipping_picture_draws_three_arrows():
    fig = plot_clipping_2d([3.0, 0.5], 1.0)
    gids = {a.get_gid() for a in fig.axes[0].texts}
    assert {"original", "by value", "by norm"} <= gids


def test_explorer_builds_with_two_sliders_and_an_image():
    w = gradient_norm_explorer(rho=1.0, T=20, hidden_size=8)
    assert isinstance(w, GradientNormExplorer) and isinstance(w, widgets.VBox)
    assert w.children == (w.rho_slider, w.T_slider, w.caption, w.image)
    assert w.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_allclose(w.norms, gradient_norm_curve(1.0, 20, hidden_size=8))


def test_moving_the_sliders_updates_the_curve():
    w = gradient_norm_explorer(rho=1.0, T=20, hidden_size=8)
    before = w.image.value
    w.rho_slider.value = 2.5                       # what dragging does
    np.testing.assert_allclose(w.norms, gradient_norm_curve(2.5, 20, hidden_size=8))
    assert w.image.value != before
    assert "ρ = 2.50" in w.caption.value
    w.T_slider.value = 40
    assert w.norms.shape == (40,)
    assert "T = 40" in w.caption.value


@pytest.mark.parametrize("call, name", [
    (lambda: plot_gradient_norm_grid([], [10]), "rhos"),
    (lambda: plot_gradient_norm_grid([1.0], [1]), "Ts"),
    (lambda: plot_gradient_norm_grid([1.0], [10.5]), "Ts"),
    (lambda: plot_gradient_norm_grid([-1.0], [10]), "rhos"),
    (lambda: plot_gradient_norm_grid([1.0] * 7, [10]), "rhos"),
    (lambda: plot_gradient_norms({}), "curves"),
    (lambda: plot_clipping_2d([1.0, 2.0, 3.0], 1.0), "g"),
    (lambda: plot_clipping_2d([1.0, 2.0], 0.0), "threshold"),
    (lambda: gradient_norm_explorer(T=1), "T"),
    (lambda: gradient_norm_explorer(rho=5.0), "rho"),
])
def test_bad_arguments_are_named(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()
