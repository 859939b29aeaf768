"""Counting baselines for a character-level language model: unigram and Kneser–Ney n-grams.

An n-gram model predicts the next character from the ``n - 1`` before it, by counting
how often each continuation followed that context in the training text. Counts alone give
zero probability to anything unseen, so the counts are **smoothed**. Interpolated
Kneser–Ney (Kneser and Ney, 1995; Chen and Goodman, 1999) is the classic choice:

    P(c | h) = max(N(h c) - D, 0) / N(h ·)  +  D · K(h) / N(h ·) · P_lower(c | h')

where ``h'`` drops the oldest character of ``h``, ``N`` counts occurrences, ``K(h)`` is the
number of different characters seen after ``h``, and ``D = 0.75`` is the discount. The
lower orders count *in how many different contexts* a string occurs rather than how often
(the "continuation" counts), and the bottom is the uniform distribution over V characters.
A context never seen falls through to the next shorter one.

    model = KneserNey(train_ids, order=5, vocab_size=V)
    model.bits_per_char(test_ids)         # held-out cross-entropy in bits per character
    model.size                            # how many counts it stores

Everything is vectorised: an m-gram is one integer in base V, counted with ``np.unique``.

Book: chapter 6, the character-level language model.
"""

from __future__ import annotations

import numpy as np

from ..._validate import ArgumentTypeError, integer, positive_int, real


def _ids(ids, V: int, name: str) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
        raise ArgumentTypeError(f"{name} must be a 1-D array of character ids")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name} holds ids outside 0 .. {V - 1}")
    return ids.astype(np.int64)


def _grams(ids: np.ndarray, m: int, V: int) -> np.ndarray:
    """Every m-gram of ``ids`` as one integer in base V: (N - m + 1,)."""
    out = np.zeros(len(ids) - m + 1, dtype=np.int64)
    for k in range(m):
        out = out * V + ids[k: len(ids) - m + 1 + k]
    return out


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values`` where ``query`` is in the sorted ``keys``, 0 elsewhere."""
    if not len(keys):
        return np.zeros(len(query))
    i = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[i] == query, values[i], 0)


def unigram_bits(train_ids, test_ids, vocab_size) -> float:
    """Bits per character of character frequencies (add-one smoothed) on ``test_ids``."""
    V = positive_int("vocab_size", vocab_size)
    train, test = _ids(train_ids, V, "train_ids"), _ids(test_ids, V, "test_ids")
    counts = np.bincount(train, minlength=V) + 1.0
    return float(-np.log2(counts[test] / counts.sum()).mean())


class KneserNey:
    """An interpolated Kneser–Ney character model of ``order`` n, counted on ``train_ids``."""

    def __init__(self, train_ids, order, vocab_size, *, discount=0.75):
        self.V = positive_int("vocab_size", vocab_size)
        self.order = integer("order", order, low=1, high=int(np.log(2**62) / np.log(max(self.V, 2))))
        self.discount = real("discount", discount, low=0.0, high=1.0, low_open=True, high_open=True)
        train = _ids(train_ids, self.V, "train_ids")
        if len(train) <= self.order:
            raise ValueError(f"train_ids has {len(train)} characters: too few for order {self.order}")
        self.levels = []
        for m in range(1, self.order + 1):
            if m == self.order:  # the top level counts occurrences
                keys, counts = np.unique(_grams(train, m, self.V), return_counts=True)
            else:  # lower levels count distinct one-character-longer left extensions
                longer = np.unique(_grams(train, m + 1, self.V))
                keys, counts = np.unique(longer % self.V**m, return_counts=True)
            contexts, which = np.unique(keys // self.V, return_inverse=True)
            totals = np.bincount(which, weights=counts)
            kinds = np.bincount(which)
            self.levels.append((keys, counts, contexts, totals, kinds))

    @property
    def size(self) -> int:
        """The number of counts the model stores (one per m-gram, two per context)."""
        return int(sum(len(k) + 2 * len(c) for k, _, c, _, _ in self.levels))

    def log_probs(self, ids) -> np.ndarray:
        """``log P(ids[t] | ids[t-n+1 .. t-1])`` (nats) for every ``t >= n - 1``."""
        seq = _ids(ids, self.V, "ids")
        n, V, D = self.order, self.V, self.discount
        t = np.arange(n - 1, len(seq))
        p = np.full(len(t), 1.0 / V)
        for m, (keys, counts, contexts, totals, kinds) in enumerate(self.levels, start=1):
            gram = np.zeros(len(t), dtype=np.int64)
            for k in range(m):
                gram = gram * V + seq[t - m + 1 + k]
            count = _lookup(keys, counts, gram)
            total = _lookup(contexts, totals, gram // V)
            kind = _lookup(contexts, kinds, gram // V)
            seen = total > 0
            safe = np.where(seen, total, 1.0)
            p = np.where(seen, np.maximum(count - D, 0.0) / safe + D * kind / safe * p, p)
        return np.log(p)

    def next_log_probs(self, contexts) -> np.ndarray:
        """``log P(c | context)`` (nats) for every character ``c`` after each context:
        ``contexts`` is ``(B, n - 1)`` character ids, the result ``(B, V)``. The same numbers
        as :meth:`log_probs` of each context followed by each character, without scoring
        the contexts' own characters (what a sampler needs at every step)."""
        n, V, D = self.order, self.V, self.discount
        ctx = np.asarray(contexts)
        if (ctx.ndim != 2 or ctx.shape[1] != n - 1 or ctx.dtype == bool
                or not np.issubdtype(ctx.dtype, np.integer)):
            raise ArgumentTypeError(f"contexts must be a 2-D integer array of shape (B, {n - 1}), "
                                    f"one row of n - 1 character ids per context; got shape {ctx.shape}")
        if ctx.size and (ctx.min() < 0 or ctx.max() >= V):
            raise ValueError(f"contexts holds ids outside 0 .. {V - 1}")
        ctx = ctx.astype(np.int64)
        p = np.full((len(ctx), V), 1.0 / V)
        for m, (keys, counts, contexts_m, totals, kinds) in enumerate(self.levels, start=1):
            history = np.zeros(len(ctx), dtype=np.int64)
            for k in range(n - m, n - 1):  # the last m - 1 characters of each context
                history = history * V + ctx[:, k]
            gram = (history[:, None] * V + np.arange(V)).ravel()
            count = _lookup(keys, counts, gram).reshape(p.shape)
            total = _lookup(contexts_m, totals, history)[:, None]
            kind = _lookup(contexts_m, kinds, history)[:, None]
            seen = total > 0
            safe = np.where(seen, total, 1.0)
            p = np.where(seen, np.maximum(count - D, 0.0) / safe + D * kind / safe * p, p)
        return np.log(p)

    def bits_per_char(self, ids) -> float:
        """Held-out cross-entropy in bits per character."""
        return float(-self.log_probs(ids).mean() / np.log(2.0))
