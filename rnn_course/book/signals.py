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
  inside the page, so it plays offline).

Import from here (``from rnn_course.book.signals import plot_split``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

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
    axes[0].set_ylabel("mel band")
    fig.tight_layout()
    return fig


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
    fig.tight_layout()
    return fig


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
    fig.tight_layout()
    return fig


def audio(samples, rate):
    """A player for ``samples`` at ``rate`` Hz: an ``<audio>`` element holding the sound
    (16-bit WAV), so it plays in Jupyter and in the HTML book without a network."""
    from IPython.display import Audio

    return Audio(np.asarray(samples, dtype=float), rate=int(rate))
