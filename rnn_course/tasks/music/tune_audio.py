"""From an ABC tune to notes (via music21) and from notes to sound (NumPy only).

    notes = tune_notes(key, body)          # onset and length in quarter notes, MIDI pitch
    rate, x = synthesize_notes(notes, quarter_seconds=0.3)

The sound is additive synthesis: each note a sum of a few harmonics of its fundamental
``440 * 2 ** ((midi - 69) / 12)`` Hz, shaped by a quick attack and an exponential decay,
like a plucked string; the notes are added into one signal at 8 kHz.

Book: chapter 6, music generation.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np

from ..._validate import integer, real
from .tunes import _music21, full_abc


def tune_notes(key: str, body: str, *, max_quarters=None) -> np.ndarray:
    """The notes of a tune as rows ``(onset, duration, midi)``, times in quarter notes
    (ties merged, rests left out), parsed by music21; optionally only those starting
    before ``max_quarters``."""
    converter = _music21().converter
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = converter.parse(full_abc(key, body), format="abc").stripTies()
    rows = []
    for note in score.flatten().notes:
        for pitch in note.pitches:  # a chord gives one row per pitch
            rows.append((float(note.offset), float(note.quarterLength), float(pitch.midi)))
    notes = np.array(rows, dtype=float).reshape(-1, 3)
    if max_quarters is not None:
        notes = notes[notes[:, 0] < real("max_quarters", max_quarters, low=0.0, low_open=True)]
    return notes


def synthesize_notes(notes, *, quarter_seconds=0.3, rate=8000, harmonics=(1.0, 0.5, 0.25, 0.12),
                     decay=3.0) -> tuple[int, np.ndarray]:
    """``(rate, samples)``: the notes ``(onset, duration, midi)`` played as plucked tones.

    ``quarter_seconds`` sets the tempo (0.3 s a quarter note: a dotted-quarter beat at
    about 133 per minute, a brisk jig). Samples are scaled to a peak of 0.9.
    """
    notes = np.asarray(notes, dtype=float)
    if notes.ndim != 2 or notes.shape[1] != 3:
        raise ValueError(f"notes has shape {notes.shape}: expected rows (onset, duration, midi)")
    rate = integer("rate", rate, low=1000)
    q = real("quarter_seconds", quarter_seconds, low=0.0, low_open=True)
    if not len(notes):
        return rate, np.zeros(rate // 4)
    end = float((notes[:, 0] + notes[:, 1]).max()) * q + 0.5
    out = np.zeros(int(end * rate) + 1)
    for onset, duration, midi in notes:
        n = int(max(duration * q, 0.05) * rate)
        t = np.arange(n) / rate
        f0 = 440.0 * 2.0 ** ((midi - 69.0) / 12.0)
        tone = sum(a * np.sin(2 * np.pi * f0 * (k + 1) * t) for k, a in enumerate(harmonics)
                   if f0 * (k + 1) < rate / 2)
        envelope = np.minimum(1.0, t / 0.005) * np.exp(-decay * t) * np.minimum(1.0, (n - np.arange(n)) / (0.01 * rate))
        start = int(onset * q * rate)
        out[start:start + n] += (tone * envelope)[: len(out) - start]
    peak = np.abs(out).max()
    return rate, out * (0.9 / peak) if peak > 0 else out
