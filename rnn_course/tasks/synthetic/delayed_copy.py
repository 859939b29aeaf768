"""The delayed-copy task, and the vanilla RNN classifier trained on it with full or truncated BPTT.

The **delayed-copy task** has a known dependency length: the input is a stream of
random symbols and the target at step ``t`` is the symbol read ``delay`` steps earlier.
A network can only solve it if the gradient of ``L_t`` reaches ``x_{t - delay}``,
which makes it the natural test of truncated backpropagation through time.

The model is the book's RNN with a softmax output at every step,

    h_t = tanh(W_h h_{t-1} + W_x x_t + b_h),    o_t = softmax(W_y h_t + b_y),

and the loss is the cross-entropy summed over the steps that have a target, divided by
their number (so the chance level is ``log(num_symbols)`` whatever ``T`` is).

Shapes: T time steps, B batch, C symbols (the input size D and output size O are both C).

Book: chapter 2, truncated BPTT.
"""

from __future__ import annotations

import numpy as np

from ..._validate import as_rng, integer, positive_int
from ...layers.output import output_backward, output_forward
from ...layers.rnn import rnn_backward, rnn_forward
from ...training.losses import softmax_cross_entropy
from ...training.loop import fit
from ...training.optim import Adam
from ...training.tbptt import tbptt_chunks

PARAM_NAMES = ("W_x", "W_h", "b_h", "W_y", "b_y")


def delayed_copy_batch(T, B, delay, num_symbols=4, *, rng=None):
    """A batch of delayed-copy sequences: the target at step t is the input at t - delay.

    Parameters
    ----------
    T : positive int, sequence length.
    B : positive int, batch size.
    delay : int, ``0 <= delay < T``.
    num_symbols : int >= 2, the number of symbols C.
    rng : None, int seed or ``numpy.random.Generator``.

    Returns
    -------
    X : (T, B, C) one-hot inputs (float64).
    targets : (T, B) int; ``targets[t] = symbols[t - delay]`` (0 where there is none).
    mask : (T, B) bool; False for the first ``delay`` steps, which have no target.
    """
    T = positive_int("T", T)
    B = positive_int("B", B)
    C = integer("num_symbols", num_symbols, low=2)
    delay = integer("delay", delay, low=0, high=T - 1)
    gen = as_rng(rng)
    symbols = gen.integers(0, C, size=(T, B))
    X = np.eye(C)[symbols]
    targets = np.zeros((T, B), dtype=np.int64)
    targets[delay:] = symbols[: T - delay]
    mask = np.zeros((T, B), dtype=bool)
    mask[delay:] = True
    return X, targets, mask


def sequence_loss_and_grads(params, X, targets, mask=None, *, k=None, h0=None):
    """Mean cross-entropy over the masked steps, and its gradients, by full or truncated BPTT.

    The forward pass is the same in both cases: one pass over the whole sequence.
    With ``k=None`` the backward pass is full BPTT. With an integer ``k`` it is chunked
    truncated BPTT: the sequence is cut into windows of ``k`` steps
    (:func:`~rnn_course.tbptt_chunks`), the state leaves each window as a constant,
    so no gradient crosses a window boundary, and the windows' gradients are summed.

    Parameters
    ----------
    params : dict with ``W_x`` (H, C), ``W_h`` (H, H), ``b_h`` (H,), ``W_y`` (C, H), ``b_y`` (C,).
    X : (T, B, C) inputs; targets : (T, B) int; mask : (T, B) bool or None (every step counts).
    k : None or positive int, the truncation window.
    h0 : (B, H) initial state; zeros when omitted.

    Returns
    -------
    loss : float, the mean cross-entropy per counted step.
    grads : dict with the five parameter names.
    """
    X = np.asarray(X, dtype=np.float64)
    T, B = X.shape[:2]
    if mask is None:
        mask = np.ones((T, B), dtype=bool)
    count = max(int(np.sum(mask)), 1)
    if h0 is None:
        h0 = np.zeros((B, params["W_h"].shape[0]))
    windows = [(0, T)] if k is None else tbptt_chunks(T, k)

    loss, grads, h = 0.0, None, h0
    for start, stop in windows:
        hs, cache = rnn_forward(X[start:stop], h, params)
        logits, out_cache = output_forward(hs, params)
        part, dlogits = softmax_cross_entropy(
            logits, targets[start:stop], mask=mask[start:stop])
        dhs, out_grads = output_backward(dlogits / count, out_cache)
        _, _, rnn_grads = rnn_backward(dhs, cache)
        g = {**rnn_grads, **out_grads}
        grads = g if grads is None else {n: grads[n] + g[n] for n in grads}
        loss += part / count
        h = hs[-1]  # the value goes on to the next window; its gradient does not come back
    return loss, grads


def accuracy(params, X, targets, mask=None, h0=None):
    """Fraction of counted steps where the most probable output is the target."""
    X = np.asarray(X, dtype=np.float64)
    T, B = X.shape[:2]
    if mask is None:
        mask = np.ones((T, B), dtype=bool)
    if h0 is None:
        h0 = np.zeros((B, params["W_h"].shape[0]))
    hs, _ = rnn_forward(X, h0, params)
    logits, _ = output_forward(hs, params)
    hits = (logits.argmax(axis=-1) == targets) & mask
    return float(hits.sum() / max(int(mask.sum()), 1))


def train_delayed_copy(params, *, delay, k=None, steps=300, T=24, B=32, lr=1e-2,
                       max_norm=5.0, rng=None):
    """Train ``params`` (in place) on fresh delayed-copy batches with Adam.

    Each step draws a new batch, computes the loss and gradients with
    :func:`sequence_loss_and_grads` (full BPTT for ``k=None``, else chunked TBPTT with
    windows of ``k``), clips the gradient norm to ``max_norm`` and takes one Adam step
    (:func:`~rnn_course.fit`). Full and truncated runs with the same ``rng`` see the same
    batches, so their only difference is the gradient.

    Returns
    -------
    losses : (steps,) array, the training loss of each batch (before its update).
    """
    C = params["W_x"].shape[1]
    run = fit(params, lambda p, batch: sequence_loss_and_grads(p, *batch, k=k),
              lambda step, g: delayed_copy_batch(T, B, delay, C, rng=g),
              Adam(lr=lr), steps, max_norm=max_norm, rng=rng)
    return run.losses
