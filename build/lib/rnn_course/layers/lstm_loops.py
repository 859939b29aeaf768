"""The loops over time of :func:`~rnn_course.lstm_forward` and :func:`~rnn_course.lstm_backward`.

One example per column: the loops work on ``(T, n, B)`` arrays (``n`` features, ``B``
examples), in which a step's gates are one contiguous ``4H × B`` block, and each step's
matrix product puts the long side (the 4H gate rows) first, which the BLAS runs faster
than the same product with the batch first. Every step writes into arrays allocated once
(the outputs, a chunk buffer, a few ``H × B`` workspaces) with ``out=`` and in-place
operators, so no step allocates, and the weight gradients take one product per chunk of
steps (``rnn_course._arrays.chunk_steps``). The equations are those of
:mod:`rnn_course.layers.lstm`; the cell functions there read like them.

Book: chapter 4 (the LSTM) and the Performance page.
"""

from __future__ import annotations

import numpy as np

from .._arrays import chunk_steps, scratch, sigmoid_prescale


def columns(A):
    """``(T, [B,] n)`` -> ``(T, n, B)``, a view: one example per column (B = 1 without a batch)."""
    return A.reshape(A.shape[0], -1, A.shape[-1]).transpose(0, 2, 1)


def state_columns(a):
    """A state, ``(H,)`` or ``(B, H)`` -> ``(H, B)``, a view (one example per column)."""
    return columns(a[None])[0]


def rows(A, batch):
    """``(T, n, B)`` -> ``(T, *batch, n)``, a view: the caller's layout (undoes :func:`columns`)."""
    return A.transpose(0, 2, 1).reshape(A.shape[0], *batch, A.shape[1])


def forward_steps(X, h0, c0, W, U, b, dtype):
    """The loop of :func:`~rnn_course.lstm_forward`, one example per column.

    ``X`` is ``(T, D, B)``, ``h0`` and ``c0`` are ``(H, B)``. Every array is written
    in place; no step allocates. Step t (``k = t − 1`` in code) does one matrix
    product, ``a = M z`` with ``M = [W  U  b]`` (4H × (H + D + 1), gates stacked
    f, i, o, C̃) and ``z = [h_{t-1}; x_t; 1]``: the input projection and the bias
    come with the recurrent product. The ``z`` are the blocks of ``Z``, whose rows
    ``:H`` then receive each step's new hidden state, so ``Z[1:, :H]`` holds ``hs``.
    One ``np.tanh`` activates all four gates in place (the sigmoid rows of ``M`` are
    halved, see ``rnn_course._arrays.sigmoid_prescale``).
    Returns ``Z`` (T + 1, H + D + 1, B), the cell states (T, H, B) and the gates
    (T, 4H, B).
    """
    T, D, B = X.shape
    H = W.shape[1]
    half = sigmoid_prescale(3, 4, H, dtype)  # (4H, 1): 0.5 for f, i, o; 1 for C̃
    M = scratch("lstm.M", (4 * H, H + D + 1), dtype)  # [half⊙W, half⊙U, half⊙b]
    np.multiply(half, W, out=M[:, :H])
    np.multiply(half, U, out=M[:, H : H + D])
    np.multiply(half[:, 0], b, out=M[:, H + D])
    Z = np.empty((T + 1, H + D + 1, B), dtype=dtype)
    Z[0, :H] = h0
    Z[:T, H : H + D] = X
    Z[:T, H + D] = 1.0
    Z[T, H:] = 0.0  # no step reads it
    G = np.empty((T, 4 * H, B), dtype=dtype)  # a_k, then [f, i, o, C̃] in place
    CS = np.empty((T, H, B), dtype=dtype)
    tmp = np.empty((H, B), dtype=dtype)  # a workspace, reused at every step
    c = c0
    for k in range(T):
        g = G[k]
        np.matmul(M, Z[k], out=g)  # W h_{t-1} + U x_t + b, all gates at once
        np.tanh(g, out=g)  # tanh(a/2) for f, i, o; C̃ = tanh(a_c)
        sig = g[: 3 * H]
        sig *= 0.5
        sig += 0.5  # σ(a) = (1 + tanh(a/2)) / 2
        f, i, o, c_tilde = g[:H], g[H : 2 * H], g[2 * H : 3 * H], g[3 * H :]
        c_k = CS[k]
        np.multiply(f, c, out=c_k)
        np.multiply(i, c_tilde, out=tmp)
        c_k += tmp  # C = f ⊙ C_prev + i ⊙ C̃
        np.tanh(c_k, out=tmp)
        np.multiply(o, tmp, out=Z[k + 1, :H])  # h = o ⊙ tanh(C)
        c = c_k
    return Z, CS, G


def backward_steps(dhs, Z, CS, G, c0, W, U, dtype):
    """The loop of :func:`~rnn_course.lstm_backward`, chunk by chunk of steps.

    One example per column: ``dhs`` is ``(T, H, B)``; ``Z``, ``CS`` and ``G`` are
    what :func:`forward_steps` returns. Of ``da_f = dC_t ⊙ C_{t-1} ⊙ σ'(a_f)`` and
    the others, only ``dC_t`` and ``dh_t`` depend on later steps. So each chunk
    first computes, for all its steps at once, the factors that do not
    (``C_{t-1} ⊙ σ'(a_f)``, ``C̃ ⊙ σ'(a_i)``, ``tanh C_t ⊙ σ'(a_o)``,
    ``i ⊙ (1 − C̃²)`` and ``o ⊙ (1 − tanh² C_t)``, the last from the cached
    ``h_t = o ⊙ tanh C_t``); the steps then only multiply them by ``dC_t`` or
    ``dh_t``. After the chunk, its ``da`` are laid side by side as one
    4H × (steps · B) matrix: one product gives the chunk's share of
    ``dM = [dW  dU  db]`` (against the columns ``z = [h_{t-1}; x_t; 1]`` of the
    forward pass) and one its ``dX`` (``rnn_course._arrays.chunk_steps``).
    Returns ``dM`` (4H × (H + D + 1), gates f, i, o, C̃), ``dX`` (T, B, D),
    ``dh0`` and ``dC0``.
    """
    T, H, B = dhs.shape
    D = U.shape[1]
    W_T = scratch("lstm.W_T", (H, 4 * H), dtype)
    W_T[...] = W.T
    dM = np.zeros((4 * H, H + D + 1), dtype=dtype)
    dX = np.empty((T, B, D), dtype=dtype)
    K = chunk_steps(T, B)
    # The chunk's buffers, kept from call to call (rnn_course._arrays.scratch), like W_T:
    das = scratch("lstm.das", (K, 4 * H, B), dtype)  # the factors, then da
    q_chunk = scratch("lstm.q", (K, H, B), dtype)  # o ⊙ (1 − tanh² C_t)
    da_side = scratch("lstm.da_side", (4 * H, K, B), dtype)  # the chunk's da side by side
    z_side = scratch("lstm.z_side", (H + D + 1, K, B), dtype)  # and its columns z
    dh_next = np.zeros((H, B), dtype=dtype)  # workspaces, reused at every step
    dc = np.zeros((H, B), dtype=dtype)  # dC_t, then dC_{t-1} = dC_t ⊙ f_t
    dh = np.empty((H, B), dtype=dtype)
    tmp = np.empty((H, B), dtype=dtype)
    for end in range(T, 0, -K):
        start = max(0, end - K)
        n = end - start
        da, q, g = das[:n], q_chunk[:n], G[start:end]
        f, i, o, c_tilde = g[:, :H], g[:, H : 2 * H], g[:, 2 * H : 3 * H], g[:, 3 * H :]
        p_f, p_i = da[:, :H], da[:, H : 2 * H]  # da's blocks, gate by gate
        p_o, p_c = da[:, 2 * H : 3 * H], da[:, 3 * H :]
        # The factors of the chunk's steps: σ' = σ (1 − σ), tanh' = 1 − tanh²
        np.subtract(1.0, g[:, : 3 * H], out=da[:, : 3 * H])
        da[:, : 3 * H] *= g[:, : 3 * H]  # σ'(a_f), σ'(a_i), σ'(a_o)
        if start == 0:
            p_f[0] *= c0
            p_f[1:] *= CS[: end - 1]
        else:
            p_f *= CS[start - 1 : end - 1]  # C_{t-1} ⊙ σ'(a_f)
        p_i *= c_tilde  # C̃ ⊙ σ'(a_i)
        np.tanh(CS[start:end], out=q)
        p_o *= q  # tanh C_t ⊙ σ'(a_o)
        q *= Z[start + 1 : end + 1, :H]  # h_t ⊙ tanh C_t
        np.subtract(o, q, out=q)  # o ⊙ (1 − tanh² C_t) = o − h_t ⊙ tanh C_t
        np.multiply(c_tilde, c_tilde, out=p_c)
        np.subtract(1.0, p_c, out=p_c)
        p_c *= i  # i ⊙ (1 − C̃²)
        for k in range(end - 1, start - 1, -1):
            j = k - start
            np.add(dhs[k], dh_next, out=dh)  # direct, plus from step t+1
            np.multiply(dh, q[j], out=tmp)
            dc += tmp  # dC_t = (from t+1) + dh ⊙ o ⊙ (1 − tanh² C_t)
            da_k = da[j].reshape(4, H, B)  # one block per gate
            da_k[:2] *= dc  # da_f, da_i: factor ⊙ dC_t
            da_k[3] *= dc  # da_C̃
            da_k[2] *= dh  # da_o = dh ⊙ tanh C_t ⊙ σ'(a_o)
            dc *= f[j]  # dC_{t-1} = dC_t ⊙ f_t
            np.matmul(W_T, da[j], out=dh_next)  # dh_{t-1} = Wᵀ da_t
        np.copyto(da_side[:, :n], da.transpose(1, 0, 2))
        np.copyto(z_side[:, :n], Z[start:end].transpose(1, 0, 2))
        da_flat = da_side[:, :n].reshape(4 * H, n * B)
        z_flat = z_side[:, :n].reshape(H + D + 1, n * B)
        dM += da_flat @ z_flat.T  # [dW dU db] += Σ_t da_t z_tᵀ
        np.matmul(da_flat.T, U, out=dX[start:end].reshape(n * B, D))  # Uᵀ da_t
    return dM, dX, dh_next, dc
