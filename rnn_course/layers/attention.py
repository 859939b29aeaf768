"""Attention: at every output step the decoder reads a weighted mix of all the encoder's states.

Additive attention (Bahdanau, Cho and Bengio, 2015), ``score="additive"`` (the default).
The decoder's state ``s_{t-1}`` scores every encoder state ``h_s`` (s = 1 … S), the scores
become weights over the source positions, and the weighted mix is the context ``c_t``::

    u_{t,s} = tanh(W_a s_{t-1} + U_a h_s)             (A,)
    e_{t,s} = v_aᵀ u_{t,s}                             the score of position s
    α_{t,s} = m_s exp(e_{t,s}) / Σ_{s'} m_{s'} exp(e_{t,s'})   softmax over s, masked
    c_t     = Σ_s α_{t,s} h_s

``m_s`` is the source mask (1 at real positions, 0 at padding): a padded position gets a
weight of exactly 0, and the weights of the real ones sum to 1.

Multiplicative attention (Luong, Pham and Manning, 2015, their "general" score),
``score="multiplicative"``: ``e_{t,s} = s_{t-1}ᵀ W_a h_s``, one matrix and no ``tanh``;
the softmax and the context are the same.

``U_a h_s`` (additive) and ``W_a h_s`` (multiplicative) do not depend on ``t``. A
decoder that attends at every step computes them once, the **keys**, with
:func:`attention_keys`, and passes them to :func:`attention_forward` as ``keys=``; each
step's :func:`attention_backward` then returns the gradient with respect to the keys as
``grads["keys"]`` (and leaves the path through the keys out of ``dhs``), and
:func:`attention_keys_backward` takes their sum over the steps once.

Shapes: S source positions, B batch, H the size of an encoder state ``h_s``, Q the size
of the decoder state ``s_{t-1}``, A the attention size. ``hs`` is ``(S, H)`` or
``(S, B, H)``, time-major like every sequence (``hs[k]`` holds ``h_{k+1}``), ``s_prev``
``(Q,)`` or ``(B, Q)``, ``mask`` ``(S,)`` or ``(S, B)`` (booleans or 0/1, True at real
positions; every example needs one). Additive: ``W_a`` (A, Q), ``U_a`` (A, H), ``v_a``
(A,). Multiplicative: ``W_a`` (Q, H). The weights ``alpha`` are ``(S,)`` or ``(S, B)``,
the context ``(H,)`` or ``(B, H)``. float32 stays float32.

Book: chapter 6, attention; exercise ex08-attention.
"""

from __future__ import annotations

import numpy as np

from .._arrays import flat as _flat
from .._arrays import uniform_params
from .._validate import (
    as_float_array,
    as_rng,
    float_dtype,
    one_of,
    positive_int,
    require_cache,
    require_matrix,
    require_params,
    require_sequence,
    require_shape,
    require_vector_batch,
)

SCORES = ("additive", "multiplicative")
#: The parameters of each score, in the order they are drawn.
PARAM_NAMES = {"additive": ("W_a", "U_a", "v_a"), "multiplicative": ("W_a",)}


def param_shapes(decoder_size, encoder_size, attention_size=None, *, score="additive") -> dict:
    """``{name: shape}``: additive ``W_a`` (A, Q), ``U_a`` (A, H), ``v_a`` (A,);
    multiplicative ``W_a`` (Q, H). ``attention_size`` A defaults to Q (additive only)."""
    score = one_of("score", score, SCORES)
    Q, H = positive_int("decoder_size", decoder_size), positive_int("encoder_size", encoder_size)
    if score == "multiplicative":
        if attention_size is not None:
            raise ValueError("attention_size is for score='additive': the multiplicative score has no A")
        return {"W_a": (Q, H)}
    A = Q if attention_size is None else positive_int("attention_size", attention_size)
    return {"W_a": (A, Q), "U_a": (A, H), "v_a": (A,)}


def init_attention_params(decoder_size, encoder_size, attention_size=None, *, score="additive",
                          rng=None, dtype=np.float64) -> dict[str, np.ndarray]:
    """Attention parameters, every entry from ``U(-1/sqrt(n), 1/sqrt(n))`` with ``n`` = A
    (additive) or H (multiplicative), of ``dtype`` (float64 or float32)."""
    shapes = param_shapes(decoder_size, encoder_size, attention_size, score=score)
    n = shapes["U_a"][0] if score == "additive" else shapes["W_a"][1]
    return uniform_params(as_rng(rng), shapes, n, float_dtype("dtype", dtype))


def _params(params, score: str, where: str) -> dict[str, np.ndarray]:
    p = require_params(params, PARAM_NAMES[score], where=f"{where} (score={score!r})")
    require_matrix('params["W_a"]', p["W_a"])
    if score == "additive":
        A = p["W_a"].shape[0]
        require_matrix('params["U_a"]', p["U_a"])
        require_shape('params["U_a"]', p["U_a"], (A, p["U_a"].shape[1]), like=f'A = {A} rows, as W_a')
        require_shape('params["v_a"]', p["v_a"], (A,), like=f"A = {A}, the rows of W_a")
    return p


def _sizes(p, score: str) -> tuple[int, int, str]:
    """(Q, H, what fixes H) of the parameters."""
    if score == "additive":
        return p["W_a"].shape[1], p["U_a"].shape[1], f"U_a is {p['U_a'].shape}"
    return p["W_a"].shape[0], p["W_a"].shape[1], f"W_a is {p['W_a'].shape}"


# ------------------------------------------------------------------------ masked softmax


def source_mask(mask, shape: tuple[int, ...]) -> np.ndarray:
    """``mask`` as booleans of ``shape`` (all True when None), checked: 0/1 values only,
    and at least one real position (True) in every example."""
    if mask is None:
        return np.ones(shape, dtype=bool)
    m = np.asarray(mask)
    if m.dtype != bool:
        if m.dtype == object or not (np.issubdtype(m.dtype, np.number)) or np.any((m != 0) & (m != 1)):
            raise ValueError(f"mask must hold booleans or 0/1 (True at real positions), got dtype {m.dtype}")
        m = m != 0
    require_shape("mask", m, shape, like="hs without its last axis, (S,) or (S, B)")
    empty = ~m.any(axis=0)
    if np.any(empty):
        where = "" if m.ndim == 1 else f"[:, {int(np.argmax(empty))}]"
        raise ValueError(f"mask{where} is all False: every example needs at least one real source position")
    return m


def masked_softmax(e, mask=None) -> np.ndarray:
    """Softmax over the source positions (axis 0), with padded positions left out.

    ``α_s = m_s exp(e_s) / Σ_{s'} m_{s'} exp(e_{s'})``: ``e`` is ``(S,)`` or ``(S, B)``, ``mask``
    the same shape (or None: no padding). Padding gets exactly 0 and each column sums to 1;
    the largest real score is subtracted first, so no ``exp`` overflows.
    """
    e = as_float_array("e", e)
    m = source_mask(mask, e.shape)
    shifted = np.where(m, e, -np.inf)
    shifted = shifted - shifted.max(axis=0)
    w = np.exp(shifted)  # exp(-inf) = 0 at padding
    return w / w.sum(axis=0)


def masked_softmax_backward(dalpha, alpha) -> np.ndarray:
    """The gradient of the scores from that of the weights: ``de_s = α_s (dα_s − Σ_{s'} α_{s'} dα_{s'})``.

    A padded position has ``α_s = 0``, so its score gets no gradient. Shapes as ``alpha``.
    """
    dalpha, alpha = as_float_array("dalpha", dalpha), as_float_array("alpha", alpha)
    require_shape("dalpha", dalpha, alpha.shape, like="alpha")
    return alpha * (dalpha - (alpha * dalpha).sum(axis=0))


# --------------------------------------------------------------------------------- keys


def attention_keys(hs, params, *, score="additive"):
    """The keys, the part of every score that does not depend on the decoder's step.

    ``U_a h_s`` for the additive score, ``W_a h_s`` for the multiplicative one, for every
    position at once: ``hs`` (S, [B,] H) gives ``keys`` (S, [B,] A) or (S, [B,] Q).
    Returns ``(keys, cache)`` for :func:`attention_keys_backward`.
    """
    score = one_of("score", score, SCORES)
    p = _params(params, score, "attention_keys")
    _, H, against = _sizes(p, score)
    hs = as_float_array("hs", hs)
    require_sequence("hs", hs, H, against=against)
    W = p["U_a" if score == "additive" else "W_a"]
    return hs @ W.T, {"score": score, "hs": hs, "W": W}


def attention_keys_backward(dkeys, cache):
    """``(dhs, grads)`` from the gradient of the keys (summed over the decoder's steps):
    ``dhs = dkeys W`` and ``grads`` with ``U_a`` (additive) or ``W_a`` (multiplicative)."""
    require_cache(cache, ("score", "hs", "W"), made_by="attention_keys")
    hs, W = cache["hs"], cache["W"]
    dkeys = as_float_array("dkeys", dkeys)
    require_shape("dkeys", dkeys, (*hs.shape[:-1], W.shape[0]), like="the keys")
    name = "U_a" if cache["score"] == "additive" else "W_a"
    return dkeys @ W, {name: _flat(dkeys).T @ _flat(hs)}


# ------------------------------------------------------------------------- one step


def attention_forward(s_prev, hs, params, mask=None, *, score="additive", keys=None):
    """The context for one decoder step, and the attention weights.

    Parameters
    ----------
    s_prev : (Q,) or (B, Q) the decoder's state s_{t-1}.
    hs : (S, H) or (S, B, H) the encoder's states, time-major.
    params : dict with ``W_a`` (A, Q), ``U_a`` (A, H), ``v_a`` (A,) (additive) or
        ``W_a`` (Q, H) (multiplicative). Other keys are ignored.
    mask : None (no padding) or (S,) / (S, B), True (or 1) at real source positions.
    score : ``"additive"`` (Bahdanau) or ``"multiplicative"`` (Luong's "general").
    keys : optional, :func:`attention_keys` of ``hs`` computed once for every step.

    Returns
    -------
    context : (H,) or (B, H), ``c_t = Σ_s α_{t,s} h_s``.
    alpha : (S,) or (S, B), the weights: 0 at padding, each column summing to 1.
    cache : dict for :func:`attention_backward`: ``score``, ``s_prev``, ``hs``, ``mask``
        (booleans), ``alpha``, ``u`` (the tanh values (S, [B,] A), additive) or ``keys``
        (multiplicative), ``own_keys``, and the parameters by name.
    """
    score = one_of("score", score, SCORES)
    p = _params(params, score, "attention_forward")
    Q, H, against = _sizes(p, score)
    hs = as_float_array("hs", hs)
    require_sequence("hs", hs, H, against=against)
    s_prev = as_float_array("s_prev", s_prev)
    require_vector_batch("s_prev", s_prev, Q, against=f"W_a is {p['W_a'].shape}", batch=hs.shape[1:-1])
    m = source_mask(mask, hs.shape[:-1])
    own_keys = keys is None
    if own_keys:
        keys, keys_cache = attention_keys(hs, p, score=score)
    else:
        keys = as_float_array("keys", keys)
        width = p["W_a"].shape[0]
        require_shape("keys", keys, (*hs.shape[:-1], width), like="attention_keys(hs, params)")
    cache = {"score": score, "s_prev": s_prev, "hs": hs, "mask": m, "own_keys": own_keys, **p}
    if own_keys:
        cache["keys_cache"] = keys_cache
    if score == "additive":
        u = np.tanh(keys + s_prev @ p["W_a"].T)  # (S, [B,] A): W_a s_{t-1} is the same for every s
        e = u @ p["v_a"]
        cache["u"] = u
    else:
        e = (keys * s_prev).sum(axis=-1)  # s_{t-1} · (W_a h_s)
        cache["keys"] = keys
    alpha = masked_softmax(e, m)
    context = np.einsum("s...,s...h->...h", alpha, hs)
    cache["alpha"] = alpha
    return context, alpha, cache


def attention_backward(dcontext, cache, *, dalpha=None):
    """Backward pass of one step.

    Parameters
    ----------
    dcontext : (H,) or (B, H) gradient of the loss with respect to the context.
    cache : the cache returned by :func:`attention_forward`.
    dalpha : optional (S,) or (S, B), a gradient with respect to the weights themselves
        (when the loss reads them, say to penalise them).

    Returns
    -------
    ds_prev : like ``s_prev``.
    dhs : like ``hs``; zero at padding unless the keys' path adds to it.
    grads : dict with the parameters' gradients, summed over the batch (``W_a``, ``U_a``,
        ``v_a``; multiplicative: ``W_a``). When ``keys`` were passed to the forward pass,
        ``grads["keys"]`` is the gradient with respect to them instead and neither ``dhs``
        nor the grads include the keys' path (``U_a``, multiplicative ``W_a``): sum it over
        the steps for :func:`attention_keys_backward`.
    """
    require_cache(cache, ("score", "s_prev", "hs", "mask", "alpha", "own_keys", "W_a"),
                  made_by="attention_forward")
    score, s_prev, hs, alpha = cache["score"], cache["s_prev"], cache["hs"], cache["alpha"]
    dcontext = as_float_array("dcontext", dcontext)
    require_shape("dcontext", dcontext, hs.shape[1:], like="the context")
    # c = Σ_s α_s h_s: each h_s gets α_s dc, each α_s gets h_s · dc
    dhs = alpha[..., None] * dcontext
    dalpha_c = np.einsum("s...h,...h->s...", hs, dcontext)
    if dalpha is not None:
        dalpha = as_float_array("dalpha", dalpha)
        require_shape("dalpha", dalpha, alpha.shape, like="alpha")
        dalpha_c = dalpha_c + dalpha
    de = masked_softmax_backward(dalpha_c, alpha)
    W_a = cache["W_a"]
    if score == "additive":
        u, v_a = cache["u"], cache["v_a"]
        # e_s = v_a · u_s, u_s = tanh(W_a s_prev + U_a h_s)
        da = de[..., None] * v_a * (1 - u**2)  # (S, [B,] A): a_s = W_a s_prev + U_a h_s, u_s = tanh(a_s)
        da_sum = da.sum(axis=0)  # W_a s_prev is added at every position
        ds_prev = da_sum @ W_a
        grads = {"W_a": _flat(da_sum).T @ _flat(s_prev), "v_a": de.reshape(-1) @ _flat(u)}
        dkeys = da  # the keys U_a h_s are added to a_s as they are
    else:
        keys = cache["keys"]
        # e_s = s_prev · k_s, k_s = W_a h_s
        ds_prev = np.einsum("s...,s...q->...q", de, keys)
        dkeys = de[..., None] * s_prev
        grads = {}
    if cache["own_keys"]:
        dhs_keys, keys_grads = attention_keys_backward(dkeys, cache["keys_cache"])
        dhs = dhs + dhs_keys
        grads.update(keys_grads)
    else:
        grads["keys"] = dkeys
    return ds_prev, dhs, grads
