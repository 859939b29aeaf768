"""The embedding layer: a learned vector for every token, looked up by index.

    x_t = E[y_t]          E is (V, D): one row of D numbers per token of the vocabulary

A one-hot input multiplied by a weight matrix, ``onehot(y_t) @ E``, gives the same row;
the lookup does it without building the one-hot vectors, which matters when the
vocabulary has thousands of words. The backward pass adds each input gradient to the row
it came from; a token that occurs several times in a batch gets the **sum** of its
gradients (``np.add.at``: ``dE[ids] += dX`` would keep only one of them).

Shapes: any integer array of token ids ``(...)`` (for a time-major batch ``(T, B)``), V
tokens, D the embedding size; the output is ``(..., D)``. ``E`` travels in the parameter
dict as ``"E"`` (or any other key the caller names).

Book: chapter 6, sentiment analysis (words) and machine translation (characters).
"""

from __future__ import annotations

import numpy as np

from .._validate import ArgumentTypeError, as_float_array, as_rng, positive_int, require_cache, require_matrix, require_shape


def init_embedding(num_tokens, dim, *, rng=None, scale=0.1) -> np.ndarray:
    """An embedding matrix ``E`` (V, D) with entries drawn from ``N(0, scale^2)``."""
    V = positive_int("num_tokens", num_tokens)
    D = positive_int("dim", dim)
    return as_rng(rng).normal(0.0, scale, (V, D))


def _token_ids(ids, V: int) -> np.ndarray:
    ids = np.asarray(ids)
    if ids.dtype == bool or not np.issubdtype(ids.dtype, np.integer):
        raise ArgumentTypeError(f"ids must hold integer token ids, got dtype {ids.dtype}")
    bad = (ids < 0) | (ids >= V)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"ids has value {ids[where]} at index {where} but E has {V} rows: "
                         f"expected 0 <= ids < {V}")
    return ids


def embedding_forward(ids, E):
    """Look up the rows of ``E`` for every token id.

    Parameters
    ----------
    ids : (...) integers in ``0 .. V-1``, e.g. (T, B) time-major token ids.
    E : (V, D) embedding matrix.

    Returns
    -------
    X : (..., D), ``X[...] = E[ids[...]]`` (a new array).
    cache : dict of what :func:`embedding_backward` needs.
    """
    E = as_float_array("E", E)
    require_matrix("E", E)
    ids = _token_ids(ids, E.shape[0])
    return E[ids], {"ids": ids, "shape": E.shape}


def embedding_backward(dX, cache, *, padding_id=None) -> np.ndarray:
    """Gradient of the loss with respect to ``E``.

    Parameters
    ----------
    dX : (..., D) gradient with respect to the looked-up rows.
    cache : the cache returned by :func:`embedding_forward`.
    padding_id : optional token id whose row gets no gradient (the padding token, whose
        vector then stays as initialised).

    Returns
    -------
    dE : (V, D), every row the sum of the gradients of the positions that read it.
    """
    require_cache(cache, ("ids", "shape"), made_by="embedding_forward")
    ids, (V, D) = cache["ids"], cache["shape"]
    dX = as_float_array("dX", dX)
    require_shape("dX", dX, (*ids.shape, D), like="the looked-up rows")
    dE = np.zeros((V, D), dtype=dX.dtype)
    np.add.at(dE, ids.reshape(-1), dX.reshape(-1, D))  # repeated ids add up
    if padding_id is not None:
        dE[padding_id] = 0.0
    return dE
