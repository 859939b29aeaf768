"""The chapter 6 signals figures draw what they are given, and the audio player embeds the
sound in the page (an <audio> element with a data: URI: it plays offline)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from rnn_course.book.signals import (audio, plot_autocorrelation, plot_confusion,
                                     plot_features, plot_forecasts, plot_horizon_rmse,
                                     plot_piano_roll, plot_split)


def test_series_figures():
    x = np.arange(50)
    fig = plot_split(x, np.sin(x), 30, ylabel="y")
    assert len(fig.axes[0].lines) == 3  # train, test, the split
    fig = plot_forecasts(x[:10], np.ones(10), {"a": np.zeros(10), "b": np.ones(10)}, ylabel="y")
    assert len(fig.axes[0].lines) == 3
    fig = plot_horizon_rmse({"a": np.arange(1, 8.0)}, ylabel="e", spread={"a": (np.zeros(7), np.ones(7) * 9)})
    assert len(fig.axes[0].collections) == 1
    fig = plot_autocorrelation({"A": np.full(12, 0.1), "B": np.full(12, -0.1)}, 0.2)
    assert len(fig.axes[0].patches) >= 24
    plt.close("all")


def test_speech_and_music_figures():
    fig = plot_features([np.random.default_rng(0).normal(size=(30, 16))] * 2, ["a", "b"])
    assert len(fig.axes) == 2
    m = np.eye(3, dtype=int) * 2
    m[0, 1] = 1
    fig = plot_confusion(m, title="t")
    assert sum(t.get_text() == "1" for t in fig.axes[0].texts) == 1
    notes = np.array([[0, 0.5, 69], [0.5, 1.0, 71], [1.5, 1.5, 74]])
    fig = plot_piano_roll(notes)
    assert len(fig.axes[0].patches) == 3
    bar_lines = lambda f: [line.get_xdata()[0] for line in f.axes[0].lines if line.get_gid() == "bar-line"]  # noqa: E731
    assert bar_lines(fig)[:2] == [0.0, 3.0]
    assert bar_lines(plot_piano_roll(notes, upbeat=0.5)) == [0.5]   # after the pickup, not at 0
    plt.close("all")


def test_audio_player_is_embedded():
    html = audio(np.sin(np.arange(800) * 0.3), 8000)._repr_html_()
    assert "<audio" in html and "data:audio/wav;base64," in html
