"""Speech features (framing, log power spectrum, mel bands), the Debian data (espeak-ng and
the asterisk recordings), what happens without them, and the digit classifier.

CI installs espeak-ng and asterisk-core-sounds-en-wav (scripts/setup.sh as root); the tests
that need them are skipped elsewhere, and a skip fails CI (RNN_COURSE_NO_SKIPS=1)."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_course.tasks.signals import speech
from rnn_course.tasks.signals.audio import (frame_signal, hz_to_mel, log_mel_spectrogram,
                                    log_power_spectrum, mel_filterbank, mel_to_hz,
                                    speech_features, trim_silence)
from rnn_course.tasks.signals.digits import (band_scale, confusion_matrix, pad_left, predict_digits,
                                     segment_means, softmax_regression_predict,
                                     train_digit_classifier, train_softmax_regression)

needs_debian = pytest.mark.skipif(bool(speech.missing_debian_packages()),
                                  reason="needs espeak-ng and asterisk-core-sounds-en-wav")


def test_frames_are_hopped_slices_and_the_tail_is_dropped():
    x = np.arange(10.0)
    f = frame_signal(x, 4, 3)
    assert f.shape == (3, 4)
    np.testing.assert_array_equal(f[1], [3, 4, 5, 6])
    with pytest.raises(ValueError, match="fewer than one frame"):
        frame_signal(np.ones(3), 4, 1)
    with pytest.raises(ValueError, match="hop"):
        frame_signal(x, 4, 0)


def test_log_power_spectrum_finds_a_tone():
    rate, n = 8000, 256
    t = np.arange(4000) / rate
    frames = frame_signal(np.sin(2 * np.pi * 1000 * t), n, 128)
    spec = log_power_spectrum(frames)
    assert spec.shape == (len(frames), n // 2 + 1)
    assert np.all(spec.argmax(axis=1) == 1000 * n // rate)
    silent = log_power_spectrum(np.zeros((2, 16)))
    assert np.all(np.isfinite(silent)) and silent.max() == pytest.approx(np.log(1e-10))


def test_mel_filterbank_tiles_the_band():
    np.testing.assert_allclose(mel_to_hz(hz_to_mel([0, 1000, 3400])), [0, 1000, 3400])
    bank = mel_filterbank(16, 512, 8000, 200, 3400)
    assert bank.shape == (16, 257) and bank.max() <= 1.0
    freqs = np.arange(257) * 8000 / 512
    inside = (freqs > 300) & (freqs < 3200)
    assert np.all(bank[:, inside].sum(axis=0) > 0.5)  # every frequency in the band is heard
    assert np.all(bank[:, freqs > 3500] == 0)
    with pytest.raises(ValueError, match="fmax"):
        mel_filterbank(16, 512, 8000, 200, 5000)


def test_features_do_not_depend_on_the_sample_rate():
    def chirp(rate):
        t = np.arange(int(0.5 * rate)) / rate
        return np.sin(2 * np.pi * (300 + 2000 * t) * t) * np.minimum(1, t * 20)

    a = log_mel_spectrogram(chirp(8000), 8000)
    b = log_mel_spectrogram(chirp(22050), 22050)
    frames = min(len(a), len(b))
    assert abs(len(a) - len(b)) <= 1
    assert np.corrcoef(a[:frames].ravel(), b[:frames].ravel())[0, 1] > 0.95


def test_trimming_and_mean_removal():
    rate = 8000
    x = np.concatenate([np.zeros(4000), np.sin(np.arange(4000) * 0.5), np.zeros(4000)])
    full = log_mel_spectrogram(x, rate)
    trimmed = trim_silence(full)
    assert 0.25 * len(full) < len(trimmed) < 0.45 * len(full)
    f = speech_features(x, rate)
    np.testing.assert_allclose(f.mean(axis=0), 0, atol=1e-9)


def test_without_the_debian_packages_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("RNN_COURSE_ESPEAK_NG", str(tmp_path / "no-espeak"))
    monkeypatch.setenv("RNN_COURSE_ASTERISK_DIGITS", str(tmp_path))
    assert speech.missing_debian_packages() == ["espeak-ng", "asterisk-core-sounds-en-wav"]
    with pytest.raises(FileNotFoundError, match="apt-get install espeak-ng"):
        speech.synthesize("one", "en-us")
    with pytest.raises(FileNotFoundError, match="apt-get install asterisk-core-sounds-en-wav"):
        speech.real_digits()


@needs_debian
def test_espeak_is_deterministic_and_cached(monkeypatch, tmp_path):
    monkeypatch.setattr(speech.tempfile, "gettempdir", lambda: str(tmp_path))
    rate, first = speech.synthesize("seven", "en-us+m3", 150, 50)
    assert rate == 22050 and 0.2 < len(first) / rate < 2 and np.abs(first).max() > 0.05
    assert len(list(speech.cache_folder().glob("*.npy"))) == 1
    _, again = speech.synthesize("seven", "en-us+m3", 150, 50)
    np.testing.assert_array_equal(first, again)
    np.save(next(speech.cache_folder().glob("*.npy")), np.zeros(5, dtype=np.float32))
    assert speech.synthesize("seven", "en-us+m3", 150, 50)[1].sum() == 0  # read from the cache


@needs_debian
def test_every_listed_voice_exists():
    voices = speech.digit_voices()
    assert len(voices) == 2 * len(speech.VARIANTS)
    out = speech.synthetic_digits(voices[:: len(voices) // 6], workers=2)
    assert len(out) == 10 * len(voices[:: len(voices) // 6])
    assert all(np.abs(d["samples"]).max() > 0.01 for d in out)


@needs_debian
def test_the_real_recordings():
    real = speech.real_digits()
    assert [d["label"] for d in real] == list(range(10))
    assert all(d["rate"] == 8000 and 0.5 < len(d["samples"]) / 8000 < 1.5 for d in real)


def test_padding_puts_every_utterance_at_the_end():
    batch = pad_left([np.ones((2, 3)), 2 * np.ones((4, 3))])
    assert batch.shape == (4, 2, 3)
    np.testing.assert_array_equal(batch[:2, 0], 0)
    np.testing.assert_array_equal(batch[2:, 0], 1)
    assert pad_left([np.ones((5, 3))], 3).shape == (3, 1, 3)


def test_classifier_learns_separable_sequences_and_confusion_counts():
    rng = np.random.default_rng(0)
    feats = [rng.normal(size=(int(rng.integers(5, 9)), 4)) + 1.5 * (k % 2) for k in range(200)]
    labels = np.arange(200) % 2
    scale = band_scale(feats)
    run = train_digit_classifier(feats[:150], labels[:150], scale=scale, hidden_size=8,
                                 steps=150, batch_size=32, length=10, rng=0)
    pred = predict_digits(run["params"], feats[150:], scale=scale, length=10)
    assert np.mean(pred == labels[150:]) > 0.9
    m = confusion_matrix([0, 1, 1], [0, 0, 1], 2)
    np.testing.assert_array_equal(m, [[1, 0], [1, 1]])


def test_segment_means_keep_the_order_of_the_word():
    word = np.concatenate([np.zeros((4, 2)), np.ones((4, 2))])   # silent, then loud
    np.testing.assert_allclose(segment_means([word], 2)[0], [0, 0, 1, 1, np.log(8)])
    backwards = segment_means([word[::-1]], 2)[0]
    np.testing.assert_allclose(backwards[:4], [1, 1, 0, 0])        # the reverse is another word
    assert segment_means([np.ones((9, 16))] * 3).shape == (3, 4 * 16 + 1)
    with pytest.raises(ValueError, match=r"features\[0\] has shape \(2, 16\)"):
        segment_means([np.ones((2, 16))], 4)


def test_softmax_regression_separates_what_a_linear_rule_separates():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0.5)            # four classes, linear borders
    model = train_softmax_regression(X[:200], y[:200], steps=400)
    assert model["W"].shape == (4, 5)
    assert np.mean(softmax_regression_predict(model, X[200:]) == y[200:]) > 0.85
    with pytest.raises(ValueError, match="X has shape"):
        train_softmax_regression(X[:10], y[:9])
