"""The LSTM chapter's figures and gate widget: they build, show what they claim,
react to the sliders, and reject bad arguments with messages naming the argument."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import rnn_course as rc
from rnn_course.book.lstm import (
    gate_trajectory,
    lstm_states_of,
    plot_gate_settings,
    plot_lstm_run,
)

widgets = pytest.importorskip("ipywidgets")
from rnn_course.book.lstm import GateExplorer, gate_explorer  # noqa: E402

T, D, H = 7, 2, 5


@pytest.fixture
def seq():
    params = rc.init_lstm_params(D, H, rng=3)
    X = np.random.default_rng(3).standard_normal((T, D))
    return X, params


def test_lstm_states_of_matches_lstm_forward(seq):
    X, params = seq
    run = lstm_states_of(X, params)
    hs, cs, cache = rc.lstm_forward(X, np.zeros(H), np.zeros(H), params)
    np.testing.assert_allclose(run["h"], hs, atol=1e-14)
    np.testing.assert_allclose(run["c"], cs, atol=1e-14)
    f, i, o, c_tilde = np.split(cache["gates"], 4, axis=-1)  # stacked f, i, o, c
    for k, ref in [("f", f), ("i", i), ("o", o), ("c_tilde", c_tilde)]:
        np.testing.assert_allclose(run[k], ref, atol=1e-14)
        assert run[k].shape == (T, H)


def test_lstm_states_of_rejects_bad_arguments(seq):
    X, params = seq
    with pytest.raises(ValueError, match=r"^X has shape \(7, 3, 2\)"):
        lstm_states_of(np.zeros((T, 3, D)), params)
    with pytest.raises(TypeError, match=r"^params must be"):
        lstm_states_of(X, {"W_h": np.zeros((H, H))})


def test_plot_lstm_run_has_inputs_and_three_panels_per_unit(seq):
    X, params = seq
    run = lstm_states_of(X, params)
    for units in ([0], [1, 3], [0, 1, 2, 4]):
        fig = plot_lstm_run(X, run, units, marks=[2], input_names=["a", "b"])
        assert len(fig.axes) == 1 + 3 * len(units)
        gids = {line.get_gid() for ax in fig.axes for line in ax.lines}
        for u in units:
            assert {f"c-{u}", f"h-{u}", f"f-{u}", f"i-{u}", f"o-{u}"} <= gids
        c_line = next(ln for ax in fig.axes for ln in ax.lines
                      if ln.get_gid() == f"c-{units[0]}")
        np.testing.assert_array_equal(c_line.get_ydata(), run["c"][:, units[0]])
        plt.close(fig)


def overlapping_legends(fig) -> list[str]:
    """Legends whose box overlaps the plotting area of an axes (and may hide a curve)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [f"legend {[t.get_text() for t in leg.get_texts()]} over axes {ax.get_title()!r}"
            for leg in legends for ax in fig.axes
            if leg.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))]


def test_plot_lstm_run_keeps_its_legends_off_the_curves(seq):
    X, params = seq
    run = lstm_states_of(X, params)
    for units in ([0], [1, 3], [0, 1, 2, 4]):
        fig = plot_lstm_run(X, run, units, marks=[2], input_names=["a", "b"])
        labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
        assert labels == ["$f_t$", "$i_t$", "$o_t$"]  # one legend for the gates of every unit
        assert not overlapping_legends(fig)
        plt.close(fig)


def test_plot_lstm_run_rejects_bad_arguments(seq):
    X, params = seq
    run = lstm_states_of(X, params)
    with pytest.raises(ValueError, match=r"^units must be an integer from 0 to 4"):
        plot_lstm_run(X, run, [5])
    with pytest.raises(ValueError, match=r"^units must be 1 to 4 distinct"):
        plot_lstm_run(X, run, [0, 0])
    with pytest.raises(ValueError, match=r"^units must be 1 to 4 distinct"):
        plot_lstm_run(X, run, [])
    with pytest.raises(TypeError, match=r"^units must be a list"):
        plot_lstm_run(X, run, 3)
    with pytest.raises(ValueError, match=r"^X has shape \(7,\)"):
        plot_lstm_run(X[:, 0], run, [0])
    with pytest.raises(ValueError, match=r"^run has 7 steps but X has T=6"):
        plot_lstm_run(X[:6], run, [0])
    with pytest.raises(TypeError, match=r"^run must be"):
        plot_lstm_run(X, {"c": run["c"]}, [0])
    with pytest.raises(ValueError, match=r"^input_names has 1 entries"):
        plot_lstm_run(X, run, [0], input_names=["a"])


def test_gate_trajectory_follows_the_cell_update():
    cs, hs = gate_trajectory(0.5, 0.0, 1.0, 0.3, steps=4, c0=1.0)
    np.testing.assert_allclose(cs, 0.5 ** np.arange(5))
    np.testing.assert_allclose(hs, np.tanh(cs))
    cs, hs = gate_trajectory(1.0, 0.5, 0.2, 0.4, steps=3, c0=0.0)
    np.testing.assert_allclose(cs, [0.0, 0.2, 0.4, 0.6])
    np.testing.assert_allclose(hs, 0.2 * np.tanh(cs))
    cs, _ = gate_trajectory(0.0, 1.0, 1.0, -0.8, steps=2, c0=3.0)
    np.testing.assert_allclose(cs, [3.0, -0.8, -0.8])


@pytest.mark.parametrize("kwargs, name", [
    ({"f": 1.5}, "f"), ({"i": -0.1}, "i"), ({"o": float("nan")}, "o"),
    ({"c_tilde": 2.0}, "c_tilde"), ({"steps": 0}, "steps"), ({"steps": 2.0}, "steps"),
    ({"c0": 9.0}, "c0"), ({"f": True}, "f"),
])
def test_gate_trajectory_rejects_bad_arguments(kwargs, name):
    args = {"f": 0.5, "i": 0.5, "o": 0.5, "c_tilde": 0.5, **kwargs}
    extra = {k: args.pop(k) for k in ("steps", "c0") if k in args}
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        gate_trajectory(**args, **extra)


def test_plot_gate_settings_has_one_panel_per_setting():
    settings = {"keep": (1.0, 0.0, 1.0, 0.5), "forget": (0.5, 0.0, 1.0, 0.5),
                "grow": (1.0, 1.0, 1.0, 1.0)}
    for n in (1, 3):
        chosen = dict(list(settings.items())[:n])
        fig = plot_gate_settings(chosen, steps=5)
        assert len(fig.axes) == n
        for ax, gates in zip(fig.axes, chosen.values()):
            cs, hs = gate_trajectory(*gates, steps=5)
            lines = {ln.get_gid(): ln for ln in ax.lines}
            np.testing.assert_allclose(lines["c"].get_ydata(), cs)
            np.testing.assert_allclose(lines["h"].get_ydata(), hs)
        top = fig.axes[0].get_ylim()[1]
        assert top >= max(np.abs(gate_trajectory(*g, steps=5)[0]).max()
                          for g in chosen.values())
        plt.close(fig)


def test_plot_gate_settings_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"^settings must be a dict"):
        plot_gate_settings({})
    with pytest.raises(ValueError, match=r"^settings must be a dict"):
        plot_gate_settings([(1, 0, 1, 0.5)])
    with pytest.raises(ValueError, match=r"^settings\['x'\] must be \(f, i, o, c_tilde\)"):
        plot_gate_settings({"x": (1.0, 0.0)})
    with pytest.raises(ValueError, match=r"^f must be"):
        plot_gate_settings({"x": (2.0, 0.0, 1.0, 0.5)})


def test_gate_explorer_builds_with_four_sliders():
    w = gate_explorer()
    assert isinstance(w, GateExplorer) and isinstance(w, widgets.VBox)
    sliders = w.children[0].children
    assert sliders == (w.f, w.i, w.o, w.c_tilde)
    assert (w.f.min, w.f.max, w.c_tilde.min, w.c_tilde.max) == (0.0, 1.0, -1.0, 1.0)
    assert w.children[1:] == (w.caption, w.image)
    assert w.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    cs, hs = gate_trajectory(0.9, 0.5, 1.0, 0.5, steps=6, c0=1.0)
    np.testing.assert_allclose(w.cs, cs)
    np.testing.assert_allclose(w.hs, hs)


def test_moving_a_slider_updates_the_states():
    w = gate_explorer(steps=4, c0=1.0)
    seen = {w.image.value}
    w.f.value, w.i.value = 0.5, 0.0
    np.testing.assert_allclose(w.cs, 0.5 ** np.arange(5))
    assert f"{w.cs[-1]:.3f}" in w.caption.value
    seen.add(w.image.value)
    w.o.value = 0.0
    np.testing.assert_allclose(w.cs, 0.5 ** np.arange(5))
    assert np.all(w.hs == 0)
    seen.add(w.image.value)
    w.c_tilde.value, w.i.value = -1.0, 1.0
    assert w.cs[-1] < 0
    seen.add(w.image.value)
    assert len(seen) == 4, "the picture must change with the sliders"


def test_gate_explorer_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"^f must be"):
        gate_explorer(f=1.2)
    with pytest.raises(ValueError, match=r"^c_tilde must be"):
        gate_explorer(c_tilde=-3)
    with pytest.raises(ValueError, match=r"^steps must be"):
        gate_explorer(steps=0)
    with pytest.raises(ValueError, match=r"^c0 must be"):
        gate_explorer(c0="1")
