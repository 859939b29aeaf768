"""Chapter 6 (language) figures and the temperature widget: the widget shows what its
slider says, and each figure draws what it is given."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from rnn_course import init_model
from rnn_course.book.language import (TemperatureExplorer, next_char_logits, plot_accuracy_by_length,
                                      plot_learning_order, plot_lm_curve, plot_temperatures)
from rnn_course.tasks.language.textlm import generate_text
from rnn_course.training.sampling import temperature_probs

VOCAB = list("\n abc")


@pytest.fixture
def params():
    return init_model("gru", len(VOCAB), 6, len(VOCAB), rng=0)


def test_widget_samples_at_the_slider_temperature(params):
    w = TemperatureExplorer(params, VOCAB, prompt="ab", temperature=1.0, length=40, seed=3)
    assert w.sample == generate_text(params, VOCAB, 40, prime="ab", temperature=1.0, rng=3)
    w.temperature.value = 0.2
    assert w.sample == generate_text(params, VOCAB, 40, prime="ab", temperature=0.2, rng=3)
    assert w.image.value[:4] == b"\x89PNG" and "<pre" in w.caption.value


def test_temperature_figure_has_one_panel_per_temperature(params):
    logits = next_char_logits(params, VOCAB, "abc")
    fig = plot_temperatures(logits, VOCAB, (0.5, 1.0, 2.0), prompt="abc")
    assert len(fig.axes) == 3
    heights = [max(p.get_height() for p in ax.patches) for ax in fig.axes]
    assert np.allclose(heights, [temperature_probs(logits, t).max() for t in (0.5, 1.0, 2.0)])
    with pytest.raises(ValueError, match="positive"):
        plot_temperatures(logits, VOCAB, (0.0,))


def test_curve_and_length_figures():
    fig = plot_lm_curve([(100, 3.0), (200, 2.5)], {"4-gram": 2.3})
    assert fig.axes[0].lines[0].get_ydata().tolist() == [3.0, 2.5]
    fig = plot_accuracy_by_length([5, 6, 20, 21], [1, 0, 1, 1], (0, 10, 30))
    assert [p.get_height() for p in fig.axes[0].patches] == [0.5, 1.0]


def test_learning_order_draws_the_mean_and_the_range_of_the_runs():
    runs = {"year": [[0.5, 1.0], [0.7, 1.0]], "day": [[0.0, 0.4], [0.2, 0.8]]}
    fig = plot_learning_order([100, 200], runs)
    ax = fig.axes[0]
    assert np.allclose([line.get_ydata() for line in ax.lines], [[0.6, 1.0], [0.1, 0.6]])
    assert len(ax.collections) == 2   # one band per part
    with pytest.raises(ValueError, match="3 evaluations for 2 steps"):
        plot_learning_order([100, 200], {"year": [[0.1, 0.2, 0.3]]})
