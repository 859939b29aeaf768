"""The deep and bidirectional figures: the diagram draws every cell with the equation of
each row; the dependence maps are read from the backward pass and drawn on one scale."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import rnn_course as rc
from rnn_course.book.deep import input_dependence, plot_deep_bidirectional, plot_dependence


@pytest.mark.parametrize("T, L", [(2, 1), (4, 2), (6, 3)])
def test_the_diagram_draws_every_cell_and_each_rows_equation(T, L):
    fig = plot_deep_bidirectional(T=T, num_layers=L)
    ax = fig.axes[0]
    gids = {p.get_gid() for p in ax.patches if p.get_gid()}
    for layer in range(1, L + 1):
        for t in range(1, T + 1):
            assert {f"fwd-{layer}-{t}", f"bwd-{layer}-{t}", f"y-{layer}-{t}"} <= gids
    assert {f"x-{t}" for t in range(1, T + 1)} <= gids
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    for layer in range(1, L + 1):
        assert r"\tanh" in texts[f"equation-fwd-{layer}"] and "t-1" in texts[f"equation-fwd-{layer}"]
        assert "t+1" in texts[f"equation-bwd-{layer}"]
        reads = "x_t" if layer == 1 else f"y^{{({layer - 1})}}_t"
        assert reads in texts[f"equation-y-{layer}"]
    plt.close(fig)
    for bad in ({"T": 1}, {"T": 7}, {"num_layers": 4}):
        with pytest.raises(ValueError, match=f"^{next(iter(bad))} must be"):
            plot_deep_bidirectional(**bad)


def test_input_dependence_is_read_from_the_backward_pass():
    T, D, H = 6, 2, 3
    (params,) = rc.init_stack_params(D, H, bidirectional=True, rng=0)
    X = np.random.default_rng(0).standard_normal((T, D))
    _, cache = rc.bidirectional_forward(X, np.zeros((2, H)), params)
    both = input_dependence(rc.bidirectional_backward, cache, T, 2 * H)
    dY = np.zeros((T, 2 * H))
    dY[2] = 1.0
    np.testing.assert_allclose(both[2], np.abs(rc.bidirectional_backward(dY, cache)[0]).sum(axis=1))
    _, cache = rc.rnn_forward(X, np.zeros(H), params)
    one = input_dependence(rc.rnn_backward, cache, T, H)
    assert np.all(np.triu(one, k=1) == 0) and np.all(one[np.tril_indices(T)] > 0)
    fig = plot_dependence({"one": one, "both": both})
    assert [ax.get_label() for ax in fig.axes] == ["one", "both", "colorbar"]
    assert np.ma.is_masked(fig.axes[0].images[0].get_array()[0, -1])  # zero: drawn white
    plt.close(fig)
    with pytest.raises(ValueError, match=r"^maps\['bad'\] has shape \(2, 3\)"):
        plot_dependence({"bad": np.ones((2, 3))})
    with pytest.raises(ValueError, match=r"^maps must be"):
        plot_dependence({})
