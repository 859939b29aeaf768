"""The diagrams of the LSTM and GRU cells: every layer, operation and arrow is drawn, every
arrow is labelled with the equation it carries out, and no two labels overlap."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from rnn_course.book.cells import GRU_ARROWS, LSTM_ARROWS, plot_gru_cell, plot_lstm_cell

CELLS = {
    "lstm": (plot_lstm_cell, LSTM_ARROWS, {"gate-f", "gate-i", "gate-c", "gate-o"},
             {"op-forget", "op-input", "op-add", "op-tanh", "op-output"}),
    "gru": (plot_gru_cell, GRU_ARROWS, {"gate-z", "gate-r", "gate-h"},
            {"op-one-minus", "op-keep", "op-reset", "op-update", "op-add"}),
}


def squash(tex: str) -> str:
    return tex.replace(" ", "").replace("$", "")


@pytest.fixture(params=sorted(CELLS))
def drawn(request):
    plot, arrows, gates, ops = CELLS[request.param]
    fig = plot()
    yield fig, arrows, gates, ops
    plt.close(fig)


def test_every_layer_and_operation_is_drawn(drawn):
    fig, _, gates, ops = drawn
    gids = {p.get_gid() for p in fig.axes[0].patches}
    assert gates <= gids, f"missing layers: {gates - gids}"
    assert ops <= gids, f"missing operations: {ops - gids}"


def test_every_arrow_is_labelled_with_its_equation(drawn):
    fig, arrows, _, _ = drawn
    ax = fig.axes[0]
    drawn_arrows = {p.get_gid() for p in ax.patches if (p.get_gid() or "").startswith("arrow-")}
    labels = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert drawn_arrows == set(arrows), (
        f"arrows drawn but not listed: {drawn_arrows - set(arrows)}; "
        f"listed but not drawn: {set(arrows) - drawn_arrows}")
    unlabelled = sorted(a for a in drawn_arrows if f"label-{a}" not in labels)
    assert not unlabelled, f"arrows without a label: {unlabelled}"
    for arrow, equation in arrows.items():
        assert squash(equation) in squash(labels[f"label-{arrow}"]), (
            f"{arrow} is labelled {labels[f'label-{arrow}']!r}, expected {equation!r}")


def test_no_two_labels_overlap(drawn):
    fig = drawn[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in fig.axes[0].texts
             if t.get_text().strip()}
    clashes = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2)
               if box_a.overlaps(box_b)]
    assert not clashes, f"overlapping labels: {clashes}"


def test_the_lstm_and_gru_diagrams_differ_where_the_cells_do():
    lstm, gru = plot_lstm_cell(), plot_gru_cell()
    lstm_text = " ".join(t.get_text() for t in lstm.axes[0].texts)
    gru_text = " ".join(t.get_text() for t in gru.axes[0].texts)
    assert "C_t" in lstm_text and "C_t" not in gru_text  # only the LSTM has a cell state
    assert "r_t" in gru_text and "r_t" not in lstm_text
    plt.close(lstm)
    plt.close(gru)
