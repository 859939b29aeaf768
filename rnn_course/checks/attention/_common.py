"""What the checks of ex08-attention share: the inputs, the reference values, the cache
contract, and the attention step computed with each typical mistake.

Sizes S, B, Q, H, A (source positions, batch, decoder state, encoder state, attention) are
all different, so that a sum over the wrong axis or a transposed weight shows up as a wrong
shape. Padding comes at the end of each column of the mask and its encoder states (and
scores) hold junk, so that padding that is not masked changes the numbers.
"""

from __future__ import annotations

import copy

import numpy as np

from ...layers.attention import attention_backward, attention_forward, masked_softmax
from .._caches import CELL_CACHE_KEYS
from .._core import rng_for

SOFTMAX, FORWARD, BACKWARD = "masked_softmax", "attention_forward", "attention_backward"
PARAMS = ("W_a", "U_a", "v_a")
#: The keys of the cache that attention_forward returns and attention_backward reads.
CACHE_KEYS = CELL_CACHE_KEYS["attention"]


def attention_sizes(rng: np.random.Generator, hidden: bool) -> tuple[int, int, int, int, int]:
    """(S, B, Q, H, A), all five different."""
    __tracebackhide__ = True
    if not hidden:
        return 6, 3, 4, 5, 7
    S = int(rng.integers(5, 9))
    rest = [n for n in range(2, 11) if n != S]
    B, Q, H, A = (int(n) for n in rng.choice(rest, size=4, replace=False))
    return S, B, Q, H, A


def ragged_mask(rng: np.random.Generator, S: int, B: int) -> np.ndarray:
    """(S, B) booleans: the first column full, the others padded at the end (at least one real)."""
    __tracebackhide__ = True
    lengths = np.concatenate([[S], rng.integers(1, S, B - 1)])
    return np.arange(S)[:, None] < lengths[None, :]


def scores_case(hidden: bool, seed: int):
    """``e`` (S, B) and a ragged ``mask``; padded scores hold junk larger than the real ones."""
    __tracebackhide__ = True
    rng = rng_for(hidden, seed)
    S, B, *_ = attention_sizes(rng, hidden)
    mask = ragged_mask(rng, S, B)
    e = rng.normal(0.0, 1.5, size=(S, B))
    e[~mask] += 3.0
    return e, mask


def attention_case(hidden: bool, seed: int):
    """``rng, s_prev (B, Q), hs (S, B, H), params, mask (S, B)``: scores far from equal, junk at padding."""
    __tracebackhide__ = True
    rng = rng_for(hidden, seed)
    S, B, Q, H, A = attention_sizes(rng, hidden)
    mask = ragged_mask(rng, S, B)
    hs = rng.normal(size=(S, B, H))
    hs[~mask] = rng.normal(3.0, 1.0, size=(int((~mask).sum()), H))
    s_prev = rng.normal(size=(B, Q))
    params = {"W_a": rng.normal(0.0, 0.8, (A, Q)), "U_a": rng.normal(0.0, 0.8, (A, H)),
              "v_a": rng.normal(0.0, 1.0, A)}
    return rng, s_prev, hs, params, mask


def private(*values):
    """Deep copies, taken before any learner code runs, for the expected values."""
    __tracebackhide__ = True
    return copy.deepcopy(values)


def reference_cache(s_prev, hs, params, mask) -> dict:
    """The reference forward's cache, restricted to the contract's keys (new arrays)."""
    __tracebackhide__ = True
    _, _, cache = attention_forward(s_prev, hs, params, mask)
    return {k: np.array(cache[k]) for k in CACHE_KEYS}


# ----------------------------------------------------------------- the typical mistakes


def softmax_variant(e, mask, m: str = "") -> np.ndarray:
    """The masked softmax, right (``m=""``) or with the mistake ``m``: ``axis`` (over the batch),
    ``max_axis`` (each row's largest score subtracted), ``no_mask`` (padding counted), ``after``
    (padding zeroed after normalising)."""
    __tracebackhide__ = True
    if m == "max_axis":
        z = np.where(mask, e, -np.inf)
        w = np.exp(z - z.max(axis=1, keepdims=True))
        return w / w.sum(axis=0)
    if m == "axis":
        return masked_softmax(e.T, mask.T).T
    if m == "no_mask":
        return masked_softmax(e)
    if m == "after":
        return masked_softmax(e) * mask
    return masked_softmax(e, mask)


def forward_variant(s_prev, hs, p, mask, m: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(context, alpha) with the mistake ``m``: ``no_tanh``, ``no_v`` (the scores sum u over A),
    or one of :func:`softmax_variant`'s."""
    __tracebackhide__ = True
    pre = hs @ p["U_a"].T + s_prev @ p["W_a"].T
    u = pre if m == "no_tanh" else np.tanh(pre)
    e = u.sum(axis=-1) if m == "no_v" else u @ p["v_a"]
    alpha = softmax_variant(e, mask, m if m in ("axis", "no_mask", "after") else "")
    return (alpha[..., None] * hs).sum(axis=0), alpha


def backward_variant(dcontext, cache, m: str = "") -> dict[str, np.ndarray]:
    """``ds_prev``, ``dhs`` and the three gradients, right or with the mistake ``m`` (a key of
    the backward check's ``MISTAKES``)."""
    __tracebackhide__ = True
    hs, alpha, u = cache["hs"], cache["alpha"], cache["u"]
    W_a, U_a, v_a = cache["W_a"], cache["U_a"], cache["v_a"]
    dalpha = (hs * dcontext).sum(axis=-1)
    if m == "softmax_none":
        de = dalpha
    elif m == "softmax_no_sum":
        de = alpha * dalpha
    else:
        de = alpha * (dalpha - (alpha * dalpha).sum(axis=0))
    da = de[..., None] * v_a * (1.0 if m == "no_tanh" else 1 - u**2)
    da_sum = da.sum(axis=0)
    paths = {"no_alpha_path": alpha[..., None] * dcontext, "no_keys_path": da @ U_a}
    dhs = sum(v for k, v in paths.items() if k != m)
    return {"ds_prev": da_sum @ W_a, "dhs": dhs, "W_a": da_sum.T @ cache["s_prev"],
            "U_a": da.reshape(-1, da.shape[-1]).T @ hs.reshape(-1, hs.shape[-1]),
            "v_a": de.reshape(-1) @ u.reshape(-1, u.shape[-1])}


def reference_backward(dcontext, s_prev, hs, params, mask) -> dict[str, np.ndarray]:
    """The reference's outputs by name, from the package's forward and backward."""
    __tracebackhide__ = True
    _, _, cache = attention_forward(s_prev, hs, params, mask)
    ds_prev, dhs, grads = attention_backward(dcontext, cache)
    return {"ds_prev": ds_prev, "dhs": dhs, **grads}
