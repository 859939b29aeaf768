"""Figures of the GRU chapter."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnn_course.book.plotting import moving_average, plot_loss_panels


def test_moving_average_of_a_ramp():
    np.testing.assert_allclose(moving_average([0, 1, 2, 3, 4], 3), [1, 2, 3])
    np.testing.assert_allclose(moving_average([5.0, 7.0], 1), [5.0, 7.0])
    with pytest.raises(ValueError, match="window"):
        moving_average([1, 2], 3)


def test_one_panel_per_task_one_line_per_model():
    rng = np.random.default_rng(0)
    panels = {
        "adding": {"curves": {"LSTM": rng.random(50), "GRU": rng.random(50)},
                   "baseline": 0.17, "baseline_label": "guess 1", "logy": True},
        "names": {"curves": {"LSTM": rng.random(30), "GRU": rng.random(30)},
                  "ylabel": "nats"},
    }
    fig = plot_loss_panels(panels, window=5)
    assert len(fig.axes) == 2
    gids = {line.get_gid() for ax in fig.axes for line in ax.get_lines()}
    assert {"adding: LSTM", "adding: GRU", "names: LSTM", "names: GRU"} <= gids
    line = next(li for li in fig.axes[0].get_lines() if li.get_gid() == "adding: GRU")
    assert len(line.get_xdata()) == 46
    assert fig.axes[0].get_yscale() == "log" and fig.axes[1].get_ylabel() == "nats"
    plt.close(fig)
    with pytest.raises(ValueError, match="no curves"):
        plot_loss_panels({"x": {"curves": {}}})
