"""The hidden-state widget and the chapter 1 figures: they build, show what they claim,
react to the slider, and reject bad arguments with messages naming the argument."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import rnn_course as rc
from rnn_course.book.recurrence import plot_hidden_state_steps, plot_output_modes

widgets = pytest.importorskip("ipywidgets")
from rnn_course.book.recurrence import HiddenStateStepper, hidden_state_stepper  # noqa: E402

T, D, H = 7, 2, 5


@pytest.fixture
def seq():
    params = rc.init_rnn_params(D, H, rng=3)
    X = np.random.default_rng(3).standard_normal((T, D))
    return X, params


def test_stepper_builds_with_a_slider_over_every_step(seq):
    X, params = seq
    w = hidden_state_stepper(X, params)
    assert isinstance(w, HiddenStateStepper) and isinstance(w, widgets.VBox)
    assert w.children == (w.slider, w.caption, w.image)
    assert (w.slider.min, w.slider.max, w.slider.value) == (1, T, 1)
    assert w.image.format == "png" and w.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_moving_the_slider_updates_the_displayed_state(seq):
    X, params = seq
    hs, _ = rc.rnn_forward(X, np.zeros(H), params)
    w = hidden_state_stepper(X, params, labels="abcdefg")
    seen = {w.image.value}
    for t in (2, 5, T):
        w.slider.value = t
        assert w.t == t
        np.testing.assert_array_equal(w.h_t, hs[t - 1])
        assert f"<b>t = {t}</b>" in w.caption.value
        assert " ".join("abcdefg"[:t]) in w.caption.value
        assert f"{np.linalg.norm(hs[t - 1]):.3f}" in w.caption.value
        seen.add(w.image.value)
    assert len(seen) == 4, "the picture must change with t"


def test_stepper_uses_h0(seq):
    X, params = seq
    h0 = np.full(H, 0.5)
    w = hidden_state_stepper(X, params, h0=h0)
    hs, _ = rc.rnn_forward(X, h0, params)
    np.testing.assert_array_equal(w.h_t, hs[0])


def test_stepper_rejects_bad_arguments(seq):
    X, params = seq
    with pytest.raises(ValueError, match=r"^X has shape \(7, 3, 2\)"):
        hidden_state_stepper(np.zeros((T, 3, D)), params)
    with pytest.raises(ValueError, match=r"^X has shape \(7, 4\)"):
        hidden_state_stepper(np.zeros((T, 4)), params)
    with pytest.raises(ValueError, match=r"^h0 has shape \(3,\)"):
        hidden_state_stepper(X, params, h0=np.zeros(3))
    with pytest.raises(ValueError, match=r"^labels has 2 entries but X has T=7"):
        hidden_state_stepper(X, params, labels=["a", "b"])
    with pytest.raises(TypeError, match=r"^params must be"):
        hidden_state_stepper(X, [1, 2])


def test_plot_hidden_state_steps_has_a_heatmap_and_one_panel_per_step(seq):
    X, params = seq
    for steps in ([1], [1, 3, 7], list(range(1, 8))):
        fig = plot_hidden_state_steps(X, params, steps, labels="abcdefg")
        assert len(fig.axes) == 2 + len(steps)
        assert [ax.get_label() for ax in fig.axes[2:]] == [f"state-{t}" for t in steps]
        assert len(fig.axes[0].images) == 1
        assert fig.axes[0].images[0].get_array().shape == (H, T)
        # the colour scale of the heat map: from -1 to 1, labelled
        bar = fig.axes[1]
        assert bar.get_label() == "colorbar"
        assert fig.axes[0].images[0].get_clim() == (-1, 1)
        assert bar.get_ylim() == (-1, 1) and bar.get_ylabel() == "value of the unit"
        for ax in fig.axes[2:]:
            assert len(ax.patches) == H  # one bar per unit
        plt.close(fig)


def test_plot_hidden_state_steps_rejects_bad_arguments(seq):
    X, params = seq
    with pytest.raises(ValueError, match=r"^steps has 8 but X has T=7"):
        plot_hidden_state_steps(X, params, [1, 8])
    with pytest.raises(ValueError, match=r"^steps must be"):
        plot_hidden_state_steps(X, params, [])
    with pytest.raises(ValueError, match=r"^steps must be"):
        plot_hidden_state_steps(X, params, [2, 2])
    with pytest.raises(TypeError, match=r"^steps must be"):
        plot_hidden_state_steps(X, params, 3)
    with pytest.raises(ValueError, match=r"^labels has"):
        plot_hidden_state_steps(X, params, [1], labels="ab")
    with pytest.raises(ValueError, match=r"^X has shape"):
        plot_hidden_state_steps(X[:, None], params, [1])
    plt.close("all")


def test_plot_output_modes_draws_two_panels():
    fig = plot_output_modes(T=5)
    assert len(fig.axes) == 2
    outputs = [
        sorted(p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith("output-"))
        for ax in fig.axes
    ]
    assert outputs[0] == [f"output-{t}" for t in range(1, 6)]
    assert outputs[1] == ["output-5"]
    plt.close(fig)
    for bad in (1, 7, 2.0, True):
        with pytest.raises(ValueError, match="^T must be"):
            plot_output_modes(T=bad)
