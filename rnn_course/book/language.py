"""Chapter 6 (language): the temperature widget with its static counterpart, and the figures.

- :class:`TemperatureExplorer` (Jupyter): a temperature slider above the next-character
  distribution after a prompt and a sample of text drawn at that temperature; the HTML
  book shows :func:`plot_temperatures` and a table of samples instead, because a static
  page cannot recompute.
- :func:`plot_temperatures`: one distribution at several temperatures side by side.
- :func:`plot_lm_curve`: held-out bits per character during training against the
  n-gram baselines.
- :func:`accuracy_by_bins`: the mean of a score in bins of input length;
- :func:`plot_accuracy_by_length`: accuracy of held-out examples grouped by input length;
- :func:`plot_learning_order`: how often each part of the output is right during training,
  over several runs.

Book: chapter 6, the character-level language model and machine translation.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..tasks.language.textlm import generate_text, text_lm_forward
from ..training.sampling import temperature_probs
from .alt_text import curve, describe, describe_figure, line_chart, listing, number
from .plotting import PictureWidget, figure_and_axes, line_style, slider_with_box

_SHOWN = 12  # characters shown in a distribution plot


def _label(c: str) -> str:
    return {"\n": "\u21b5", " ": "\u2423"}.get(c, c)


def _spoken(c: str) -> str:
    """A character as a screen reader should say it in a list: named when invisible."""
    return {"\n": "new line", " ": "space"}.get(c, f"“{c}”")


def next_char_logits(params, vocab, prompt: str) -> np.ndarray:
    """The model's logits (V,) for the character after ``prompt``."""
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.array([[index[c]] for c in prompt])
    h = np.zeros((1, params["W_z"].shape[0]))
    return text_lm_forward(params, ids, h)[0][-1, 0]


def draw_distribution(ax, logits, vocab, temperature: float, order=None) -> None:
    """Bars of the ``_SHOWN`` most likely characters (at temperature 1) at ``temperature``."""
    p = temperature_probs(logits, temperature)
    order = np.argsort(-logits)[:_SHOWN] if order is None else order
    ax.bar(range(len(order)), p[order], color="#2b6ca3")
    ax.set_xticks(range(len(order)), [_label(vocab[i]) for i in order])
    ax.set_ylim(0, 1)
    ax.set_title(f"τ = {temperature:g}", fontsize=10)
    ax.text(0.98, 0.95, f"others: {1 - p[order].sum():.2f}", transform=ax.transAxes,
            ha="right", va="top", fontsize=8)
    top = ", ".join(f"{_spoken(vocab[i])} {p[i]:.2f}" for i in order[:5])
    describe(ax, f"bar chart of the probability of the next character, for the "
                 f"{len(order)} likeliest: {top}, …; all other characters together "
                 f"{1 - p[order].sum():.2f}")


def plot_temperatures(logits, vocab, temperatures, *, prompt: str = "") -> Figure:
    """The next-character distribution at each temperature, one panel each."""
    temperatures = [float(t) for t in temperatures]
    if not temperatures or min(temperatures) <= 0:
        raise ValueError("temperatures must be a non-empty list of positive numbers")
    fig = Figure(figsize=(2.6 * len(temperatures), 2.8))
    axes = fig.subplots(1, len(temperatures), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, t in zip(axes, temperatures):
        draw_distribution(ax, logits, vocab, t)
    axes[0].set_ylabel("probability of the next character")
    if prompt:
        fig.suptitle(f"after \u201c{prompt[-30:].replace(chr(10), ' / ')}\u201d", fontsize=10)
        describe_figure(fig, f"The model's next character after "
                             f"“{prompt[-30:].replace(chr(10), ' / ')}”, at temperatures "
                             f"{', '.join(f'{t:g}' for t in temperatures)}, one panel each")
    fig.tight_layout()
    return fig


class TemperatureExplorer(PictureWidget):
    """A temperature slider; shows the next-character distribution after ``prompt`` and a
    sample of ``length`` characters drawn at that temperature (always from seed ``seed``).

    Attributes: ``temperature`` (the slider), ``sample`` (the text on display).
    """

    def __init__(self, params, vocab, *, prompt="\n", temperature=1.0, length=240, seed=0):
        self.params, self.vocab, self.prompt = params, list(vocab), prompt
        self.length, self.seed = length, seed
        self.logits = next_char_logits(params, self.vocab, prompt)
        self.temperature = widgets.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.05,
                                               description="τ", readout_format=".2f",
                                               continuous_update=False)
        self.sample = ""
        row = slider_with_box(self.temperature, "temperature τ",
                              "the temperature τ: low picks the likeliest characters, "
                              "high flattens the distribution")
        super().__init__([row], [self.temperature], (5.0, 2.6))

    def draw(self, fig: Figure) -> str:
        t = float(self.temperature.value)
        draw_distribution(fig.subplots(), self.logits, self.vocab, t)
        fig.tight_layout()
        self.sample = generate_text(self.params, self.vocab, self.length, prime=self.prompt,
                                    temperature=t, rng=self.seed)
        return f"<pre style='white-space: pre-wrap'>{html.escape(self.sample)}</pre>"


def plot_lm_curve(evaluations, baselines, *, ax=None) -> Figure:
    """Held-out bits per character after each evaluation (``[(step, bits)]``) with a
    dotted line for each baseline (``{label: bits}``)."""
    steps, bits = zip(*evaluations)
    fig, ax = figure_and_axes(ax, (6.4, 4.0))
    ax.plot(steps, bits, marker="o", markersize=3, color="#b5541c", label="GRU (held-out)")
    for i, (label, value) in enumerate(baselines.items()):
        ax.axhline(value, color="grey", linestyle=line_style(i + 1), linewidth=1)
        ax.text(steps[-1], value, f" {label}", va="center", ha="left", fontsize=8)
    ax.set_xlabel("training step")
    ax.set_ylabel("bits per character")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9, loc="upper center")
    below = [label for label, value in baselines.items() if bits[-1] < value]
    above = [label for label, value in baselines.items() if bits[-1] >= value]
    describe(ax, "Line chart of held-out bits per character against the training step: "
                 + curve("the GRU", steps, bits, at="step ")
                 + "; dotted baselines: "
                 + ", ".join(f"{label} {number(value)}" for label, value in baselines.items())
                 + (f". The GRU ends below the {listing(below)} baselines" if below else "")
                 + (f"{' and' if below else '. The GRU ends'} above the {listing(above)} ones"
                    if above else ""))
    fig.tight_layout()
    return fig


def accuracy_by_bins(lengths, scores, bins) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(labels, means, counts)``: the mean of ``scores`` over the examples whose length is in
    each bin ``[bins[i], bins[i + 1])`` (empty bins left out)."""
    lengths, scores = np.asarray(lengths), np.asarray(scores, dtype=float)
    labels, means, counts = [], [], []
    for lo, hi in zip(bins[:-1], bins[1:]):
        chosen = (lengths >= lo) & (lengths < hi)
        if chosen.any():
            labels.append(f"{lo}\u2013{hi - 1}")
            means.append(scores[chosen].mean())
            counts.append(int(chosen.sum()))
    return labels, np.array(means), np.array(counts)


def plot_accuracy_by_length(lengths, correct, bins, *, ax=None) -> Figure:
    """Share of correct examples in each input-length bin, with the count above each bar."""
    labels, shares, counts = accuracy_by_bins(lengths, correct, bins)
    fig, ax = figure_and_axes(ax, (6.4, 3.4))
    words = []
    for i, (label, share, count) in enumerate(zip(labels, shares, counts)):
        span = label.replace("\u2013", " to ")
        words.append(f"{span}: {share:.2f} of {count}")
        ax.text(i, share, f"n={count}", ha="center", va="bottom", fontsize=8)
    ax.bar(range(len(labels)), shares, color="#2b6ca3")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel("input length (characters)")
    ax.set_ylabel("exact matches")
    describe(ax, "Bar chart of the share of exact matches by input length in characters: "
                 + "; ".join(words))
    fig.tight_layout()
    return fig


def plot_learning_order(steps, accuracy, *, ax=None) -> Figure:
    """The share of outputs with each part right after each evaluation: ``accuracy`` maps a
    part's name to an array (runs, evaluations); the mean over the runs is drawn as a line
    and the range from the worst to the best run as a band around it."""
    steps = np.asarray(steps)
    fig, ax = figure_and_axes(ax, (6.4, 3.4))
    for i, (name, values) in enumerate(accuracy.items()):
        values = np.atleast_2d(np.asarray(values, dtype=float))
        if values.shape[1] != len(steps):
            raise ValueError(f"accuracy[{name!r}] has {values.shape[1]} evaluations for {len(steps)} steps")
        line, = ax.plot(steps, values.mean(axis=0), ls=line_style(i), marker="o", markersize=3, label=name)
        ax.fill_between(steps, values.min(axis=0), values.max(axis=0), color=line.get_color(), alpha=0.2, lw=0)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("training step")
    ax.set_ylabel("share right")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9, loc="lower right")
    describe(ax, lambda: line_chart(ax) + " (each a mean over the runs, shaded from the "
                                          "worst run to the best)")
    fig.tight_layout()
    return fig
