"""An encoder–decoder (sequence to sequence) for character strings, with greedy decoding.

The **encoder**, a GRU, reads the source string and its state after the last real
character is the fixed-size summary ``c`` (H numbers, whatever the length). The
**decoder**, another GRU started from ``h_0 = c``, writes the target one character at a
time; as in Cho et al. (2014a), it also receives ``c`` at every step next to the previous
character, which makes the summary easier to use and training much faster:

    c   = encoder state after the source's last character
    s_t = GRU_dec(s_{t-1}, [E_t[y_{t-1}], c])       s_0 = c, y_0 = <s>
    p_t = softmax(W_y s_t + b_y)

Training uses **teacher forcing**: the decoder is fed the true previous character, and
the loss is the cross-entropy of every target character (masked at padding, ``</s>``
included). At test time there is no true previous character: **greedy decoding** feeds
back the most likely one until ``</s>``.

    vocab = Seq2SeqVocab.from_pairs(train_pairs)
    params = init_seq2seq(vocab, embed_size=32, hidden_size=128, rng=0)
    run = train_seq2seq(params, vocab, train_pairs, steps=900, rng=0)
    greedy_decode(params, vocab, ["7 mars 1998"])          # ['1998-03-07']

Shapes: S source steps, T target steps, B batch, D embedding size, H hidden size.

Book: chapter 6, machine translation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validate import as_rng, float_dtype, positive_int, real
from ...layers.embedding import embedding_backward, embedding_forward, init_embedding
from ...layers.gru import gru_backward, gru_forward, init_gru_params
from ...layers.output import output_backward, output_forward
from ...layers.pooling import last_state_backward, last_state_forward
from ...training.losses import softmax_cross_entropy
from ...training.loop import fit
from ...training.optim import Adam
from ...training.sampling import greedy
from ...training.schedule import LinearDecay

PAD, UNK, START, END = "<pad>", "<unk>", "<s>", "</s>"


@dataclass
class Seq2SeqVocab:
    """Source characters (``<pad>``, ``<unk>``, ...) and target characters (``<pad>``, ``<s>``, ``</s>``, ...)."""

    source: list
    target: list

    @classmethod
    def from_pairs(cls, pairs) -> Seq2SeqVocab:
        pairs = list(pairs)
        return cls([PAD, UNK] + sorted({c for s, _ in pairs for c in s}),
                   [PAD, START, END] + sorted({c for _, t in pairs for c in t}))

    def encode_sources(self, sources):
        """(ids (S, B), mask (S, B)); unknown characters become ``<unk>``."""
        index = {c: i for i, c in enumerate(self.source)}
        S = max(1, max(map(len, sources)))
        ids, mask = np.zeros((S, len(sources)), dtype=np.int64), np.zeros((S, len(sources)), dtype=bool)
        for b, s in enumerate(sources):
            ids[: len(s), b] = [index.get(c, 1) for c in s]
            mask[: max(1, len(s)), b] = True
        return ids, mask

    def encode_targets(self, targets):
        """(inputs (T, B): ``<s>`` then the string; outputs (T, B): the string then ``</s>``; mask)."""
        index = {c: i for i, c in enumerate(self.target)}
        unknown = sorted({c for t in targets for c in t} - set(index))
        if unknown:
            raise ValueError(f"target characters {unknown} are not in the vocabulary")
        T = max(map(len, targets)) + 1
        shape = (T, len(targets))
        inputs, outputs, mask = np.zeros(shape, np.int64), np.zeros(shape, np.int64), np.zeros(shape, bool)
        for b, t in enumerate(targets):
            ids = [index[c] for c in t]
            inputs[: len(ids) + 1, b] = [1, *ids]
            outputs[: len(ids) + 1, b] = [*ids, 2]
            mask[: len(ids) + 1, b] = True
        return inputs, outputs, mask


def _part(params, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def init_seq2seq(vocab: Seq2SeqVocab, *, embed_size=32, hidden_size=128, rng=None,
                 dtype=np.float64) -> dict:
    """Parameters: ``E_src``, ``E_tgt``, the encoder's GRU (``enc.W_z``, ...), the decoder's
    GRU (``dec.W_z``, ...; its input is D + H wide) and ``W_y``, ``b_y``.

    Every array is of ``dtype`` (``float64``, or ``float32``: training then runs in float32,
    about twice as fast); the values are drawn in float64 and rounded, so a seed gives the
    same model in either type.
    """
    dtype = float_dtype("dtype", dtype)
    gen = as_rng(rng)
    D, H = positive_int("embed_size", embed_size), positive_int("hidden_size", hidden_size)
    params = {"E_src": init_embedding(len(vocab.source), D, rng=gen),
              "E_tgt": init_embedding(len(vocab.target), D, rng=gen)}
    params.update({f"enc.{k}": v for k, v in init_gru_params(D, H, rng=gen).items()})
    params.update({f"dec.{k}": v for k, v in init_gru_params(D + H, H, rng=gen).items()})
    k = 1.0 / np.sqrt(H)
    params["W_y"] = gen.uniform(-k, k, (len(vocab.target), H))
    params["b_y"] = np.zeros(len(vocab.target))
    return {name: value.astype(dtype, copy=False) for name, value in params.items()}


def encode(params, src_ids, src_mask):
    """The summary ``c`` (B, H): the encoder's state after each source's last character."""
    X, emb_cache = embedding_forward(src_ids, params["E_src"])
    enc = _part(params, "enc.")
    hs, gru_cache = gru_forward(X, np.zeros((src_ids.shape[1], enc["W_z"].shape[0]), dtype=enc["W_z"].dtype), enc)
    c, last_cache = last_state_forward(hs, src_mask)
    return c, (emb_cache, gru_cache, last_cache)


def seq2seq_loss_and_grads(params, batch):
    """Teacher-forced mean cross-entropy per target character, and every gradient.

    ``batch`` is ``(src_ids, src_mask, tgt_inputs, tgt_outputs, tgt_mask)``.
    """
    src_ids, src_mask, tgt_in, tgt_out, tgt_mask = batch
    c, enc_caches = encode(params, src_ids, src_mask)
    Y, tgt_emb_cache = embedding_forward(tgt_in, params["E_tgt"])
    D = Y.shape[-1]
    X = np.concatenate([Y, np.broadcast_to(c, (tgt_in.shape[0], *c.shape))], axis=-1)
    hs, dec_cache = gru_forward(X, c, _part(params, "dec."))
    logits, out_cache = output_forward(hs, params)
    loss, dlogits = softmax_cross_entropy(logits, tgt_out, mask=tgt_mask, reduction="mean")
    dhs, grads = output_backward(dlogits, out_cache)
    dX, dc, dec_grads = gru_backward(dhs, dec_cache)
    dc = dc + dX[..., D:].sum(axis=0)  # c fed at every step: its gradients add up
    grads.update({f"dec.{k}": v for k, v in dec_grads.items()})
    grads["E_tgt"] = embedding_backward(dX[..., :D], tgt_emb_cache, padding_id=0)
    emb_cache, gru_cache, last_cache = enc_caches
    dXs, _, enc_grads = gru_backward(last_state_backward(dc, last_cache), gru_cache)
    grads.update({f"enc.{k}": v for k, v in enc_grads.items()})
    grads["E_src"] = embedding_backward(dXs, emb_cache, padding_id=0)
    return loss, grads


def greedy_decode(params, vocab: Seq2SeqVocab, sources, *, max_len=None) -> list[str]:
    """Translate each source string, feeding back the most likely character until ``</s>``."""
    sources = list(sources)
    max_len = positive_int("max_len", max_len) if max_len is not None else 2 * max(map(len, sources)) + 2
    src_ids, src_mask = vocab.encode_sources(sources)
    c, _ = encode(params, src_ids, src_mask)
    dec = _part(params, "dec.")
    s, prev = c, np.full(len(sources), 1)
    out = np.zeros((max_len, len(sources)), dtype=np.int64)
    for t in range(max_len):
        x = np.concatenate([params["E_tgt"][prev], c], axis=-1)
        s = gru_forward(x[None], s, dec)[0][0]
        prev = out[t] = greedy(output_forward(s, params)[0])
    texts = []
    for col in out.T:
        stop = np.flatnonzero(col == 2)
        col = col[: stop[0]] if len(stop) else col
        texts.append("".join(vocab.target[i] if i > 2 else "?" for i in col))
    return texts


def train_seq2seq(params, vocab: Seq2SeqVocab, pairs, *, steps=900, batch_size=64, lr=5e-3,
                  final_lr=0.1, max_norm=1.0, evaluate=None, eval_every=None, optimizer=None, rng=None):
    """Teacher-forced training on random minibatches of ``pairs`` with :func:`~rnn_course.fit`
    (Adam, learning rate falling linearly to ``final_lr * lr`` over ``steps``, clipping at
    ``max_norm``).

    To train in several calls as if in one, pass the same ``optimizer`` (for instance
    ``LinearDecay(Adam(lr=5e-3), total_steps)``; ``lr`` and ``final_lr`` are then unused)
    and the same ``numpy.random.Generator`` as ``rng`` to each call.
    """
    pairs = list(pairs)
    B = positive_int("batch_size", batch_size)

    def batches(step, g):
        chosen = [pairs[i] for i in g.integers(0, len(pairs), B)]
        return (*vocab.encode_sources([s for s, _ in chosen]), *vocab.encode_targets([t for _, t in chosen]))

    opt = optimizer or LinearDecay(Adam(lr=real("lr", lr, low=0.0, low_open=True)), steps, final=final_lr)
    return fit(params, seq2seq_loss_and_grads, batches, opt, steps, max_norm=max_norm,
               evaluate=evaluate, eval_every=eval_every, rng=as_rng(rng))


def char_accuracy(predicted: str, target: str) -> float:
    """The share of positions where two strings agree, over the longer one's length."""
    n = max(len(predicted), len(target), 1)
    return sum(a == b for a, b in zip(predicted, target)) / n
