"""Every figure of the book says in words what it shows (its text alternative), from its
data; a figure shown in a notebook carries those words in its output's metadata; the
widgets' pictures and controls are named; the audio players carry a description.

The browser tests (test_browser.py) check the other end: no image of the built book
without a text alternative."""

from __future__ import annotations

import inspect
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.formatters import DisplayFormatter

import rnn_course as rc
from rnn_course.book import (attention, bptt, cells, deep, gradients, language, lstm,
                             plotting, recurrence, signals, stepping)
from rnn_course.book.alt_text import (IMAGE_TYPES, alt_text, curve, describe,
                                      describe_figure, number, plain)

MODULES = (attention, bptt, cells, deep, gradients, language, lstm, plotting, recurrence, signals,
           stepping)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _lm_params():
    return rc.init_model("gru", 5, 6, 5, rng=0)


def _figures():
    """Every plotting helper of rnn_course.book, with small inputs; each entry: (helper
    name, a function drawing its figure, words the text alternative must contain)."""
    x = np.arange(1, 11)
    seq = np.zeros((8, 1))
    seq[2] = 1.0
    params = rc.init_rnn_params(1, 4, 2, rng=0)
    run = lstm.lstm_states_of(np.random.default_rng(0).normal(size=(6, 2)),
                              rc.init_lstm_params(2, 3, rng=0))
    logits = np.array([2.0, 1.0, 0.5, -1.0, 0.0])
    dates = np.arange("2015-01-01", "2015-01-21", dtype="datetime64[D]")
    confusion = np.array([[5, 1], [0, 4]])
    notes = np.array([[0, 0.5, 69], [0.5, 1.0, 71], [1.5, 1.5, 74]])
    yield ("plot_curves", lambda: plotting.plot_curves(x, {"loss": 1 / x}, xlabel="step",
                                               ylabel="loss", hline=0.5, hline_label="chance"),
           ["Line chart of loss against step", "loss falls from 1 at 1 to 0.1 at 10",
            "chance, at 0.5"])
    yield ("plot_loss_panels", lambda: plotting.plot_loss_panels(
        {"task A": {"curves": {"GRU": 1 / x}, "ylabel": "MSE"}}, window=2),
        ["task A: Line chart of MSE", "GRU falls", "moving average over 2 steps"])
    yield ("plot_step_size_errors", lambda: bptt.plot_step_size_errors(
        np.logspace(-8, -1, 10), {"centred": np.logspace(-6, -2, 10)}),
        ["(log scale) against step size h (log scale)", "centred rises from 1e-6"])
    yield ("plot_unrolled_rnn", lambda: recurrence.plot_unrolled_rnn(3),
           ["Diagram of a recurrent network", "unrolled over 3 steps", "same W_x, W_h and b_h"])
    yield ("plot_output_modes", lambda: recurrence.plot_output_modes(3),
           ["many-to-many", "every cell sends its state up", "the one output o_3"])
    yield ("plot_hidden_state_steps", lambda: stepping.plot_hidden_state_steps(
        seq, params, [2, 3, 8], labels="..|....."),
        ["Heat map of the hidden states", "framed: steps 2, 3, 8", "bars of the 4 units of h_3"])
    yield ("plot_gradient_norms", lambda: gradients.plot_gradient_norms(
        {"$\\rho = 0.5$": 0.5 ** x[::-1]}, guides={"$\\rho = 0.5$": 0.5}),
        ["Line chart of ‖∂L / ∂h_t‖ (log scale)", "ρ = 0.5 falls from 0.5 at 0 to 9.77e-4 at 9"])
    yield ("plot_gradient_norm_grid", lambda: gradients.plot_gradient_norm_grid([0.5, 2.0], [5, 10]),
           ["one row per spectral radius ρ of W_h (0.5, 2.0)", "ρ = 2.0, T = 10: ‖∂L/∂h_t‖ rises"])
    yield ("plot_clipping_2d", lambda: gradients.plot_clipping_2d([3.0, 0.8], 1.0),
           ["the gradient (3, 0.8)", "clipped by norm, (0.966, 0.258), length 1"])
    yield ("plot_lstm_run", lambda: lstm.plot_lstm_run(np.random.default_rng(0).normal(size=(6, 2)),
                                               run, [0, 2], marks=[3]),
           ["units 0, 2", "grey bands mark steps 3", "unit 2: gates: f_t", "C_t"])
    yield ("plot_gate_settings", lambda: lstm.plot_gate_settings({"keep": (1.0, 0.0, 1.0, 0.5)}),
           ["keep f=1.0, i=0.0, o=1.0, C̃=0.5: Line chart", "cell C_t starts at 1"])
    yield ("plot_lstm_cell", lambda: cells.plot_lstm_cell(), ["Diagram of an LSTM cell", "forget gate"])
    yield ("plot_gru_cell", lambda: cells.plot_gru_cell(), ["Diagram of a GRU cell", "reset gate r_t"])
    yield ("plot_deep_bidirectional", lambda: deep.plot_deep_bidirectional(3, 2),
           ["2 bidirectional layers", "over 3 steps", "y_t = [h→_t ; h←_t]"])
    yield ("plot_dependence", lambda: deep.plot_dependence({"one way": np.tril(np.ones((4, 4))),
                                                    "both ways": np.ones((4, 4))}),
           ["one way: Map of |∂y_t/∂x_s|", "not at all on later inputs",
            "both ways: Map", "every output depends on every input"])
    yield ("plot_temperatures", lambda: language.plot_temperatures(logits, list("ab c\n"), [0.5, 2],
                                                           prompt="to b"),
           ["after “to b”, at temperatures 0.5, 2", "τ = 0.5: bar chart", "“a”", "space",
            "new line"])
    yield ("plot_lm_curve", lambda: language.plot_lm_curve([(0, 4.0), (100, 2.5), (200, 2.0)],
                                                   {"3-gram": 2.2, "6-gram": 1.9}),
           ["the GRU falls from 4 at step 0 to 2 at step 200",
            "ends below the 3-gram baselines and above the 6-gram ones"])
    yield ("plot_learning_order", lambda: language.plot_learning_order(
        [100, 200, 300], {"year": [[0.5, 0.9, 1.0], [0.4, 0.8, 1.0]]}),
        ["Line chart of share right against training step", "year rises from 0.45 at 100 to 1 at 300",
         "shaded from the worst run to the best"])
    yield ("plot_accuracy_by_length", lambda: language.plot_accuracy_by_length(
        [5, 6, 12, 13], [1, 0, 1, 1], (0, 10, 20)),
        ["0 to 9: 0.50 of 2", "10 to 19: 1.00 of 2"])
    yield ("plot_split", lambda: signals.plot_split(dates, np.arange(20.0), 15, ylabel="°C"),
           ["the training span from 2015-01-01 to 2015-01-15", "test span from 2015-01-16"])
    yield ("plot_forecasts", lambda: signals.plot_forecasts(dates[:5], np.ones(5), {"persistence": np.zeros(5)},
                                                    ylabel="°C"),
           ["observed values, between 1 and 1", "persistence 1"])
    yield ("plot_horizon_rmse", lambda: signals.plot_horizon_rmse(
        {"GRU": np.arange(1, 8.0)}, ylabel="RMSE", spread={"GRU": (np.zeros(7), np.ones(7))}),
        ["GRU rises from 1 at 1 to 7 at 7", "range over seeds of GRU"])
    yield ("plot_autocorrelation", lambda: signals.plot_autocorrelation(
        {"A": np.array([0.5, 0.0, 0.1])}, 0.2),
        ["2 of the 3 bars are inside it", "A at lag 1, 0.5"])
    yield ("plot_features", lambda: signals.plot_features([np.outer(np.hanning(20), np.arange(16.0))],
                                                  ["Allison"]),
           ["Allison: colour map of 16 mel bands", "over 0.3 s (20 frames)",
            "band 16 is the strongest"])
    yield ("plot_confusion", lambda: signals.plot_confusion(confusion, title="held out"),
           ["held out: Confusion matrix", "9 of 10 right", "right per class: 0: 5 of 6, 1: 4 of 4",
            "0 taken for 1, once"])
    yield ("plot_piano_roll", lambda: signals.plot_piano_roll(notes),
           ["Piano roll: 3 notes", "A4, B4, D5", "from A4 to D5"])


def _attention_figures():
    # the output "ab" of the input "xy": a looks at y, b at x, the end at y
    weights = np.array([[0.2, 0.8], [0.9, 0.1], [0.4, 0.6]])
    yield ("plot_attention", lambda: attention.plot_attention(weights, "xy", "ab"),
           ["one row per step writing the output “ab” and its end",
            "one column per character of the input “xy”", "0.767 on average",
            "“a” at input 2 (“y”); “b” at input 1 (“x”); the end at input 2 (“y”)"])
    yield ("plot_attention_examples", lambda: attention.plot_attention_examples(
        [(weights, "xy", "ab")] * 2, (weights, "xy", "ab")),
        ["2 heatmaps of short translations side by side, above one of a long translation",
         "“b” at input 1 (“x”)"])
    lengths = np.array([3, 4, 12, 13])
    results = {"attention": [(np.array([1, 1, 1, 0]), np.array([1, 1, 1, 0.5]))] * 2,
               "plain": [(np.array([1, 0, 0, 0]), np.array([1, 0.5, 0.5, 0.5]))] * 2}
    yield ("plot_accuracy_by_length_models", lambda: attention.plot_accuracy_by_length_models(
        lengths, results, (0, 10, 20)),
        ["share of exact matches against the input's length", "the mean over 2 seeds",
         "attention: 0 to 9 1, 10 to 19 0.5; plain: 0 to 9 0.5, 10 to 19 0",
         "plain: 0 to 9 0.75, 10 to 19 0.5"])


FIGURES = list(_figures()) + list(_attention_figures())


@pytest.mark.parametrize("name, draw, words", FIGURES, ids=[f[0] for f in FIGURES])
def test_every_figure_says_what_it_shows(name, draw, words):
    text = alt_text(draw())
    for word in words:
        assert word in text, f"{name}: {word!r} missing from its text alternative:\n{text}"
    assert "$" not in text and "\\" not in text, f"{name}: raw TeX in {text!r}"


def test_every_plotting_helper_is_checked():
    """A new plot_ helper must be added above (and so must describe what it draws)."""
    helpers = {name for module in MODULES for name, f in vars(module).items()
               if name.startswith("plot_") and inspect.isfunction(f)
               and f.__module__ == module.__name__}
    assert helpers == {f[0] for f in FIGURES}


def test_a_shown_figure_carries_its_words_in_the_output_metadata():
    fig = plotting.plot_curves(np.arange(3), {"a": np.arange(3.0)}, xlabel="x", ylabel="y")
    formatter = DisplayFormatter()
    formatter.formatters["image/png"].for_type(type(fig), lambda f: b"png")
    data, metadata = formatter.format(fig)
    assert data["image/png"] == b"png"  # the figure itself is still drawn
    for mime in IMAGE_TYPES:
        assert metadata[mime]["alt"] == alt_text(fig)
    # the words are read when the figure is shown: a title set later is in them
    fig.axes[0].set_title("late title")
    assert formatter.format(fig)[1]["image/png"]["alt"].startswith("late title: Line chart")


def test_the_words_survive_a_formatter_with_its_own_metadata():
    """matplotlib's retina PNG formatter returns (data, {"width", "height"}), which replaces
    the PNG entry of the metadata: the other image types keep the words (the book's
    Sphinx extension looks there too)."""
    fig = plotting.plot_curves(np.arange(3), {"a": np.arange(3.0)}, xlabel="x", ylabel="y")
    formatter = DisplayFormatter()
    formatter.formatters["image/png"].for_type(type(fig), lambda f: (b"png", {"width": 10}))
    metadata = formatter.format(fig)[1]
    assert metadata["image/png"] == {"width": 10}
    assert metadata["image/svg+xml"]["alt"] == alt_text(fig)


def test_a_figure_without_words_has_none():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    assert alt_text(fig) == ""
    assert "_repr_mimebundle_" not in vars(fig)


def test_describe_takes_words_a_function_or_nothing():
    fig, (a, b) = plt.subplots(1, 2)
    describe(a, "first")
    describe(b, lambda: "second", title=False)
    b.set_title("hidden")
    describe_figure(fig, "Two panels")
    assert alt_text(fig) == "Two panels. first. second."
    with pytest.raises(TypeError, match="text must be"):
        describe(a, 3)


def test_curve_words():
    x = np.arange(6)
    assert curve("a", x, [0, 5, 1, 1, 1, 1]) == "a rises from 0 at 0 to 1 at 5, peaking at 5 at 1"
    assert curve("b", x, [1, 2, 3, np.nan, np.nan, np.nan]).endswith("then leaves the chart")
    assert curve("c", x[::-1], [5, 4, 3, 2, 1, 0]) == "c rises from 0 at 0 to 5 at 5"
    assert curve("d", x, [np.nan] * 6) == "d: off the chart"
    assert curve("e", x, [1, 1, 1, 1, 1, 1]) == "e starts at 1 at 0 and ends at 1 at 5"
    level = curve("f", x, [4.91, 4.95, 4.89, 4.93, 4.92, 4.90])  # noise on a level line
    assert level.startswith("f starts at 4.91 at 0 and ends at 4.9 at 5")


def test_plain_text_and_numbers():
    assert plain(r"$\|\partial L / \partial h_t\|$") == "‖∂L / ∂h_t‖"
    assert plain(r"$h_{t-1}$ and $\tilde C_t$") == "h_(t-1) and C̃_t"
    assert plain(r"$\overrightarrow{h}^{(1)}_t$") == "h→^(1)_t"
    assert [number(v) for v in (0, 0.0123, 4.567e-7, 1500.0, 49512, 123456, np.nan)] == \
        ["0", "0.0123", "4.57e-7", "1500", "49500", "1.23e5", "not a number"]


@pytest.fixture
def widgets_of_the_book():
    from rnn_course.book.gradients import gradient_norm_explorer
    from rnn_course.book.language import TemperatureExplorer
    from rnn_course.book.lstm import gate_explorer
    from rnn_course.book.stepping import hidden_state_stepper

    seq = np.zeros((6, 1))
    seq[1] = 1.0
    return [hidden_state_stepper(seq, rc.init_rnn_params(1, 3, 2, rng=0)),
            gradient_norm_explorer(T=10), gate_explorer(),
            TemperatureExplorer(_lm_params(), list("ab c\n"), prompt="a", length=20)]


def _controls(widget):
    import ipywidgets

    found, todo = [], [widget]
    while todo:
        w = todo.pop(0)
        if isinstance(w, ipywidgets.Box):
            todo.extend(w.children)
        elif isinstance(w, ipywidgets.ValueWidget) and not isinstance(w, ipywidgets.HTML):
            found.append(w)
    return found


def test_widget_pictures_and_controls_are_named(widgets_of_the_book):
    """The picture is an <img> whose alt is its text alternative, and follows the
    controls; every slider has a labelled number box holding its value."""
    import html

    import ipywidgets

    def alt(widget) -> str:
        return html.unescape(re.search(r' alt="([^"]+)"', widget.image.value).group(1))

    kinds = ["Heat map of the hidden states", "Line chart of ‖∂L / ∂h_t‖", "cell C_t",
             "bar chart of the probability of the next character"]
    for widget, kind in zip(widgets_of_the_book, kinds):
        assert kind in alt(widget), alt(widget)
        controls = _controls(widget)
        sliders = [c for c in controls if isinstance(c, (ipywidgets.IntSlider, ipywidgets.FloatSlider))]
        boxes = [c for c in controls if isinstance(c, (ipywidgets.BoundedIntText,
                                                       ipywidgets.BoundedFloatText))]
        assert sliders and len(boxes) == len(sliders), type(widget).__name__
        for i, (slider, box) in enumerate(zip(sliders, boxes)):
            assert box.description and len(box.description) > 2 and box.tooltip
            before = alt(widget)
            box.value = slider.min if box.value != slider.min else slider.max
            assert slider.value == box.value  # the box sets the slider, which redraws
            if i == 0:
                assert alt(widget) != before, type(widget).__name__


def test_audio_has_a_description():
    player = signals.audio(np.sin(np.arange(8000) * 0.1), 8000, description="A voice says “seven”.")
    html = player._repr_html_()
    key = re.search(r'aria-describedby="(audio-[0-9a-f]+)"', html).group(1)
    assert f'<figcaption id="{key}">A voice says “seven”. (1.0 s)</figcaption>' in html
    assert "data:audio/wav;base64," in html
    with pytest.raises(ValueError, match="description must say in words what is heard"):
        signals.audio(np.zeros(10), 8000, description=" ")
    with pytest.raises(TypeError):
        signals.audio(np.zeros(10), 8000)  # the description is required
