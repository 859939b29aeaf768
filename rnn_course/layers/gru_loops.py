"""The loops over time of :func:`~rnn_course.gru_forward` and :func:`~rnn_course.gru_backward`.

One forward and one backward loop per variant, on stacked arrays (rows z, r, h):
every step writes into arrays allocated once (the outputs, a chunk buffer, a few
``(B, H)`` workspaces) with ``out=`` and in-place operators, so no step allocates, and
the weight gradients take one product per chunk of steps
(``rnn_course._arrays.chunk_steps``). The equations are those of
:mod:`rnn_course.layers.gru`; the cell functions there read like them.
Code step ``k`` is the maths' step t = k + 1: ``X[k]`` holds x_t and ``hs[k]`` holds h_t.

Book: chapter 5 (the GRU) and the Performance page.
"""

from __future__ import annotations

import numpy as np

from .._arrays import add_products_with_previous, chunk_steps, scratch, sigmoid_prescale
from .._arrays import flat as _flat


def _input_projections(X, U, b, dtype) -> np.ndarray:
    """(T, ..., 3H): every step's ``U x_t + b``, z and r rows halved (see ``sigmoid_prescale``)."""
    H = U.shape[0] // 3
    half = sigmoid_prescale(2, 3, H, dtype)
    gates = np.empty((*X.shape[:-1], 3 * H), dtype=dtype)
    np.matmul(_flat(X).astype(dtype, copy=False), (half * U).astype(dtype, copy=False).T,
              out=_flat(gates))
    gates += (half[:, 0] * b).astype(dtype, copy=False)
    return gates


def _activate_zr(zr) -> None:
    """``zr`` holds a/2 for the z and r rows: make it σ(a) = (1 + tanh(a/2)) / 2, in place."""
    np.tanh(zr, out=zr)
    zr *= 0.5
    zr += 0.5


def forward_sources(X, h0, W_zr, W_h, U, b, dtype):
    """Returns ``hs`` and ``gates`` = [z, r, h̃] per step (the sources' GRU)."""
    T, batch, H = X.shape[0], X.shape[1:-1], W_h.shape[0]
    gates = _input_projections(X, U, b, dtype)
    W_zr_T = np.ascontiguousarray((0.5 * W_zr).T, dtype=dtype)  # (H, 2H), halved for the sigmoid
    W_h_T = np.ascontiguousarray(W_h.T, dtype=dtype)  # contiguous: BLAS is faster than on a view
    hs = np.empty((T, *batch, H), dtype=dtype)
    rec = np.empty((*batch, 2 * H), dtype=dtype)
    rh = np.empty((*batch, H), dtype=dtype)
    tmp = np.empty((*batch, H), dtype=dtype)
    h = h0
    for k in range(T):
        g = gates[k]
        zr, h_tilde = g[..., : 2 * H], g[..., 2 * H :]
        np.matmul(h, W_zr_T, out=rec)
        zr += rec
        _activate_zr(zr)
        z, r = zr[..., :H], zr[..., H:]
        np.multiply(r, h, out=rh)
        np.matmul(rh, W_h_T, out=tmp)
        h_tilde += tmp
        np.tanh(h_tilde, out=h_tilde)  # h̃ = tanh(W_h (r ⊙ h) + U_h x + b_h)
        np.subtract(h_tilde, h, out=tmp)
        tmp *= z
        np.add(h, tmp, out=hs[k])  # h_t = (1 − z) h + z h̃ = h + z (h̃ − h)
        h = hs[k]
    return hs, gates


def forward_pytorch(X, h0, W, b_hn, U, b, dtype):
    """Returns ``hs``, ``gates`` = [z, r, n] and ``hns`` = W_h h_{t-1} + b_hn per step."""
    T, batch, H = X.shape[0], X.shape[1:-1], W.shape[1]
    gates = _input_projections(X, U, b, dtype)
    W_T = np.ascontiguousarray((sigmoid_prescale(2, 3, H, dtype) * W).T, dtype=dtype)  # (H, 3H)
    hs = np.empty((T, *batch, H), dtype=dtype)
    hns = np.empty_like(hs)
    rec = np.empty((*batch, 3 * H), dtype=dtype)
    tmp = np.empty((*batch, H), dtype=dtype)
    h = h0
    for k in range(T):
        g = gates[k]
        zr, n = g[..., : 2 * H], g[..., 2 * H :]
        np.matmul(h, W_T, out=rec)  # one product for the three gates
        zr += rec[..., : 2 * H]
        _activate_zr(zr)
        z, r = zr[..., :H], zr[..., H:]
        np.add(rec[..., 2 * H :], b_hn, out=hns[k])
        np.multiply(r, hns[k], out=tmp)
        n += tmp
        np.tanh(n, out=n)  # n = tanh(U_h x + b_h + r ⊙ (W_h h + b_hn))
        np.subtract(h, n, out=tmp)
        tmp *= z
        np.add(n, tmp, out=hs[k])  # h_t = (1 − z) n + z h = n + z (h − n)
        h = hs[k]
    return hs, gates, hns


def _sums(dtype, H, D):
    return (np.zeros((3 * H, H), dtype=dtype), np.zeros((3 * H, D), dtype=dtype),
            np.zeros(3 * H, dtype=dtype))


def _chunk_products(das, X, U, dX, dU, db, start, end) -> None:
    """The input side of a chunk: ``dX``, and ``dU``, ``db`` accumulated, one product each."""
    np.matmul(_flat(das), U, out=_flat(dX[start:end]))
    dU += _flat(das).T @ _flat(X[start:end])
    db += _flat(das).sum(axis=0)


def backward_sources(dhs, X, h0, hs, gates, W_zr, W_h, U, dtype):
    """Returns ``dX, dh0, dW`` (3H, H), ``dU`` (3H, D), ``db`` (3H,) for the sources' GRU."""
    T, batch, H, D = X.shape[0], X.shape[1:-1], hs.shape[-1], X.shape[-1]
    dX = np.empty((T, *batch, D), dtype=dtype)
    dW, dU, db = _sums(dtype, H, D)
    K = chunk_steps(T, int(np.prod(batch, dtype=int)))
    # kept from call to call (rnn_course._arrays.scratch):
    chunk = scratch("gru.chunk", (K, *batch, 3 * H), dtype)  # gradients of a_z, a_r, a_h
    rh_chunk = scratch("gru.rh", (K, *batch, H), dtype)  # r ⊙ h_{t-1}, for dW_h
    dh_next = np.zeros((*batch, H), dtype=dtype)
    dh, d_rh, tmp = (np.empty((*batch, H), dtype=dtype) for _ in range(3))
    for end in range(T, 0, -K):
        start = max(0, end - K)
        das = chunk[: end - start]
        for k in range(end - 1, start - 1, -1):
            g, da = gates[k], das[k - start]
            zr, z, r, h_tilde = g[..., : 2 * H], g[..., :H], g[..., H : 2 * H], g[..., 2 * H :]
            da_zr, da_z, da_r, da_h = da[..., : 2 * H], da[..., :H], da[..., H : 2 * H], da[..., 2 * H :]
            h_prev = hs[k - 1] if k > 0 else h0
            np.add(dhs[k], dh_next, out=dh)  # direct gradient plus the one from step t+1
            np.subtract(1.0, zr, out=da_zr)
            da_zr *= zr  # σ' = σ (1 − σ) for z and r
            np.multiply(h_tilde, h_tilde, out=da_h)
            np.subtract(1.0, da_h, out=da_h)
            da_h *= z
            da_h *= dh  # da_h = dh ⊙ z ⊙ (1 − h̃²)
            np.matmul(da_h, W_h, out=d_rh)  # gradient with respect to r ⊙ h_{t-1}
            np.subtract(h_tilde, h_prev, out=tmp)
            tmp *= dh
            da_z *= tmp  # dz = dh ⊙ (h̃ − h_{t-1})
            np.multiply(d_rh, h_prev, out=tmp)
            da_r *= tmp  # dr = d(r ⊙ h) ⊙ h_{t-1}
            np.multiply(r, h_prev, out=rh_chunk[k - start])
            np.matmul(da_zr, W_zr, out=dh_next)
            np.multiply(dh, z, out=tmp)
            dh -= tmp
            dh_next += dh  # dh ⊙ (1 − z)
            np.multiply(d_rh, r, out=tmp)
            dh_next += tmp  # d(r ⊙ h) ⊙ r
        _chunk_products(das, X, U, dX, dU, db, start, end)
        add_products_with_previous(dW[: 2 * H], das[..., : 2 * H], h0, hs, start)
        dW[2 * H :] += _flat(das[..., 2 * H :]).T @ _flat(rh_chunk[: end - start])
    return dX, dh_next, dW, dU, db


def backward_pytorch(dhs, X, h0, hs, gates, hns, W, U, dtype):
    """Returns ``dX, dh0, dW, dU, db`` as :func:`backward_sources`, and ``db_hn`` (H,)."""
    T, batch, H, D = X.shape[0], X.shape[1:-1], hs.shape[-1], X.shape[-1]
    dX = np.empty((T, *batch, D), dtype=dtype)
    dW, dU, db = _sums(dtype, H, D)
    db_hn = np.zeros(H, dtype=dtype)
    K = chunk_steps(T, int(np.prod(batch, dtype=int)))
    # kept from call to call (rnn_course._arrays.scratch):
    chunk = scratch("gru.chunk", (K, *batch, 3 * H), dtype)  # gradients of a_z, a_r, a_n (input side)
    rec_chunk = scratch("gru.rec", (K, *batch, 3 * H), dtype)  # gradients of W_z h, W_r h, W_h h + b_hn
    dh_next = np.zeros((*batch, H), dtype=dtype)
    dh, tmp = (np.empty((*batch, H), dtype=dtype) for _ in range(2))
    for end in range(T, 0, -K):
        start = max(0, end - K)
        das, d_recs = chunk[: end - start], rec_chunk[: end - start]
        for k in range(end - 1, start - 1, -1):
            g, d_rec, da_n = gates[k], d_recs[k - start], das[k - start, ..., 2 * H :]
            zr, z, r, n = g[..., : 2 * H], g[..., :H], g[..., H : 2 * H], g[..., 2 * H :]
            da_zr, da_z, da_r = d_rec[..., : 2 * H], d_rec[..., :H], d_rec[..., H : 2 * H]
            h_prev = hs[k - 1] if k > 0 else h0
            np.add(dhs[k], dh_next, out=dh)
            np.subtract(1.0, zr, out=da_zr)
            da_zr *= zr  # σ' for z and r
            np.multiply(n, n, out=da_n)
            np.subtract(1.0, da_n, out=da_n)
            np.multiply(dh, z, out=tmp)
            np.subtract(dh, tmp, out=tmp)
            da_n *= tmp  # da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
            np.subtract(h_prev, n, out=tmp)
            tmp *= dh
            da_z *= tmp  # dz = dh ⊙ (h_{t-1} − n)
            np.multiply(da_n, hns[k], out=tmp)
            da_r *= tmp  # dr = da_n ⊙ (W_h h + b_hn)
            np.multiply(da_n, r, out=d_rec[..., 2 * H :])  # gradient of W_h h + b_hn
            np.matmul(d_rec, W, out=dh_next)
            np.multiply(dh, z, out=tmp)
            dh_next += tmp  # the direct path: dh ⊙ z
        das[..., : 2 * H] = d_recs[..., : 2 * H]  # z and r: the same gradient on both sides
        _chunk_products(das, X, U, dX, dU, db, start, end)
        add_products_with_previous(dW, d_recs, h0, hs, start)
        db_hn += _flat(d_recs[..., 2 * H :]).sum(axis=0)
    return dX, dh_next, dW, dU, db, db_hn
