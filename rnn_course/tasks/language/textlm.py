"""A character-level language model of a long text, trained with truncated BPTT.

The model is a GRU over one-hot characters with an output layer
(:func:`~rnn_course.init_model` with ``kind="gru"``), trained to predict every next
character. A text of millions of characters cannot be backpropagated through in one
piece, so training reads it in **streams**: ``batch_size`` positions in the text, each
advanced by ``seq_len`` characters per step, the hidden state **carried** from one chunk
to the next but the gradient stopped at the chunk boundary (truncated BPTT, chapter 2).
Every ``jump_every`` steps each stream jumps to a new random place and its state is
reset: without the jumps, the 32 streams stay in the same few plays for hundreds of
steps and the model tunes itself to their casts.

    run = train_text_lm(train_ids, V, steps=1000, rng=0)      # a dict; run["params"]
    run = TextLMRun(train_ids, V, total_steps=1000).train(500).train(500)   # the same, in two calls
    text_lm_bits(run["params"], test_ids)                      # held-out bits per character
    generate_text(run["params"], vocab, 200, temperature=0.7, rng=1)

Shapes: T = ``seq_len`` steps, B = ``batch_size`` streams, V characters, H hidden size.

Book: chapter 6, the character-level language model.
"""

from __future__ import annotations

import numpy as np

from ..._validate import ArgumentTypeError, as_rng, integer, positive_int, real
from ...layers.gru import gru_backward, gru_forward
from ...layers.output import output_backward, output_forward
from ...training.losses import softmax_cross_entropy
from ...training.loop import fit
from ...training.models import init_model
from ...training.optim import Adam
from ...training.sampling import sample_with_temperature
from ...training.schedule import LinearDecay


def _text_ids(ids, name: str, V: int | None = None) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
        raise ArgumentTypeError(f"{name} must be a 1-D array of character ids (see encode_text)")
    if V is not None and ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name} holds ids outside 0 .. {V - 1}")
    return ids


def _vocab_size(params) -> int:
    if "W_y" not in params or "U_z" not in params:
        raise KeyError("params must be a GRU language model's (init_model('gru', V, H, V))")
    return np.shape(params["W_y"])[0]


def text_lm_forward(params, ids, h0):
    """Logits for every step of a (T, B) chunk of ids, from the states ``h0`` (B, H).

    Returns ``logits`` (T, B, V), a cache for :func:`text_lm_backward`, and the last
    state (B, H) to carry into the next chunk.
    """
    V = _vocab_size(params)
    hs, layer_cache = gru_forward(np.eye(V, dtype=params["W_z"].dtype)[ids], h0, params)
    logits, out_cache = output_forward(hs, params)
    return logits, (layer_cache, out_cache), hs[-1]


def text_lm_backward(dlogits, cache) -> dict[str, np.ndarray]:
    """Gradients of every parameter from dLoss/dlogits (T, B, V), stopped at the chunk's start."""
    layer_cache, out_cache = cache
    dhs, grads = output_backward(dlogits, out_cache)
    _, _, layer_grads = gru_backward(dhs, layer_cache)
    return {**layer_grads, **grads}


class TextLMRun:
    """A GRU language model in training: its parameters, optimiser and streams, so that
    training can continue over several calls of :meth:`train` (for instance one notebook
    cell each) exactly as if it ran in one.

    The learning rate falls linearly from ``lr`` to ``final_lr * lr`` over ``total_steps``
    (:class:`~rnn_course.training.schedule.LinearDecay`); each call of :meth:`train` runs
    :func:`~rnn_course.fit` for some of those steps (Adam, gradient norm clipped at
    ``max_norm``). ``losses`` and ``evaluations`` accumulate over the calls, with steps
    counted from the start of training. ``dtype=np.float32`` trains in float32, about twice
    as fast as the default float64.
    """

    def __init__(self, train_ids, vocab_size, *, total_steps=1000, hidden_size=128, batch_size=32,
                 seq_len=64, jump_every=8, lr=2e-2, final_lr=0.1, max_norm=1.0, rng=0,
                 dtype=np.float64):
        V = positive_int("vocab_size", vocab_size)
        self.ids = _text_ids(train_ids, "train_ids", V)
        self.T, self.B = positive_int("seq_len", seq_len), positive_int("batch_size", batch_size)
        self.jump = positive_int("jump_every", jump_every)
        if len(self.ids) < self.jump * self.T + 2:
            raise ValueError(f"train_ids has {len(self.ids)} characters: too few for "
                             f"jump_every * seq_len = {self.jump * self.T}")
        self.gen = as_rng(rng)
        self.params = init_model("gru", V, positive_int("hidden_size", hidden_size), V, rng=self.gen,
                                 dtype=dtype)
        self.optimizer = LinearDecay(Adam(lr=real("lr", lr, low=0.0, low_open=True)), total_steps,
                                     final=final_lr)
        self.max_norm = max_norm
        self.step = 0
        self.losses, self.evaluations, self.seconds = np.empty(0), [], 0.0
        self._pos = None
        self._h = np.zeros((self.B, self.params["W_z"].shape[0]), dtype=self.params["W_z"].dtype)

    def _batch(self, _, g):
        if self.step % self.jump == 0:  # every stream jumps somewhere new, with a fresh state
            self._pos = g.integers(0, len(self.ids) - self.jump * self.T - 1, self.B)
            self._h = np.zeros_like(self._h)
        window = self.ids[self._pos[:, None] + np.arange(self.T + 1)].T  # (T + 1, B)
        self._pos = self._pos + self.T
        self.step += 1
        return window[:-1], window[1:]

    def _loss_and_grads(self, p, batch):
        inputs, targets = batch
        logits, cache, self._h = text_lm_forward(p, inputs, self._h)
        loss, dlogits = softmax_cross_entropy(logits, targets, reduction="mean")
        return loss, text_lm_backward(dlogits, cache)

    def train(self, steps, *, evaluate=None, eval_every=None):
        """Run ``steps`` more steps; ``evaluate(params)`` every ``eval_every`` of them."""
        start = self.step
        run = fit(self.params, self._loss_and_grads, self._batch, self.optimizer, steps,
                  max_norm=self.max_norm, evaluate=evaluate, eval_every=eval_every, rng=self.gen)
        self.losses = np.concatenate([self.losses, run.losses])
        self.evaluations += [(start + k, v) for k, v in run.evaluations]
        self.seconds += run.seconds
        return self


def train_text_lm(train_ids, vocab_size, *, hidden_size=128, steps=1000, batch_size=32,
                  seq_len=64, jump_every=8, lr=2e-2, final_lr=0.1, max_norm=1.0,
                  evaluate=None, eval_every=None, rng=0, dtype=np.float64):
    """Train a GRU language model on ``train_ids`` in one go (a :class:`TextLMRun`).

    Returns a dict with ``params``, ``losses`` (nats per character, every step),
    ``evaluations`` (``[(step, value)]``) and ``seconds``.
    """
    run = TextLMRun(train_ids, vocab_size, total_steps=steps, hidden_size=hidden_size,
                    batch_size=batch_size, seq_len=seq_len, jump_every=jump_every, lr=lr,
                    final_lr=final_lr, max_norm=max_norm, rng=rng, dtype=dtype)
    run.train(steps, evaluate=evaluate, eval_every=eval_every)
    return {"params": run.params, "losses": run.losses, "evaluations": run.evaluations,
            "seconds": run.seconds}


def text_lm_bits(params, ids, *, streams=64, chunk=256) -> float:
    """Held-out cross-entropy of the model on ``ids``, in bits per character.

    The text is cut into ``streams`` equal pieces read side by side, each from a zero
    state (the first characters of each piece are predicted with little context).
    """
    V = _vocab_size(params)
    ids = _text_ids(ids, "ids", V)
    streams = positive_int("streams", streams)
    n = (len(ids) - 1) // streams
    if n < 1:
        raise ValueError(f"ids has {len(ids)} characters: too few for {streams} streams")
    inputs = ids[: n * streams].reshape(streams, n).T
    targets = ids[1: n * streams + 1].reshape(streams, n).T
    h = np.zeros((streams, params["W_z"].shape[0]), dtype=params["W_z"].dtype)
    total = 0.0
    for start in range(0, n, positive_int("chunk", chunk)):
        logits, _, h = text_lm_forward(params, inputs[start: start + chunk], h)
        total += softmax_cross_entropy(logits, targets[start: start + chunk])[0]
    return float(total / (n * streams) / np.log(2.0))


def generate_text(params, vocab, length, *, prime="\n", temperature=1.0, samples=1, rng=None):
    """Sample ``length`` characters after reading ``prime``, one at a time.

    Each drawn character is fed back as the next input, with the state carried.
    Returns a string, or a list of ``samples`` strings (drawn side by side) when
    ``samples > 1``.
    """
    V = _vocab_size(params)
    if len(vocab) != V:
        raise ValueError(f"vocab has {len(vocab)} characters but the model predicts {V}")
    length = integer("length", length, low=0)
    samples = positive_int("samples", samples)
    if not isinstance(prime, str) or not prime:
        raise ArgumentTypeError("prime must be a non-empty str")
    index = {c: i for i, c in enumerate(vocab)}
    unknown = sorted(set(prime) - set(index))
    if unknown:
        raise ValueError(f"prime has characters {unknown} that are not in vocab")
    gen = as_rng(rng)
    h = np.zeros((samples, params["W_z"].shape[0]), dtype=params["W_z"].dtype)
    ids = np.array([[index[c]] * samples for c in prime])  # (len(prime), samples)
    logits, _, h = text_lm_forward(params, ids, h)
    out = np.empty((length, samples), dtype=int)
    for t in range(length):
        out[t] = sample_with_temperature(logits[-1], temperature, rng=gen)
        logits, _, h = text_lm_forward(params, out[t][None], h)
    texts = ["".join(vocab[i] for i in out[:, s]) for s in range(samples)]
    return texts[0] if samples == 1 else texts
