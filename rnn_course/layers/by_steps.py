"""The readable sequence functions: each layer's forward and backward, one cell call per step.

These are the references a learner compares with. They run the cell functions of
:mod:`~rnn_course.layers.rnn`, :mod:`~rnn_course.layers.lstm` and
:mod:`~rnn_course.layers.gru` along the sequence and keep the exercises' cache, the list
of the T cell caches (``caches[k]`` from the step that read ``X[k]``), so a forward pass
written in an exercise can be read against :func:`~rnn_course.rnn_forward_by_steps` line by line, and
its backward pass handed to :func:`~rnn_course.rnn_backward_by_steps` (and the other way round).

The fused functions (:func:`~rnn_course.rnn_forward` and the others) compute the same
numbers faster, for training; the Performance page says how.
Time indices: ``X[k]`` holds x_{k+1} and ``hs[k]`` holds h_{k+1}; the backward loop runs
from the last step, k = T - 1, back to k = 0.

Book: chapters 1 (the recurrence), 2 (backpropagation through time), 4 and 5 (the
LSTM's and the GRU's backward passes).
"""

from __future__ import annotations

import numpy as np

from .gru import gru_cell_backward, gru_cell_forward
from .lstm import lstm_cell_backward, lstm_cell_forward
from .rnn import rnn_cell_backward, rnn_cell_forward
from .unroll import unroll


def _add(total: dict, grads: dict) -> dict:
    """The parameter gradients summed over steps: every step uses the same weights."""
    return {k: total[k] + g if k in total else g for k, g in grads.items()}


def rnn_forward_by_steps(X, h0, params):
    """The RNN over a sequence, one :func:`~rnn_course.rnn_cell_forward` per step.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs; h0 : (H,) or (B, H); params : ``W_x``, ``W_h``, ``b_h``.

    Returns
    -------
    hs : (T, H) or (T, B, H); caches : the list of the T cell caches.
    """
    return unroll(rnn_cell_forward, X, h0, params=params)


def rnn_backward_by_steps(dhs, caches):
    """Backpropagation through time over the cell caches of :func:`~rnn_course.rnn_forward_by_steps`.

    ``dhs[k]`` is the gradient of the loss with respect to ``hs[k]`` from the outputs alone;
    each step adds the gradient coming back from the step after it.

    Returns
    -------
    dX : like ``X``; dh0 : like ``h0``; grads : ``W_x``, ``W_h``, ``b_h``, summed over steps.
    """
    dX = [None] * len(caches)
    dh_next = np.zeros_like(caches[0]["h_prev"])  # nothing comes back after the last step
    grads: dict = {}
    for k in reversed(range(len(caches))):
        dh = dhs[k] + dh_next  # from this step's output, and from the step after it
        dX[k], dh_next, step_grads = rnn_cell_backward(dh, caches[k])
        grads = _add(grads, step_grads)
    return np.stack(dX), dh_next, grads


def lstm_forward_by_steps(X, h0, c0, params):
    """The LSTM over a sequence, one :func:`~rnn_course.lstm_cell_forward` per step.

    Returns
    -------
    hs, cs : (T, H) or (T, B, H), the hidden and the cell states; caches : the T cell caches.
    """
    return unroll(lstm_cell_forward, X, h0, c0, params=params)


def lstm_backward_by_steps(dhs, caches):
    """Backpropagation through time over the cell caches of :func:`~rnn_course.lstm_forward_by_steps`.

    Two gradients come back from step t + 1: ``dh_next`` (added to ``dhs[k]``) and
    ``dc_next``, the cell state's, which is zero after the last step.

    Returns
    -------
    dX; dh0; dc0; grads : the twelve ``W_*``, ``U_*``, ``b_*``, summed over steps.
    """
    dX = [None] * len(caches)
    dh_next = np.zeros_like(caches[0]["h_prev"])
    dc_next = np.zeros_like(caches[0]["c_prev"])
    grads: dict = {}
    for k in reversed(range(len(caches))):
        dh = dhs[k] + dh_next
        dX[k], dh_next, dc_next, step_grads = lstm_cell_backward(dh, dc_next, caches[k])
        grads = _add(grads, step_grads)
    return np.stack(dX), dh_next, dc_next, grads


def gru_forward_by_steps(X, h0, params, *, variant="sources"):
    """The GRU over a sequence, one :func:`~rnn_course.gru_cell_forward` per step.

    Returns
    -------
    hs : (T, H) or (T, B, H); caches : the T cell caches.
    """
    return unroll(lambda x_t, h, p: gru_cell_forward(x_t, h, p, variant=variant), X, h0, params=params)


def gru_backward_by_steps(dhs, caches):
    """Backpropagation through time over the cell caches of :func:`~rnn_course.gru_forward_by_steps`.

    Returns
    -------
    dX; dh0; grads : the GRU's parameters, summed over steps.
    """
    dX = [None] * len(caches)
    dh_next = np.zeros_like(caches[0]["h_prev"])
    grads: dict = {}
    for k in reversed(range(len(caches))):
        dh = dhs[k] + dh_next
        dX[k], dh_next, step_grads = gru_cell_backward(dh, caches[k])
        grads = _add(grads, step_grads)
    return np.stack(dX), dh_next, grads
