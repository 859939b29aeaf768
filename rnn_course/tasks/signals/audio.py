"""Speech features with NumPy alone: frames, power spectra, mel bands, log energies.

A recogniser does not read samples: 8,000 numbers a second are too many and too
variable. It reads **frames**: short overlapping slices of the signal (25 ms, one every
15 ms here), each turned into a spectrum that says how much energy sits at each frequency.

    frames = frame_signal(x, frame_length=200, hop=120)      # (F, 200) at 8 kHz
    spec = log_power_spectrum(frames)                          # (F, n_fft // 2 + 1)
    feats = log_mel_spectrogram(x, rate, n_mels=16)            # (F, 16)
    feats = speech_features(x, rate)                           # + silence trimmed, mean removed

- **framing**: frame ``k`` is ``x[k*hop : k*hop + frame_length]``; a signal of ``n`` samples
  gives ``1 + (n - frame_length) // hop`` frames (the tail that does not fill a frame is dropped);
- **power spectrum**: each frame times a Hann window (which tapers its edges, so the cut does
  not spray energy over every frequency), then ``|rfft|^2``; its log, ``log(P + eps)``,
  turns the huge range of energies into a manageable one, and ``eps`` keeps silence finite;
- **mel bands**: triangular filters spaced evenly on the mel scale (dense at low
  frequencies, where speech carries most of its information, sparse at high ones) sum the
  power spectrum into a few bands;
- the features are defined in seconds and hertz, so recordings at 8 kHz and 22.05 kHz give
  comparable features without resampling.

Shapes: n samples, F frames, K = n_fft // 2 + 1 frequency bins, M mel bands.

Book: chapter 6, speech recognition; exercise ex07-signals.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..._validate import as_float_array, integer, positive_int, real

EPS = 1e-10


def frame_signal(x, frame_length, hop) -> np.ndarray:
    """Overlapping frames (F, frame_length) of a 1-D signal, ``F = 1 + (n - frame_length) // hop``."""
    x = as_float_array("x", x)
    if x.ndim != 1:
        raise ValueError(f"x has shape {x.shape}: expected one signal (n,)")
    frame_length = positive_int("frame_length", frame_length)
    hop = positive_int("hop", hop)
    if len(x) < frame_length:
        raise ValueError(f"x has {len(x)} samples: fewer than one frame of {frame_length}")
    count = 1 + (len(x) - frame_length) // hop
    return x[np.arange(count)[:, None] * hop + np.arange(frame_length)]


def log_power_spectrum(frames, n_fft=None) -> np.ndarray:
    """``log(|rfft(frame * hann)|^2 + 1e-10)`` of every frame: (F, n_fft // 2 + 1).

    ``n_fft`` defaults to the frame length (frames are zero-padded when it is longer).
    """
    frames = as_float_array("frames", frames)
    if frames.ndim != 2:
        raise ValueError(f"frames has shape {frames.shape}: expected (F, frame_length)")
    n_fft = frames.shape[1] if n_fft is None else integer("n_fft", n_fft, low=frames.shape[1])
    return np.log(_power(frames, n_fft) + EPS)


def _power(frames: np.ndarray, n_fft: int) -> np.ndarray:
    window = np.hanning(frames.shape[1])
    return np.abs(np.fft.rfft(frames * window, n_fft)) ** 2


def hz_to_mel(f):
    """The mel scale: ``2595 log10(1 + f / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=float) / 700.0)


def mel_to_hz(m):
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(m, dtype=float) / 2595.0) - 1.0)


@lru_cache(maxsize=16)
def _filterbank(n_mels: int, n_fft: int, rate: float, fmin: float, fmax: float) -> np.ndarray:
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * rate / n_fft
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - low) / (centre - low)
    falling = (high - freqs) / (high - centre)
    bank = np.maximum(0.0, np.minimum(rising, falling))
    bank.flags.writeable = False
    return bank


def mel_filterbank(n_mels, n_fft, rate, fmin=200.0, fmax=3400.0) -> np.ndarray:
    """Triangular filters (M, n_fft // 2 + 1), evenly spaced in mels from ``fmin`` to ``fmax`` Hz."""
    n_mels = positive_int("n_mels", n_mels)
    n_fft = positive_int("n_fft", n_fft)
    rate = real("rate", rate, low=0.0, low_open=True)
    fmin = real("fmin", fmin, low=0.0)
    fmax = real("fmax", fmax, low=fmin, high=rate / 2, low_open=True)
    return _filterbank(n_mels, n_fft, rate, fmin, fmax)


def log_mel_spectrogram(x, rate, *, n_mels=16, frame_seconds=0.025, hop_seconds=0.015,
                        fmin=200.0, fmax=3400.0, floor_db=50.0, preemphasis=0.97) -> np.ndarray:
    """Log mel-band energies (F, M) of a signal sampled at ``rate`` Hz.

    Pre-emphasis ``x_t - 0.97 x_{t-1}`` lifts the high frequencies; each band is floored at
    ``floor_db`` decibels below the loudest band of the recording, so digital silence
    (a synthesiser's exact zeros) and a microphone's hiss look alike.
    """
    x = as_float_array("x", x)
    rate = real("rate", rate, low=0.0, low_open=True)
    length = max(1, int(round(frame_seconds * rate)))
    hop = max(1, int(round(hop_seconds * rate)))
    if x.ndim == 1 and len(x) > 1:
        x = np.append(x[0], x[1:] - preemphasis * x[:-1])
    frames = frame_signal(x, length, hop)
    n_fft = 1 << (length - 1).bit_length()
    bands = _power(frames, n_fft) @ mel_filterbank(n_mels, n_fft, rate, fmin, fmax).T
    floor = bands.max() * 10.0 ** (-real("floor_db", floor_db, low=0.0, low_open=True) / 10.0)
    return np.log(np.maximum(bands, floor) + EPS)


def trim_silence(features, top_db=35.0) -> np.ndarray:
    """Drop the leading and trailing frames whose total energy is more than ``top_db``
    decibels below the loudest frame; ``features`` are log energies (F, M)."""
    features = as_float_array("features", features)
    energy_db = 10.0 * np.log10(np.exp(features).sum(axis=1))
    loud = np.flatnonzero(energy_db > energy_db.max() - top_db)
    return features[loud[0]: loud[-1] + 1]


def speech_features(x, rate, *, n_mels=16) -> np.ndarray:
    """The recogniser's input: log mel energies, silence trimmed, each band's mean over the
    utterance removed (which cancels a constant colouring of the channel: a telephone line,
    a synthesiser's timbre). (F, M)."""
    feats = trim_silence(log_mel_spectrogram(x, rate, n_mels=n_mels))
    return feats - feats.mean(axis=0)


def log_spectrogram(x, frame_length, hop) -> np.ndarray:
    """Frames of ``x`` and their log power spectra in one call: (F, frame_length // 2 + 1)."""
    return log_power_spectrum(frame_signal(x, frame_length, hop))
