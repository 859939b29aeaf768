"""The loops over time of :func:`~rnn_course.rnn_forward` and :func:`~rnn_course.rnn_backward`.

Every step writes into arrays allocated once (the outputs, a chunk buffer, a few ``(B, H)``
workspaces) with ``out=`` and in-place operators, so no step allocates; the input
projections take one product for the whole sequence, and the weight gradients one product
per chunk of steps (``rnn_course._arrays.chunk_steps``). The equations are those of
:mod:`rnn_course.layers.rnn`; the cell functions there read like them.
Code step ``k`` is the maths' step t = k + 1: ``X[k]`` holds x_t and ``hs[k]`` holds h_t.

Book: chapters 1 and 2, and the Performance page.
"""

from __future__ import annotations

import numpy as np

from .._arrays import add_products_with_previous, chunk_steps, scratch
from .._arrays import flat as _flat


def forward_steps(X, h0, W_x, W_h, b_h, dtype):
    """The loop of :func:`~rnn_course.rnn_forward`: ``hs`` first holds every input projection (one
    product), then each step adds its recurrent product and applies tanh, in place."""
    T, batch, H = X.shape[0], X.shape[1:-1], W_h.shape[0]
    hs = np.empty((T, *batch, H), dtype=dtype)
    np.matmul(_flat(X).astype(dtype, copy=False), W_x.astype(dtype, copy=False).T, out=_flat(hs))
    hs += b_h.astype(dtype, copy=False)
    W_h_T = np.ascontiguousarray(W_h.T, dtype=dtype)  # BLAS is faster on it than on a .T view
    rec = np.empty((*batch, H), dtype=dtype)  # workspace, reused at every step
    h = h0
    for k in range(T):  # code step k is the maths' step t = k + 1
        np.matmul(h, W_h_T, out=rec)
        h = hs[k]
        h += rec
        np.tanh(h, out=h)  # h_t = tanh(W_h h_{t-1} + W_x x_t + b_h)
    return hs


def backward_steps(dhs, X, h0, hs, W_x, W_h, dtype):
    """The loop of :func:`~rnn_course.rnn_backward`, chunk by chunk of steps, in place: each step writes
    ``da_t`` into a chunk buffer; each chunk then takes one product for ``dX``, ``dW_x``
    and ``dW_h`` (``rnn_course._arrays.chunk_steps``)."""
    T, batch, H, D = X.shape[0], X.shape[1:-1], hs.shape[-1], X.shape[-1]
    dX = np.empty((T, *batch, D), dtype=dtype)
    grads = {"W_x": np.zeros((H, D), dtype=dtype), "W_h": np.zeros((H, H), dtype=dtype),
             "b_h": np.zeros(H, dtype=dtype)}
    K = chunk_steps(T, int(np.prod(batch, dtype=int)))
    chunk = scratch("rnn.chunk", (K, *batch, H), dtype)  # kept from call to call
    dh_next = np.zeros((*batch, H), dtype=dtype)  # workspaces, reused at every step
    dh = np.empty((*batch, H), dtype=dtype)
    for end in range(T, 0, -K):
        start = max(0, end - K)
        das = chunk[: end - start]
        for k in range(end - 1, start - 1, -1):  # code step k is the maths' step t = k + 1
            da = das[k - start]
            np.multiply(hs[k], hs[k], out=da)
            np.subtract(1.0, da, out=da)  # through tanh: 1 − h_t²
            np.add(dhs[k], dh_next, out=dh)  # direct gradient plus the one from step t+1
            da *= dh
            np.matmul(da, W_h, out=dh_next)
        np.matmul(_flat(das), W_x, out=_flat(dX[start:end]))
        grads["W_x"] += _flat(das).T @ _flat(X[start:end])
        add_products_with_previous(grads["W_h"], das, h0, hs, start)
        grads["b_h"] += _flat(das).sum(axis=0)
    return dX, dh_next, grads
