"""An encoder–decoder with attention (Bahdanau, Cho and Bengio, 2015) for character strings.

The encoder is the one of :mod:`~rnn_course.tasks.language.seq2seq` (a GRU over the source's
characters), but every one of its states ``h_1 … h_S`` is kept. Before each output step
the decoder attends to them (:func:`~rnn_course.layers.attention.attention_forward`,
padding masked) and reads the context ``c_t`` next to the previous character::

    s_0 = h_S                                  the state after the last real character
    c_t, α_t = attention(s_{t-1}, h_1 … h_S)
    s_t = GRU_dec(s_{t-1}, [E_tgt[y_{t-1}], c_t])
    p_t = softmax(W_y s_t + W_yc c_t + b_y)

As in Bahdanau et al., the output reads the context too (``W_yc``). Everything else is as
in :mod:`~rnn_course.tasks.language.seq2seq`: the same vocabulary, the same decoder input (the
previous character and a context of H numbers; there the one summary ``c`` at every
step, here ``c_t``), teacher forcing, the mean cross-entropy per target character, and
greedy decoding, which here also returns the weights ``α`` to plot.

    params = init_attention_seq2seq(vocab, embed_size=32, hidden_size=64, rng=0)
    run = train_translator(params, attention_loss_and_grads, vocab, pairs, steps=600, rng=0)
    texts, weights = attention_greedy_decode(params, vocab, ["7 mars 1998"], return_weights=True)

:func:`train_translator` trains either model on length-bucketed batches, so that both
see the same batches under the same budget.

Shapes: S source steps, T target steps, B batch, D embedding size, H hidden size.

Book: chapter 6, attention.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_rng, positive_int, real
from ...layers.attention import (attention_backward, attention_forward, attention_keys,
                                attention_keys_backward, init_attention_params)
from ...layers.embedding import embedding_backward, embedding_forward
from ...layers.gru import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from ...layers.output import output_backward, output_forward
from ...layers.pooling import last_state_backward, last_state_forward
from ...training.losses import softmax_cross_entropy
from ...training.loop import fit
from ...training.optim import Adam
from ...training.sampling import greedy
from ...training.schedule import LinearDecay
from .seq2seq import Seq2SeqVocab, _part, greedy_decode, init_seq2seq, seq2seq_loss_and_grads


def init_attention_seq2seq(vocab: Seq2SeqVocab, *, embed_size=32, hidden_size=64, attention_size=None,
                           rng=None) -> dict:
    """The parameters of :func:`~rnn_course.tasks.language.seq2seq.init_seq2seq` (``E_src``, ``E_tgt``,
    ``enc.*``, ``dec.*`` with a decoder input D + H wide, ``W_y``, ``b_y``), drawn the same
    way from the same seed, then the attention's ``att.W_a`` (A, H), ``att.U_a`` (A, H),
    ``att.v_a`` (A,), A = ``attention_size`` (H by default), and the output layer's weights
    on the context, ``W_yc`` (V, H)."""
    gen = as_rng(rng)
    params = init_seq2seq(vocab, embed_size=embed_size, hidden_size=hidden_size, rng=gen)
    V, H = params["W_y"].shape
    att = init_attention_params(H, H, attention_size, rng=gen)
    params.update({f"att.{k}": v for k, v in att.items()})
    params["W_yc"] = gen.uniform(-1 / np.sqrt(H), 1 / np.sqrt(H), (V, H))
    return params


def _output(params):
    """The output layer reads the state and the context: ``W_y s_t + W_yc c_t + b_y``."""
    return {"W_y": np.concatenate([params["W_y"], params["W_yc"]], axis=1), "b_y": params["b_y"]}


def _encode(params, src_ids, src_mask):
    """Every encoder state hs (S, B, H), the last real one s_0 (B, H), and the caches."""
    X, emb_cache = embedding_forward(src_ids, params["E_src"])
    enc = _part(params, "enc.")
    hs, gru_cache = gru_forward(X, np.zeros((src_ids.shape[1], enc["W_z"].shape[0]), dtype=X.dtype), enc)
    s0, last_cache = last_state_forward(hs, src_mask)
    return hs, s0, (emb_cache, gru_cache, last_cache)


def _decode_step(att, dec, keys, hs, src_mask, y_prev, s_prev):
    """One decoder step: attend, then the GRU; returns [s_t, c_t] (what the output layer
    reads), α_t and the two caches."""
    context, alpha, att_cache = attention_forward(s_prev, hs, att, src_mask, keys=keys)
    s, gru_cache = gru_cell_forward(np.concatenate([y_prev, context], axis=-1), s_prev, dec)
    return np.concatenate([s, context], axis=-1), alpha, (att_cache, gru_cache)


def attention_loss_and_grads(params, batch):
    """Teacher-forced mean cross-entropy per target character, and every gradient.

    ``batch`` is ``(src_ids, src_mask, tgt_inputs, tgt_outputs, tgt_mask)``, as for
    :func:`~rnn_course.tasks.language.seq2seq.seq2seq_loss_and_grads`.
    """
    src_ids, src_mask, tgt_in, tgt_out, tgt_mask = batch
    hs, s, enc_caches = _encode(params, src_ids, src_mask)
    att, dec = _part(params, "att."), _part(params, "dec.")
    keys, keys_cache = attention_keys(hs, att)  # U_a h_s: the same at every step
    Y, tgt_emb_cache = embedding_forward(tgt_in, params["E_tgt"])
    H = s.shape[-1]
    read, caches = [], []  # [s_t, c_t] of every step
    for t in range(tgt_in.shape[0]):
        s_c, _, step_caches = _decode_step(att, dec, keys, hs, src_mask, Y[t], s)
        s = s_c[..., :H]
        read.append(s_c)
        caches.append(step_caches)
    logits, out_cache = output_forward(np.stack(read), _output(params))
    loss, dlogits = softmax_cross_entropy(logits, tgt_out, mask=tgt_mask, reduction="mean")
    dread, out_grads = output_backward(dlogits, out_cache)
    grads = {"W_y": out_grads["W_y"][:, :H], "W_yc": out_grads["W_y"][:, H:], "b_y": out_grads["b_y"]}

    D = Y.shape[-1]
    dY, dhs, dkeys = np.zeros_like(Y), np.zeros_like(hs), np.zeros_like(keys)
    dec_grads, att_grads = {}, {}
    ds = np.zeros_like(s)
    for t in reversed(range(tgt_in.shape[0])):
        att_cache, gru_cache = caches[t]
        dx, ds, g = gru_cell_backward(dread[t, ..., :H] + ds, gru_cache)
        dY[t] = dx[..., :D]
        # c_t feeds the GRU step and the output layer
        ds_att, dhs_t, ga = attention_backward(dx[..., D:] + dread[t, ..., H:], att_cache)
        ds = ds + ds_att  # s_{t-1} feeds both the GRU and the attention
        dhs += dhs_t
        dkeys += ga.pop("keys")
        for total, new in ((dec_grads, g), (att_grads, ga)):
            for k, v in new.items():
                total[k] = total[k] + v if k in total else v
    dhs_keys, keys_grads = attention_keys_backward(dkeys, keys_cache)
    att_grads.update(keys_grads)
    grads.update({f"dec.{k}": v for k, v in dec_grads.items()})
    grads.update({f"att.{k}": v for k, v in att_grads.items()})
    grads["E_tgt"] = embedding_backward(dY, tgt_emb_cache, padding_id=0)
    emb_cache, gru_cache, last_cache = enc_caches
    dhs = dhs + dhs_keys + last_state_backward(ds, last_cache)  # s_0 is the last real h_s
    dXs, _, enc_grads = gru_backward(dhs, gru_cache)
    grads.update({f"enc.{k}": v for k, v in enc_grads.items()})
    grads["E_src"] = embedding_backward(dXs, emb_cache, padding_id=0)
    return loss, grads


def attention_greedy_decode(params, vocab: Seq2SeqVocab, sources, *, max_len=None, return_weights=False):
    """Translate each source string, feeding back the most likely character until ``</s>``.

    Returns the texts; with ``return_weights``, also one array of weights per text,
    ``(len(text) + 1, len(source))``: row t holds α_{t+1, s} over the source's characters
    (the last row is the step that wrote ``</s>``, or the last step if none was written).
    """
    sources = list(sources)
    max_len = positive_int("max_len", max_len) if max_len is not None else 2 * max(map(len, sources)) + 2
    src_ids, src_mask = vocab.encode_sources(sources)
    hs, s, _ = _encode(params, src_ids, src_mask)
    att, dec = _part(params, "att."), _part(params, "dec.")
    keys, _ = attention_keys(hs, att)
    out_params = _output(params)
    prev = np.full(len(sources), 1)
    out = np.zeros((max_len, len(sources)), dtype=np.int64)
    alphas = np.zeros((max_len, *src_ids.shape))
    for t in range(max_len):
        s_c, alphas[t], _ = _decode_step(att, dec, keys, hs, src_mask, params["E_tgt"][prev], s)
        s = s_c[..., : s.shape[-1]]
        prev = out[t] = greedy(output_forward(s_c, out_params)[0])
    texts, weights = [], []
    for b, col in enumerate(out.T):
        stop = np.flatnonzero(col == 2)
        n = stop[0] if len(stop) else max_len
        texts.append("".join(vocab.target[i] if i > 2 else "?" for i in col[:n]))
        weights.append(alphas[: min(n + 1, max_len), : len(sources[b]), b])
    return (texts, weights) if return_weights else texts


def length_batches(vocab: Seq2SeqVocab, pairs, batch_size):
    """A ``batches(step, rng)`` function for :func:`~rnn_course.fit`: each batch is
    ``batch_size`` pairs of neighbouring source lengths (pairs sorted by length, a random
    window of them), so that little of a batch is padding; encoded as
    :func:`~rnn_course.tasks.language.seq2seq.seq2seq_loss_and_grads` takes it."""
    ordered = sorted(pairs, key=lambda p: len(p[0]))
    B = min(positive_int("batch_size", batch_size), len(ordered))

    def batches(step, g):
        start = int(g.integers(0, len(ordered) - B + 1))
        chosen = ordered[start: start + B]
        return (*vocab.encode_sources([s for s, _ in chosen]), *vocab.encode_targets([t for _, t in chosen]))

    return batches


def train_translator(params, loss_and_grads, vocab: Seq2SeqVocab, pairs, *, steps=600, batch_size=64,
                     lr=5e-3, final_lr=0.1, max_norm=1.0, evaluate=None, eval_every=None, rng=None):
    """Train an encoder–decoder, with attention (:func:`attention_loss_and_grads`) or without
    (:func:`~rnn_course.tasks.language.seq2seq.seq2seq_loss_and_grads`), on :func:`length_batches`
    with :func:`~rnn_course.fit`: Adam, the learning rate falling linearly to
    ``final_lr * lr`` over ``steps``, clipping at ``max_norm``. The same ``rng`` gives both
    models the same batches."""
    opt = LinearDecay(Adam(lr=real("lr", lr, low=0.0, low_open=True)), steps, final=final_lr)
    return fit(params, loss_and_grads, length_batches(vocab, pairs, batch_size), opt, steps,
               max_norm=max_norm, evaluate=evaluate, eval_every=eval_every, rng=as_rng(rng))


#: The two models :func:`compare_attention` trains: (initialiser, loss and gradients, decoder).
MODELS = {
    "without attention": (init_seq2seq, seq2seq_loss_and_grads, greedy_decode),
    "with attention": (init_attention_seq2seq, attention_loss_and_grads, attention_greedy_decode),
}


def compare_attention(vocab: Seq2SeqVocab, train, sources, *, seeds=(0, 1, 2), steps=900, batch_size=32,
                      embed_size=32, hidden_size=64, attention_size=32, lr=5e-3, dtype=np.float32) -> dict:
    """Train the encoder–decoder without and with attention on ``train`` under one budget, once
    per seed, and translate ``sources`` with each.

    For a seed, both models start from the same weights wherever they share them (the
    embeddings, both GRUs, the output layer: :func:`init_attention_seq2seq` draws those
    first, as :func:`~rnn_course.tasks.language.seq2seq.init_seq2seq` does) and see the same batches
    (:func:`train_translator` with the same seed), so attention is the only difference.
    ``lr`` is one learning rate for both, or a dict with one per model (keys of :data:`MODELS`).
    Returns ``{(model, seed): {"params", "predicted", "seconds"}}`` with ``model`` a key of
    :data:`MODELS`.
    """
    rates = lr if isinstance(lr, dict) else dict.fromkeys(MODELS, lr)
    unknown = sorted(set(MODELS) - set(rates))
    if unknown:
        raise KeyError(f"lr has no learning rate for {unknown}; give one for each of {sorted(MODELS)}")
    sizes = dict(embed_size=embed_size, hidden_size=hidden_size)
    runs = {}
    for seed in seeds:
        for name, (init, loss_and_grads, decode) in MODELS.items():
            extra = {"attention_size": attention_size} if name == "with attention" else {}
            params = {k: v.astype(dtype) for k, v in init(vocab, **sizes, **extra, rng=seed).items()}
            run = train_translator(params, loss_and_grads, vocab, train, steps=steps, batch_size=batch_size,
                                   lr=rates[name], rng=seed)
            runs[name, seed] = {"params": params, "predicted": decode(params, vocab, sources),
                                "seconds": run.seconds}
    return runs
