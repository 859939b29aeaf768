"""Chapter 6 (attention): where the decoder looks, and accuracy against the input's length.

- :func:`plot_attention`: the weights of one translation as a heatmap, one row per output
  character, one column per input character;
- :func:`plot_attention_examples`: a few short inputs side by side above one long one;
- :func:`where_it_looks`: for each digit of a translated list of dates, whether the largest
  weight fell on the date, and on the field (year, month, day), that the digit comes from;
- :func:`plot_accuracy_by_length_models`: exact matches and character accuracy in bins of
  input length (:func:`~rnn_course.book.language.accuracy_by_bins`), for several models and
  seeds.

Book: chapter 6, attention.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec

from ..tasks.language.date_lists import field_spans
from .alt_text import describe, describe_figure, number
from .language import accuracy_by_bins
from .plotting import HIDDEN, STATE, figure_and_axes, line_style

_END = "</s>"
_SAID = 12  # output steps whose strongest weight a heatmap's text alternative names


def _label(c: str) -> str:
    return "\u2423" if c == " " else c  # an open box for a space


def _spoken(c: str) -> str:
    return {" ": "a space", _END: "the end"}.get(c, f"“{c}”")


def _attention_words(weights: np.ndarray, source: str, output: str, rows: list[str]) -> str:
    """A heatmap of attention in words: what its rows and columns are, and where each of the
    first steps looks most."""
    peaks = weights.argmax(axis=1)
    looks = [f"{_spoken(rows[t])} at input {p + 1} ({_spoken(source[p])})"
             for t, p in enumerate(peaks[:_SAID])]
    more = f"; and {len(rows) - _SAID} more steps" if len(rows) > _SAID else ""
    return (f"Heatmap of attention weights, darker for more weight: one row per step writing "
            f"the output “{output}” and its end, one column per character of the input "
            f"“{source}”; the largest weight of a step is {number(weights.max(axis=1).mean())} "
            f"on average; where each step looks most: " + "; ".join(looks) + more)


def plot_attention(weights, source: str, output: str, *, ax=None, title: str | None = None) -> Figure:
    """The weights ``(len(output) + 1, len(source))`` of :func:`~rnn_course.tasks.language.attention_seq2seq.attention_greedy_decode`
    as a heatmap: row t is the step that wrote output character t (the last row ``</s>``),
    column s the input character s; darker is more weight (each row sums to 1)."""
    weights = np.asarray(weights, dtype=float)
    rows = [*output, _END][: weights.shape[0]]
    if weights.ndim != 2 or weights.shape[1] != len(source) or len(rows) != weights.shape[0]:
        raise ValueError(f"weights has shape {weights.shape}: expected ({len(output) + 1} or fewer, "
                         f"{len(source)}), one row per output character and one column per input character")
    fig, ax = figure_and_axes(ax, (0.22 * len(source) + 1.2, 0.22 * len(rows) + 1.0))
    ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(source)), [_label(c) for c in source], fontsize=7, family="monospace")
    ax.set_yticks(range(len(rows)), [_label(c) for c in rows], fontsize=7, family="monospace")
    ax.tick_params(length=0)
    ax.set_xlabel("input", fontsize=8)
    ax.set_ylabel("output", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    describe(ax, _attention_words(weights, source, output, rows))
    return fig


def plot_attention_examples(examples, long) -> Figure:
    """Heatmaps of several short translations in a row, and of one long one below them.

    ``examples`` and ``long`` hold ``(weights, source, output)`` as :func:`plot_attention` takes them.
    """
    examples = list(examples)
    if not examples:
        raise ValueError("examples must hold at least one (weights, source, output)")
    short_rows = max(np.shape(w)[0] for w, _, _ in examples)
    long_rows = np.shape(long[0])[0]
    width = max(9.0, 0.16 * len(long[1]) + 1.5)
    fig = plt.figure(figsize=(width, 0.16 * (short_rows + long_rows) + 2.6))
    grid = GridSpec(2, len(examples), figure=fig, height_ratios=(short_rows, long_rows), hspace=0.3, wspace=0.35)
    for i, (weights, source, output) in enumerate(examples):
        plot_attention(weights, source, output, ax=fig.add_subplot(grid[0, i]))
    plot_attention(*long, ax=fig.add_subplot(grid[1, :]))
    fig.subplots_adjust(left=0.05, right=0.99, top=0.98, bottom=0.06)
    describe_figure(fig, f"{len(examples)} heatmaps of short translations side by side, "
                         "above one of a long translation")
    return fig


def where_it_looks(weights, source: str, target: str) -> dict[str, list[bool]]:
    """For each digit of ``target`` (the right translation of the list of dates ``source``) and
    the weights of the step that wrote it (``weights`` as :func:`plot_attention` takes them):
    whether the largest weight fell inside the input's date it comes from (``"date"``), and
    inside its field, one character of slack on each side (``"year"``, ``"month"``, ``"day"``;
    see :func:`~rnn_course.tasks.language.date_lists.field_spans`)."""
    weights = np.asarray(weights, dtype=float)
    hits: dict[str, list[bool]] = {"date": [], "year": [], "month": [], "day": []}
    for j, spans in enumerate(field_spans(source, target)):
        for k in range(10):
            if k in (4, 7):
                continue  # the dashes
            field = "year" if k < 4 else "month" if k < 7 else "day"
            s = int(np.argmax(weights[11 * j + k]))
            hits["date"].append(spans["date"][0] <= s < spans["date"][1])
            if field in spans:
                start, stop = spans[field]
                hits[field].append(start - 1 <= s <= stop)
    return hits


def plot_accuracy_by_length_models(lengths, results, bins) -> Figure:
    """Two panels, exact matches and character accuracy against input length, one line per
    model (the mean over its seeds) and one dot per seed.

    ``results`` maps a model's name to a list (one per seed) of ``(exact, chars)``, each an
    array with one score per example, in the order of ``lengths``.
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
    colours = (STATE, HIDDEN, "#555555")
    for panel, (ax, what) in enumerate(zip(axes, ("exact matches", "characters right"))):
        words = []
        for i, (name, runs) in enumerate(results.items()):
            per_seed = np.array([accuracy_by_bins(lengths, run[panel], bins)[1] for run in runs])
            labels, _, counts = accuracy_by_bins(lengths, runs[0][panel], bins)
            x = np.arange(len(labels))
            words.append(f"{name}: " + ", ".join(
                f"{label.replace(chr(0x2013), ' to ')} {number(m)}"
                for label, m in zip(labels, per_seed.mean(axis=0))))
            ax.plot(x, per_seed.mean(axis=0), color=colours[i % 3], linestyle=line_style(i), marker="o",
                    markersize=4, label=name)
            for seed_values in per_seed:
                ax.plot(x, seed_values, color=colours[i % 3], linestyle="none", marker=".", markersize=5, alpha=0.6)
        ax.set_xticks(x, [f"{label}\n(n={n})" for label, n in zip(labels, counts)], fontsize=8)
        ax.set_xlabel("input length (characters)")
        ax.set_title(what, fontsize=10)
        ax.set_ylim(-0.03, 1.05)
        ax.grid(True, alpha=0.3)
        describe(ax, f"Line chart of the share of {what} against the input's length in "
                     f"characters, one line per model (the mean over {len(runs)} seeds, each "
                     "seed a dot): " + "; ".join(words), title=False)
    axes[0].set_ylabel("share of the test inputs")
    axes[0].legend(fontsize=9, loc="center right")
    fig.tight_layout()
    return fig
