"""A many-to-one recurrent classifier: embedding, GRU, pooled state, output layer.

    x_t = E[w_t]                                   embedding of the t-th word
    h_t = GRU(h_{t-1}, x_t)                        h_0 = 0
    h̄   = sum_t m_t h_t / sum_t m_t                mean over the real (unpadded) steps
    p   = softmax(W_y h̄ + b_y)                    one distribution over C classes

or, with ``pool="last"``, ``h̄`` is the state at the last real word. The loss is the
cross-entropy of ``p`` against the label; padding contributes nothing to ``h̄`` and gets
no gradient.

    params = init_classifier(V, embed_size=32, hidden_size=64, num_classes=2, rng=0)
    run = train_classifier(params, train_batches, evaluate=val_accuracy, epochs=3)
    classifier_predict(params, ids, mask)

Shapes: ``ids`` and ``mask`` (T, B) time-major, V words, D embedding size, H hidden
size, C classes.

Book: chapter 6, sentiment analysis.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_rng, one_of, positive_int
from ...layers.embedding import embedding_backward, embedding_forward, init_embedding
from ...layers.gru import gru_backward, gru_forward, init_gru_params
from ...layers.output import output_backward, output_forward
from ...layers.pooling import last_state_backward, last_state_forward, mean_pool_backward, mean_pool_forward
from ...training.losses import softmax_cross_entropy
from ...training.loop import fit
from ...training.optim import Adam

POOLS = {"mean": (mean_pool_forward, mean_pool_backward), "last": (last_state_forward, last_state_backward)}


def init_classifier(vocab_size, embed_size, hidden_size, num_classes, *, rng=None) -> dict[str, np.ndarray]:
    """Parameters: ``E`` (V, D), the GRU's nine, ``W_y`` (C, H) and ``b_y`` (C,)."""
    gen = as_rng(rng)
    H = positive_int("hidden_size", hidden_size)
    C = positive_int("num_classes", num_classes)
    params = {"E": init_embedding(vocab_size, embed_size, rng=gen)}
    params.update(init_gru_params(embed_size, H, rng=gen))
    k = 1.0 / np.sqrt(H)
    params["W_y"] = gen.uniform(-k, k, (C, H))
    params["b_y"] = np.zeros(C)
    return params


def classifier_forward(params, ids, mask, *, pool="mean"):
    """Logits (B, C) for a padded batch, and the cache for :func:`classifier_backward`."""
    pool_fwd = POOLS[one_of("pool", pool, tuple(POOLS))][0]
    ids, mask = np.asarray(ids), np.asarray(mask)
    X, emb_cache = embedding_forward(ids, params["E"])
    h0 = np.zeros((ids.shape[1], params["W_z"].shape[0]))
    hs, gru_cache = gru_forward(X, h0, params)
    pooled, pool_cache = pool_fwd(hs, mask)
    logits, out_cache = output_forward(pooled, params)
    return logits, {"pool": pool, "caches": (emb_cache, gru_cache, pool_cache, out_cache)}


def classifier_backward(dlogits, cache) -> dict[str, np.ndarray]:
    """Gradients of every parameter given dLoss/dlogits (B, C)."""
    emb_cache, gru_cache, pool_cache, out_cache = cache["caches"]
    dpooled, grads = output_backward(dlogits, out_cache)
    dhs = POOLS[cache["pool"]][1](dpooled, pool_cache)
    dX, _, gru_grads = gru_backward(dhs, gru_cache)
    grads.update(gru_grads)
    grads["E"] = embedding_backward(dX, emb_cache, padding_id=0)
    return grads


def classifier_loss_and_grads(params, batch, *, pool="mean"):
    """Mean cross-entropy of a batch ``(ids, mask, labels)`` and the gradients."""
    ids, mask, labels = batch
    logits, cache = classifier_forward(params, ids, mask, pool=pool)
    loss, dlogits = softmax_cross_entropy(logits, labels, reduction="mean")
    return loss, classifier_backward(dlogits, cache)


def classifier_predict(params, ids, mask, *, pool="mean", batch_size=512) -> np.ndarray:
    """The most likely class of every sequence: (B,)."""
    ids, mask = np.asarray(ids), np.asarray(mask)
    out = []
    for s in range(0, ids.shape[1], batch_size):
        m = mask[:, s: s + batch_size]
        T = int(m.sum(axis=0).max())  # trim padding shared by the whole slice
        out.append(classifier_forward(params, ids[:T, s: s + batch_size], m[:T], pool=pool)[0].argmax(axis=-1))
    return np.concatenate(out)


class Minibatches:
    """Shuffled minibatches ``(ids, mask, labels)`` of a padded data set, reshuffled every
    time it is iterated (one epoch), each trimmed to its longest sequence."""

    def __init__(self, ids, mask, labels, batch_size, *, rng=None):
        self.ids, self.mask, self.labels = np.asarray(ids), np.asarray(mask), np.asarray(labels)
        self.batch_size = positive_int("batch_size", batch_size)
        self.gen = as_rng(rng)

    def __len__(self) -> int:
        return (len(self.labels) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        order = self.gen.permutation(len(self.labels))
        for s in range(0, len(order), self.batch_size):
            b = order[s: s + self.batch_size]
            m = self.mask[:, b]
            T = int(m.sum(axis=0).max())
            yield self.ids[:T, b], m[:T], self.labels[b]


def train_classifier(params, batches, *, epochs=3, lr=2e-3, max_norm=5.0, pool="mean",
                     evaluate=None):
    """Train with Adam for ``epochs`` passes over ``batches`` (a :class:`Minibatches`).

    With ``evaluate(params) -> accuracy``, it is measured after every epoch and the best
    epoch's parameters are kept (early stopping on a validation set).
    Returns the :class:`~rnn_course.training.loop.FitResult` of :func:`~rnn_course.fit`.
    """
    per_epoch = len(batches)
    extra = {} if evaluate is None else {"evaluate": evaluate, "eval_every": per_epoch,
                                         "mode": "max", "restore_best": True}
    return fit(params, lambda p, b: classifier_loss_and_grads(p, b, pool=pool), batches,
               Adam(lr=lr), positive_int("epochs", epochs) * per_epoch, max_norm=max_norm, **extra)
