"""A character-level LSTM over ABC tunes, and an n-gram model to compare it with.

The training text is every tune as ``K:<key>\\n<body>`` followed by a blank line, one after
another; the model learns to predict each next character. Training reads random chunks of
``seq_len`` characters (a chunk can span the end of one tune and the start of the next,
so the model also learns where tunes end). Generating starts from a blank line and ``K:``
and stops at the next blank line.

    vocab = build_vocab(texts)                     # the characters, in order
    run = train_tune_lm(encode(corpus, vocab), len(vocab), rng=0)
    sample_tunes(run["params"], vocab, 40, temperature=0.8, rng=1)
    ngram_sample_tunes(KneserNey(ids, 5, V), vocab, 40, temperature=0.8, rng=1)
    longest_shared(tune, corpus)                   # the longest stretch copied from corpus

Shapes: T = ``seq_len`` steps, B chunks, V characters, H hidden size.

Book: chapter 6, music generation.
"""

from __future__ import annotations

import numpy as np

from ..._validate import ArgumentTypeError, as_rng, positive_int
from ...layers.lstm import lstm_cell_forward
from ...training.loop import fit
from ...training.losses import softmax_cross_entropy
from ...training.models import init_model, model_backward, model_forward
from ...training.optim import Adam
from ...training.sampling import sample_with_temperature

SEPARATOR = "\n\n"
START = SEPARATOR + "K:"


def corpus_text(texts) -> str:
    """The tunes one after another, each followed by a blank line."""
    return "".join(t + SEPARATOR for t in texts)


def build_vocab(texts) -> list[str]:
    """Every character of the tunes (and of the separator), sorted."""
    return sorted(set(corpus_text(texts)) | set(START))


def encode(text: str, vocab) -> np.ndarray:
    """Character ids (N,) of ``text``; a character outside ``vocab`` is an error."""
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted(set(text) - set(index))
    if unknown:
        raise ValueError(f"characters {unknown} are not in vocab")
    return np.array([index[c] for c in text], dtype=np.int64)


def _chunks(ids: np.ndarray, starts: np.ndarray, seq_len: int, V: int, dtype=np.float64):
    """One-hot inputs (T, B, V) and next-character targets (T, B) of chunks at ``starts``."""
    rows = ids[starts[None, :] + np.arange(seq_len + 1)[:, None]]
    return np.eye(V, dtype=dtype)[rows[:-1]], rows[1:]


def tune_lm_loss_and_grads(params, X, targets):
    """Mean cross-entropy per character and the gradients of the LSTM language model."""
    logits, cache = model_forward("lstm", X, params)
    loss, dlogits = softmax_cross_entropy(logits, targets, reduction="mean")
    return loss, model_backward("lstm", dlogits, cache)


def train_tune_lm(ids, vocab_size, *, hidden_size=96, seq_len=64, batch_size=32, steps=800,
                  lr=1e-2, max_norm=1.0, rng=0, dtype=np.float64):
    """Train an LSTM on the character ids of the training text. Returns a dict with
    ``params``, ``losses`` (nats per character, every step) and ``seconds``.
    ``dtype=np.float32`` trains in float32, about twice as fast."""
    ids = np.asarray(ids, dtype=np.int64)
    V = positive_int("vocab_size", vocab_size)
    T = positive_int("seq_len", seq_len)
    if len(ids) <= T + 1:
        raise ValueError(f"ids has {len(ids)} characters: too few for chunks of {T}")
    gen = as_rng(rng)
    params = init_model("lstm", V, hidden_size, V, rng=gen, dtype=dtype)
    draw = lambda step, g: _chunks(ids, g.integers(0, len(ids) - T - 1, batch_size), T, V, dtype)  # noqa: E731
    run = fit(params, lambda p, batch: tune_lm_loss_and_grads(p, *batch), draw, Adam(lr=lr),
              steps, max_norm=max_norm, rng=gen)
    return {"params": params, "losses": run.losses, "seconds": run.seconds}


def tune_lm_loss(params, ids, *, seq_len=256) -> float:
    """Cross-entropy per character (nats) on held-out ids, read in chunks of ``seq_len``
    from a zero state (the first characters of each chunk are predicted with little context)."""
    ids = np.asarray(ids, dtype=np.int64)
    V = np.shape(params["W_y"])[0]
    n = (len(ids) - 1) // seq_len
    if n < 1:
        raise ValueError(f"ids has {len(ids)} characters: fewer than one chunk of {seq_len}")
    X, targets = _chunks(ids, np.arange(n) * seq_len, seq_len, V, np.asarray(params["W_y"]).dtype)
    logits, _ = model_forward("lstm", X, params)
    return softmax_cross_entropy(logits, targets, reduction="mean")[0]


def _cut(texts: list[str]) -> list[str]:
    """The generated text of each sample, up to its first blank line, after ``K:``."""
    return ["K:" + t.split(SEPARATOR)[0] for t in texts]


def sample_tunes(params, vocab, n, *, temperature=1.0, max_len=400, rng=None) -> list[str]:
    """``n`` tunes from the LSTM, one character at a time with the state carried along."""
    n, max_len = positive_int("n", n), positive_int("max_len", max_len)
    gen = as_rng(rng)
    V, H = len(vocab), np.shape(params["W_f"])[0]
    eye = np.eye(V)
    start = encode(START, vocab)
    h, c = np.zeros((n, H)), np.zeros((n, H))
    for i in start[:-1]:
        h, c, _ = lstm_cell_forward(np.repeat(eye[i][None], n, axis=0), h, c, params)
    current = np.full(n, start[-1])
    drawn = np.zeros((max_len, n), dtype=np.int64)
    for t in range(max_len):
        h, c, _ = lstm_cell_forward(eye[current], h, c, params)
        current = sample_with_temperature(h @ params["W_y"].T + params["b_y"], temperature, rng=gen)
        drawn[t] = current
    return _cut(["".join(vocab[i] for i in col) for col in drawn.T])


def ngram_sample_tunes(model, vocab, n, *, temperature=1.0, max_len=400, rng=None) -> list[str]:
    """``n`` tunes from an n-gram model with a ``next_log_probs(contexts)`` method and an
    ``order`` (:class:`~rnn_course.tasks.language.ngram.KneserNey`), sampled like
    :func:`sample_tunes`."""
    if not callable(getattr(model, "next_log_probs", None)) or not hasattr(model, "order"):
        raise ArgumentTypeError("model must have next_log_probs(contexts) and order, like KneserNey")
    n, max_len = positive_int("n", n), positive_int("max_len", max_len)
    gen = as_rng(rng)
    k = model.order - 1
    pad = encode("\n" * max(k, 1), vocab)
    history = np.tile(np.concatenate([pad, encode(START, vocab)]), (n, 1))
    for _ in range(max_len):
        context = history[:, history.shape[1] - k:] if k else history[:, :0]
        nxt = sample_with_temperature(model.next_log_probs(context), temperature, rng=gen)
        history = np.concatenate([history, nxt[:, None]], axis=1)
    begin = len(pad) + len(START)
    return _cut(["".join(vocab[i] for i in row[begin:]) for row in history])


def longest_shared(text: str, corpus: str) -> int:
    """The length of the longest stretch of ``text`` that occurs, character for character,
    somewhere in ``corpus``: a measure of how much of a generated tune is copied."""
    if not isinstance(text, str) or not isinstance(corpus, str):
        raise ArgumentTypeError("text and corpus must be strings")
    best = 0
    for start in range(len(text)):
        # only a longer match than the best so far is worth checking from here
        while start + best < len(text) and text[start:start + best + 1] in corpus:
            best += 1
    return best
