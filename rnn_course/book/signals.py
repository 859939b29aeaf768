"""Chapter 6, signals: the figures of forecasting, speech recognition and music generation,
and an audio player that works in Jupyter and in the static HTML book.

- :func:`plot_split`: a series with its training and test spans;
- :func:`plot_forecasts`: a stretch of the test span with the forecasts of several models;
- :func:`plot_horizon_rmse`: the error of each model against the forecast horizon;
- :func:`plot_autocorrelation`: autocorrelations with the band white noise stays in;
- :func:`plot_features`: log-mel features of a few utterances side by side;
- :func:`plot_confusion`: a confusion matrix with its counts;
- :func:`plot_piano_roll`: notes as bars on a time-pitch grid;
- :func:`audio`: an ``IPython.display.Audio`` player (an ``<audio>`` element with the sound
  inside the page, so it plays offline) with a text description of what is heard.

Every figure describes itself in words (:mod:`rnn_course.book.alt_text`).

Import from here (``from rnn_course.book.signals import plot_split``).
"""

from __future__ import annotations

import hashlib
import html

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Audio

from .._validate import integer
from .alt_text import describe, line_chart, number, plain, x_value
from .plotting import HIDDEN, STATE, figure_and_axes, line_style

_TRAIN, _TEST = "#9ab7d3", "#e8b27d"


def plot_split(x, values, split, *, ylabel, ax=None, title=None):
    """The series ``values`` over ``x``, the training span before index ``split`` in one
    colour and the test span after it in another, with the split marked."""
    fig, ax = figure_and_axes(ax, (7.5, 2.6))
    ax.plot(x[:split], values[:split], color=HIDDEN, lw=0.8, label="training span")
    ax.plot(x[split:], values[split:], color=STATE, lw=0.8, label="test span")
    ax.axvline(x[split], color="k", ls="--", lw=0.8)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)

    def span(name, part, xs):
        return (f"the {name} span from {x_value(xs[0])} to {x_value(xs[-1])}, between "
                f"{number(np.min(part))} and {number(np.max(part))}, mean {number(np.mean(part))}")

    describe(ax, f"Line chart of {plain(ylabel)}: {span('training', values[:split], x[:split])}; "
                 f"then {span('test', values[split:], x[split:])}")
    fig.tight_layout()
    return fig


def plot_forecasts(x, truth, forecasts, *, ylabel, ax=None, title=None):
    """``truth`` over ``x`` with each model's forecast (a dict name -> values)."""
    fig, ax = figure_and_axes(ax, (7.5, 2.8))
    ax.plot(x, truth, color="k", lw=1.6, label="observed")
    for i, (name, values) in enumerate(forecasts.items()):
        ax.plot(x, values, ls=line_style(i + 1), lw=1.1, label=name)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, ncol=len(forecasts) + 1, loc="upper center",
              bbox_to_anchor=(0.5, -0.18), frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    truth_ = np.asarray(truth, dtype=float)
    misses = "; ".join(f"{name} {number(np.mean(np.abs(np.asarray(v, dtype=float) - truth_)))}"
                       for name, v in forecasts.items())
    describe(ax, f"Line chart of {plain(ylabel)} from {x_value(x[0])} to {x_value(x[-1])}: the "
                 f"observed values, between {number(truth_.min())} and {number(truth_.max())}, "
                 f"and each model's forecast; the mean distance of each forecast from the "
                 f"observed values: {misses}")
    fig.tight_layout()
    return fig


def plot_horizon_rmse(curves, *, ylabel, spread=None, ax=None):
    """RMSE against the horizon (1, 2, ...) for each model (dict name -> (h,) values);
    ``spread`` maps a name to (low, high) arrays drawn as a band (the range over seeds)."""
    fig, ax = figure_and_axes(ax, (5.5, 3.0))
    for i, (name, values) in enumerate(curves.items()):
        steps = np.arange(1, len(values) + 1)
        line, = ax.plot(steps, values, ls=line_style(i), marker="o", ms=3, label=name)
        if spread and name in spread:
            low, high = spread[name]
            ax.fill_between(steps, low, high, color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel("days ahead")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    shaded = f" (shaded: the range over seeds of {', '.join(spread)})" if spread else ""
    describe(ax, lambda: line_chart(ax) + shaded)
    fig.tight_layout()
    return fig


def plot_autocorrelation(acfs, band, *, ax=None):
    """Autocorrelations at lags 1, 2, ... for each series (dict name -> values), with the
    ±``band`` region where about 95 % of a white-noise series' values fall."""
    fig, ax = figure_and_axes(ax, (7.0, 3.0))
    names = list(acfs)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        lags = np.arange(1, len(acfs[name]) + 1)
        ax.bar(lags + (i - (len(names) - 1) / 2) * width, acfs[name], width, label=name)
    ax.axhspan(-band, band, color="0.85", zorder=0, label="white-noise band (95 %)")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("lag (months)")
    ax.set_ylabel("autocorrelation of returns")
    ax.legend(fontsize=7, ncol=len(names) + 1, frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.2))
    values = {name: np.asarray(acfs[name], dtype=float) for name in names}
    inside = sum(int((np.abs(v) <= band).sum()) for v in values.values())
    total = sum(v.size for v in values.values())
    name, lag = max(((n, int(np.argmax(np.abs(v)))) for n, v in values.items()),
                    key=lambda item: abs(values[item[0]][item[1]]))
    describe(ax, f"Bar chart of the autocorrelation of monthly returns at lags 1 to "
                 f"{max(v.size for v in values.values())} months, one bar per series "
                 f"({', '.join(names)}), over a grey band from {number(-band)} to "
                 f"{number(band)} where white noise stays 95 % of the time: {inside} of the "
                 f"{total} bars are inside it; the largest in size is {name} at lag {lag + 1}, "
                 f"{number(values[name][lag])}")
    fig.tight_layout()
    return fig


def plot_features(features, titles, *, hop_seconds=0.015):
    """Log-mel features (frames x bands) of a few utterances, side by side, one colour scale."""
    fig, axes = plt.subplots(1, len(features), figsize=(2.0 * len(features), 2.4), sharey=True)
    axes = np.atleast_1d(axes)
    low = min(float(np.min(f)) for f in features)
    high = max(float(np.max(f)) for f in features)
    for ax, f, title in zip(axes, features, titles):
        ax.imshow(np.asarray(f).T, origin="lower", aspect="auto", vmin=low, vmax=high,
                  extent=(0, len(f) * hop_seconds, 0, np.shape(f)[1]), cmap="magma")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("seconds", fontsize=8)
        describe(ax, _features_words(np.asarray(f, dtype=float), hop_seconds))
    axes[0].set_ylabel("mel band")
    fig.tight_layout()
    return fig


def _features_words(f: np.ndarray, hop_seconds: float) -> str:
    """A log-mel feature map in words: its length, its loudest moment, and the strongest
    band then."""
    frames, bands = f.shape
    loud = int(np.argmax(f.mean(axis=1)))
    return (f"colour map of {bands} mel bands (from low to high pitch, upwards) over "
            f"{number(frames * hop_seconds)} s ({frames} frames); loudest at "
            f"{number(loud * hop_seconds)} s, where band {int(np.argmax(f[loud])) + 1} is the "
            f"strongest")


def plot_confusion(matrix, *, title, ax=None, labels=None):
    """A confusion matrix (rows: true class, columns: predicted) with the count in each cell."""
    matrix = np.asarray(matrix)
    fig, ax = figure_and_axes(ax, (3.6, 3.4))
    ax.imshow(matrix, cmap="Blues")
    n = len(matrix)
    labels = list(range(n)) if labels is None else labels
    ax.set_xticks(range(n), labels, fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("spoken")
    ax.set_title(title, fontsize=9)
    top = matrix.max() if matrix.size else 0
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > top / 2 else "black")
    describe(ax, _confusion_words(matrix, labels))
    fig.tight_layout()
    return fig


def _confusion_words(matrix: np.ndarray, labels) -> str:
    """A confusion matrix in words: how many are right, each class's hits, and the most
    frequent mistake."""
    total, right = int(matrix.sum()), int(np.trace(matrix))
    words = (f"Confusion matrix, rows the class spoken, columns the class predicted: "
             f"{right} of {total} right")
    hits = [f"{labels[i]}: {int(matrix[i, i])} of {int(matrix[i].sum())}"
            for i in range(len(matrix)) if matrix[i].sum()]
    words += "; right per class: " + ", ".join(hits)
    wrong = matrix * (1 - np.eye(len(matrix), dtype=matrix.dtype))
    if wrong.any():
        i, j = np.unravel_index(int(np.argmax(wrong)), wrong.shape)
        times = "once" if wrong[i, j] == 1 else f"{int(wrong[i, j])} times"
        words += f"; the most frequent mistake: {labels[i]} taken for {labels[j]}, {times}"
    return words


def plot_piano_roll(notes, *, title=None, ax=None, bar_quarters=3.0, upbeat=0.0):
    """Notes ``(onset, duration, midi)`` as horizontal bars, time in quarter notes, with
    the bar lines of 6/8 (every ``bar_quarters``) dotted; a tune that starts on an
    ``upbeat`` (a pickup of that many quarter notes) has its first bar line there."""
    notes = np.asarray(notes, dtype=float)
    fig, ax = figure_and_axes(ax, (8.0, 2.8))
    for onset, duration, midi in notes:
        ax.add_patch(plt.Rectangle((onset, midi - 0.4), duration * 0.95, 0.8, color=HIDDEN))
    end = float((notes[:, 0] + notes[:, 1]).max()) if len(notes) else 1.0
    for b in np.arange(float(upbeat) % bar_quarters, end + 1e-9, bar_quarters):
        ax.axvline(b, color="0.7", lw=0.6, ls=":", gid="bar-line")
    ax.set_xlim(0, end)
    if len(notes):
        ax.set_ylim(notes[:, 2].min() - 2, notes[:, 2].max() + 2)
    names = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "G♯", "A", "B♭", "B"]
    low, high = ax.get_ylim()
    ticks = [m for m in range(int(low), int(high) + 1) if m % 12 in (0, 4, 7)]
    ax.set_yticks(ticks, [f"{names[m % 12]}{m // 12 - 1}" for m in ticks], fontsize=8)
    ax.set_xlabel("quarter notes")
    if title:
        ax.set_title(title, fontsize=10)
    describe(ax, _piano_roll_words(notes, end, bar_quarters, float(upbeat)))
    fig.tight_layout()
    return fig


_NOTE_NAMES = ["C", "C sharp", "D", "E flat", "E", "F", "F sharp", "G", "G sharp", "A",
               "B flat", "B"]


def _note_name(midi) -> str:
    """A MIDI pitch in words, with its octave (60 is ``"C4"``, 70 ``"B flat 4"``)."""
    midi = int(round(float(midi)))
    return f"{_NOTE_NAMES[midi % 12]}{' ' if ' ' in _NOTE_NAMES[midi % 12] else ''}{midi // 12 - 1}"


def _piano_roll_words(notes: np.ndarray, end: float, bar_quarters: float,
                      upbeat: float) -> str:
    """A piano roll in words: how many notes over how many bars, the range of pitches, and
    the first few notes."""
    if not len(notes):
        return "An empty piano roll: no notes."
    low, high = notes[:, 2].min(), notes[:, 2].max()
    first = ", ".join(_note_name(m) for m in notes[:8, 2])
    pickup = upbeat % bar_quarters
    lead = f" after an upbeat of {number(pickup)} quarter notes," if pickup else ""
    return (f"Piano roll: {len(notes)} notes, drawn as bars from left to right in time and "
            f"from bottom to top in pitch,{lead} over {number((end - pickup) / bar_quarters)} "
            f"bars of {number(bar_quarters)} quarter notes; pitches from {_note_name(low)} to "
            f"{_note_name(high)}; the first notes: {first}")


class DescribedAudio(Audio):
    """An ``IPython.display.Audio`` player shown with a text description of what is heard
    (a reader who cannot hear it, or cannot play it, gets the words): in HTML, a
    ``<figure>`` holding the ``<audio>`` element, described by its ``<figcaption>``."""

    def __init__(self, samples, rate: int, description: str):
        super().__init__(samples, rate=rate)
        self.description = description

    def _repr_html_(self) -> str:
        player = super()._repr_html_()
        key = hashlib.sha256((self.description + str(len(self.data))).encode()).hexdigest()[:12]
        player = player.replace("<audio ", f'<audio aria-describedby="audio-{key}" ', 1)
        return (f'<figure class="course-audio">{player}'
                f'<figcaption id="audio-{key}">{html.escape(self.description)}</figcaption>'
                "</figure>")


def audio(samples, rate, *, description: str) -> DescribedAudio:
    """A player for ``samples`` at ``rate`` Hz: an ``<audio>`` element holding the sound
    (16-bit WAV), so it plays in Jupyter and in the HTML book without a network.

    ``description`` says in words what is heard (who or what, saying or playing what);
    it is shown with the player, followed by the sound's length in seconds.
    """
    if not isinstance(description, str) or not description.strip():
        raise ValueError("description must say in words what is heard, "
                         f"e.g. 'A synthetic voice says “seven”.'; got {description!r}")
    rate = integer("rate", rate, low=1)
    samples = np.asarray(samples, dtype=float)
    seconds = f"{samples.shape[-1] / rate:.1f} s"
    return DescribedAudio(samples, rate, f"{description.strip()} ({seconds})")
