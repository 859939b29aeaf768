"""Spoken digits: synthetic voices to train on, a real voice to test on.

- **Training data** is synthesised at run time with Debian's ``espeak-ng`` in many voices:
  8 English accents crossed with 79 voice variants, at several speeds and pitches
  (:func:`digit_voices`). espeak-ng is deterministic, so the same voice gives the same
  samples every time; they are cached as ``.npy`` files in a folder under the system's
  temporary directory (:func:`cache_folder`), so a second run skips the synthesis.
- **Test data** includes real human recordings: the digits 0-9 spoken by Allison Smith in
  Debian's ``asterisk-core-sounds-en-wav`` (one take each, 8 kHz).

Both are Debian packages (``apt-get install espeak-ng asterisk-core-sounds-en-wav``);
:func:`missing_debian_packages` says which are missing. The environment variables
``RNN_COURSE_ESPEAK_NG`` (the program) and ``RNN_COURSE_ASTERISK_DIGITS`` (the folder of
``0.wav`` ... ``9.wav``) point elsewhere, or at nothing to test what happens without them.

Book: chapter 6, speech recognition.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..._validate import integer

#: The ten words, in the order of their labels 0-9.
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
           "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
#: espeak-ng's voice variants (espeak-ng-data/voices/!v), without the robots, whispers and effects.
VARIANTS = (
    "Alex", "Alicia", "Andrea", "Andy", "Annie", "AnxiousAndy", "Denis", "Diogo", "Gene", "Gene2",
    "Henrique", "Hugo", "Jacky", "Lee", "Marco", "Mario", "Michael", "Mike", "Nguyen", "adam",
    "anika", "antonio", "aunty", "belinda", "benjamin", "boris", "caleb", "david", "ed", "edward",
    "edward2", "f1", "f2", "f3", "f4", "f5", "grandma", "grandpa", "gustave", "iven", "iven2",
    "iven3", "iven4", "john", "kaukovalta", "klatt", "klatt2", "klatt3", "klatt4", "klatt5",
    "klatt6", "linda", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "marcelo", "max", "michel",
    "miguel", "norbert", "pablo", "paul", "pedro", "quincy", "rob", "robert", "sandro", "shelby",
    "steph", "steph2", "steph3", "travis", "victor", "zac",
)
SPEEDS = (120, 145, 170, 195)   # words per minute
PITCHES = (30, 45, 60, 75)      # espeak-ng's 0-99 scale
ASTERISK_DIGITS = "/usr/share/asterisk/sounds/en_US_f_Allison/digits"
PACKAGES = {"espeak": "espeak-ng", "asterisk": "asterisk-core-sounds-en-wav"}


def espeak_program() -> str | None:
    """The espeak-ng executable, or None when it is not installed."""
    configured = os.environ.get("RNN_COURSE_ESPEAK_NG")
    if configured is not None:
        return configured if Path(configured).is_file() and os.access(configured, os.X_OK) else None
    return shutil.which("espeak-ng")


def asterisk_folder() -> Path:
    """The folder of the real recordings ``0.wav`` ... ``9.wav``."""
    return Path(os.environ.get("RNN_COURSE_ASTERISK_DIGITS", ASTERISK_DIGITS))


def missing_debian_packages() -> list[str]:
    """The Debian packages the speech data needs and that are not installed (empty if none)."""
    missing = []
    if espeak_program() is None:
        missing.append(PACKAGES["espeak"])
    if not all((asterisk_folder() / f"{d}.wav").is_file() for d in range(10)):
        missing.append(PACKAGES["asterisk"])
    return missing


def _need(package: str) -> None:
    if package in missing_debian_packages():
        raise FileNotFoundError(
            f"the speech data needs the Debian package {package}: "
            f"sudo apt-get install {package} (or run scripts/setup.sh as root)"
        )


def read_wav(path) -> tuple[int, np.ndarray]:
    """``(rate, samples)`` of a 16-bit mono WAV file, samples as floats in [-1, 1)."""
    with wave.open(str(path), "rb") as f:
        if f.getsampwidth() != 2 or f.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono PCM")
        data = f.readframes(f.getnframes())
        return f.getframerate(), np.frombuffer(data, dtype="<i2") / 32768.0


def _wav_bytes(data: bytes) -> tuple[int, np.ndarray]:
    """Parse the WAV espeak-ng writes to stdout (its data size field is not filled in)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("espeak-ng did not write a WAV file")
    at, rate = 12, None
    while at + 8 <= len(data):
        kind, size = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if kind == b"fmt ":
            rate = int.from_bytes(data[at + 12:at + 16], "little")
        if kind == b"data":
            body = data[at + 8:]
            return rate, np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2") / 32768.0
        at += 8 + size
    raise ValueError("espeak-ng wrote a WAV file without samples")


def cache_folder() -> Path:
    """Where synthesised words are kept: a folder under the system's temporary directory."""
    return Path(tempfile.gettempdir()) / "rnn-course-espeak"


def synthesize(text, voice, speed=160, pitch=50) -> tuple[int, np.ndarray]:
    """``(rate, samples)`` of ``text`` spoken by espeak-ng (``voice`` like ``"en-us+m3"``).

    The samples are cached by their arguments; espeak-ng is deterministic.
    """
    _need(PACKAGES["espeak"])
    speed = integer("speed", speed, low=80, high=450)
    pitch = integer("pitch", pitch, low=0, high=99)
    key = hashlib.sha1(f"{text}|{voice}|{speed}|{pitch}".encode()).hexdigest()
    path = cache_folder() / f"{key}.npy"
    if path.is_file():
        return 22050, np.load(path).astype(np.float64)
    done = subprocess.run([espeak_program(), "-v", voice, "-s", str(speed), "-p", str(pitch),
                           "--stdout", text], capture_output=True, check=True)
    rate, x = _wav_bytes(done.stdout)
    if rate != 22050:
        raise ValueError(f"espeak-ng wrote {rate} Hz: expected 22050")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, x.astype(np.float32))
    os.replace(tmp, path)  # atomic: a reader never sees half a file
    return rate, x.astype(np.float32).astype(np.float64)


def digit_voices() -> list[tuple[str, str, int, int]]:
    """The fixed list of training voices ``(accent, variant, speed, pitch)``: two per variant,
    the accents taken in turn, speeds and pitches spread over their ranges (158 voices)."""
    voices = []
    for i, variant in enumerate(VARIANTS):
        for j in range(2):
            k = 2 * i + j
            voices.append((ACCENTS[k % len(ACCENTS)], variant, SPEEDS[(k // 3) % 4], PITCHES[(k // 2) % 4]))
    return voices


def synthetic_digits(voices=None, *, workers=2) -> list[dict]:
    """Every digit in every voice: a list of dicts with ``rate``, ``samples``, ``label``
    (0-9) and ``voice``. Two espeak-ng processes run at a time (about 15 ms a word)."""
    voices = digit_voices() if voices is None else list(voices)
    jobs = [(d, v) for v in voices for d in range(10)]

    def one(job):
        d, (accent, variant, speed, pitch) = job
        return synthesize(DIGITS[d], f"{accent}+{variant}", speed, pitch)

    with ThreadPoolExecutor(integer("workers", workers, low=1, high=8)) as pool:
        audio = list(pool.map(one, jobs))
    return [{"rate": r, "samples": x, "label": d, "voice": v} for (d, v), (r, x) in zip(jobs, audio)]


def real_digits() -> list[dict]:
    """Allison's recordings of 0-9 (asterisk-core-sounds-en-wav), one take each, 8 kHz."""
    _need(PACKAGES["asterisk"])
    out = []
    for d in range(10):
        rate, x = read_wav(asterisk_folder() / f"{d}.wav")
        out.append({"rate": rate, "samples": x, "label": d, "voice": ("Allison", "human", 0, 0)})
    return out
