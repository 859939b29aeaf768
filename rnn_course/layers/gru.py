"""The gated recurrent unit (GRU), forward and backward, in two variants.

The sources' GRU (``variant="sources"``, the default everywhere)::

    z_t = σ(W_z h_{t-1} + U_z x_t + b_z)              update gate
    r_t = σ(W_r h_{t-1} + U_r x_t + b_r)              reset gate
    h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)   candidate state
    h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t

``z_t = 0`` keeps ``h_{t-1}``; ``z_t = 1`` takes the candidate; ``r_t = 0`` makes the
candidate ignore ``h_{t-1}``.

PyTorch and cuDNN (``variant="pytorch"``) apply the reset gate *after* the recurrent
matrix product, which has its own bias ``b_hn``, and let ``z`` weigh the *old* state::

    n_t = tanh(U_h x_t + b_h + r_t ⊙ (W_h h_{t-1} + b_hn))
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

with ``z_t`` and ``r_t`` as above. In the parameter dict ``b_hn`` is the optional key
``"b_hn"`` (H,), read as zeros when absent; its gradient is always returned by this
variant. ``b_z`` and ``b_r`` stand for the *sums* of PyTorch's two biases per gate
(``b_iz + b_hz``, ``b_ir + b_hr``): only the sum enters the function.
:mod:`rnn_course.layers.pytorch` converts to and from the state dict of
``torch.nn.GRU``. The two variants are different functions: the same weights give
different outputs (see ``tests/test_gru_torch.py``).

Every function takes ``variant`` as a keyword. The backward functions read the variant
from the cache; passing one that disagrees with the cache is an error.

Shapes (one fixed set of letters): T time steps, B batch, D input size, H hidden size.
A single example is ``(D,)``; a batch is ``(B, D)``; a sequence is ``(T, D)`` or
``(T, B, D)``, time-major; code counts steps from 0, so ``X[k]`` holds ``x_{k+1}`` and ``hs[k]``
holds ``h_{k+1}``. ``W_*`` are ``(H, H)``, ``U_*`` ``(H, D)``, biases ``(H,)``.

The cell functions read like the equations; the sequence functions are the fast path
(all input projections in one (3H, D) product before the loop, the gates' recurrent
products stacked inside it, everything in place in arrays allocated once, weight gradients
in one product per chunk of steps; the loops are in :mod:`rnn_course.layers.gru_loops`).
Every sequence function keeps float32 inputs and parameters in float32.
:func:`~rnn_course.init_gru_params` draws the parameters;
:func:`~rnn_course.gru_param_count` and :func:`~rnn_course.count_params` count them.

Book: chapter 5 (the gates, PyTorch's conventions, LSTM versus GRU).
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
    require_dict,
    require_matrix,
    require_params,
    require_sequence,
    require_shape,
    require_vector_batch,
)
from .activations import sigmoid
from .gru_loops import backward_pytorch, backward_sources, forward_pytorch, forward_sources

PARAM_NAMES = ("W_z", "W_r", "W_h", "U_z", "U_r", "U_h", "b_z", "b_r", "b_h")
VARIANTS = ("sources", "pytorch")


def _check_variant(variant) -> str:
    return one_of("variant", variant, VARIANTS)


def param_shapes(input_size: int, hidden_size: int, *, variant="sources") -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of the GRU's parameters, in the order they are drawn.

    The nine of ``PARAM_NAMES``, and ``b_hn`` (H,) for ``variant="pytorch"``.
    """
    D, H = input_size, hidden_size
    shapes = {name: {"W": (H, H), "U": (H, D), "b": (H,)}[name[0]] for name in PARAM_NAMES}
    if _check_variant(variant) == "pytorch":
        shapes["b_hn"] = (H,)
    return shapes


def _gru_params(params, where: str, variant: str) -> dict[str, np.ndarray]:
    """Checked float arrays for every parameter the variant uses (``b_hn`` only for pytorch)."""
    p = require_params(params, PARAM_NAMES, where=where)
    require_matrix('params["U_z"]', p["U_z"])
    H, D = p["U_z"].shape
    for name, shape in param_shapes(D, H).items():
        require_shape(f'params["{name}"]', p[name], shape)
    if variant == "pytorch":
        if params.get("b_hn") is None:
            p["b_hn"] = np.zeros(H, dtype=p["b_h"].dtype)
        else:
            p["b_hn"] = as_float_array('params["b_hn"]', params["b_hn"])
            require_shape('params["b_hn"]', p["b_hn"], (H,))
    return p


def _backward_variant(cache, variant, made_by: str) -> str:
    require_cache(cache, ("variant",), made_by=made_by)
    if variant is not None and _check_variant(variant) != cache["variant"]:
        raise ValueError(
            f'variant={variant!r} but the cache was made with variant={cache["variant"]!r}'
        )
    return cache["variant"]


# ----------------------------------------------------------------------------- cell


def gru_cell_forward(x_t, h_prev, params, *, variant="sources"):
    """One step of the GRU.

    Parameters
    ----------
    x_t : (D,) or (B, D) input at step t.
    h_prev : (H,) or (B, H) hidden state h_{t-1}; same batch shape as ``x_t``.
    params : dict with ``W_z, W_r, W_h`` (H, H), ``U_z, U_r, U_h`` (H, D),
        ``b_z, b_r, b_h`` (H,); with ``variant="pytorch"`` also ``b_hn`` (H,), zeros if
        absent. Other keys are ignored.
    variant : ``"sources"`` (default) or ``"pytorch"`` (see the module docstring).

    Returns
    -------
    h_t : (H,) or (B, H) the new hidden state.
    cache : dict for :func:`gru_cell_backward`: ``variant``, ``x_t``, ``h_prev``, ``z_t``, ``r_t``,
        ``h_tilde`` (``n_t``, ``hn`` in PyTorch's variant), the nine parameters by name.
    """
    variant = _check_variant(variant)
    p = _gru_params(params, "gru_cell_forward", variant)
    H, D = p["U_z"].shape
    x_t = as_float_array("x_t", x_t)
    h_prev = as_float_array("h_prev", h_prev)
    require_vector_batch("x_t", x_t, D, against=f"U_h is {p['U_h'].shape}")
    require_vector_batch(
        "h_prev", h_prev, H, against=f"W_h is {p['W_h'].shape}", batch=x_t.shape[:-1]
    )
    W_z, W_r, W_h, U_z, U_r, U_h, b_z, b_r, b_h = (p[k] for k in PARAM_NAMES)

    z_t = sigmoid(h_prev @ W_z.T + x_t @ U_z.T + b_z)
    r_t = sigmoid(h_prev @ W_r.T + x_t @ U_r.T + b_r)
    cache = {"variant": variant, "x_t": x_t, "h_prev": h_prev, "z_t": z_t, "r_t": r_t, **p}
    if variant == "sources":
        h_tilde = np.tanh((r_t * h_prev) @ W_h.T + x_t @ U_h.T + b_h)
        h_t = (1 - z_t) * h_prev + z_t * h_tilde
        cache["h_tilde"] = h_tilde
    else:
        hn = h_prev @ W_h.T + p["b_hn"]  # the recurrent term, before the reset gate
        n_t = np.tanh(x_t @ U_h.T + b_h + r_t * hn)
        h_t = (1 - z_t) * n_t + z_t * h_prev
        cache.update(hn=hn, n_t=n_t)
    return h_t, cache


def gru_cell_backward(dh_t, cache, *, variant=None):
    """Backward pass of one step.

    Parameters
    ----------
    dh_t : (H,) or (B, H) gradient of the loss with respect to ``h_t``.
    cache : the cache returned by :func:`gru_cell_forward`.
    variant : optional; the cache knows it. If given it must match the cache.

    Returns
    -------
    dx_t : like ``x_t``; dh_prev : like ``h_prev``;
    grads : dict with the nine parameter names (and ``b_hn`` for the pytorch variant),
        shaped like the parameters and summed over the batch.
    """
    variant = _backward_variant(cache, variant, "gru_cell_forward")
    needed = ("x_t", "h_prev", "z_t", "r_t", *PARAM_NAMES)
    needed += ("h_tilde",) if variant == "sources" else ("hn", "n_t")
    require_cache(cache, needed, made_by="gru_cell_forward")
    x_t, h_prev, z_t, r_t = (cache[k] for k in ("x_t", "h_prev", "z_t", "r_t"))
    W_z, W_r, W_h, U_z, U_r, U_h = (cache[k] for k in PARAM_NAMES[:6])
    dh_t = as_float_array("dh_t", dh_t)
    require_shape("dh_t", dh_t, h_prev.shape, like="h_t")

    if variant == "sources":
        h_tilde = cache["h_tilde"]
        # h_t = (1 - z_t) h_prev + z_t h̃_t
        dh_tilde = dh_t * z_t
        dz_t = dh_t * (h_tilde - h_prev)
        dh_prev = dh_t * (1 - z_t)
        # h̃_t = tanh(a_h),  a_h = W_h (r_t ⊙ h_prev) + U_h x_t + b_h
        da_h = dh_tilde * (1 - h_tilde**2)
        d_rh = da_h @ W_h  # gradient with respect to r_t ⊙ h_prev
        dr_t = d_rh * h_prev
        dh_prev = dh_prev + d_rh * r_t
        dW_h = _flat(da_h).T @ _flat(r_t * h_prev)
    else:
        n_t, hn = cache["n_t"], cache["hn"]
        # h_t = (1 - z_t) n_t + z_t h_prev
        dn_t = dh_t * (1 - z_t)
        dz_t = dh_t * (h_prev - n_t)
        dh_prev = dh_t * z_t
        # n_t = tanh(a_n),  a_n = U_h x_t + b_h + r_t ⊙ hn,  hn = W_h h_prev + b_hn
        da_h = dn_t * (1 - n_t**2)
        dr_t = da_h * hn
        d_hn = da_h * r_t
        dh_prev = dh_prev + d_hn @ W_h
        dW_h = _flat(d_hn).T @ _flat(h_prev)
    # z_t = σ(a_z), r_t = σ(a_r), and σ'(a) = σ(a) (1 - σ(a))
    da_z = dz_t * z_t * (1 - z_t)
    da_r = dr_t * r_t * (1 - r_t)
    # a_z = W_z h_prev + U_z x_t + b_z, and likewise a_r
    dh_prev = dh_prev + da_z @ W_z + da_r @ W_r
    dx_t = da_z @ U_z + da_r @ U_r + da_h @ U_h
    xf, hf = _flat(x_t), _flat(h_prev)
    grads = {
        "W_z": _flat(da_z).T @ hf,
        "W_r": _flat(da_r).T @ hf,
        "W_h": dW_h,
        "U_z": _flat(da_z).T @ xf,
        "U_r": _flat(da_r).T @ xf,
        "U_h": _flat(da_h).T @ xf,
        "b_z": _flat(da_z).sum(axis=0),
        "b_r": _flat(da_r).sum(axis=0),
        "b_h": _flat(da_h).sum(axis=0),
    }
    if variant == "pytorch":
        grads["b_hn"] = _flat(d_hn).sum(axis=0)
    return dx_t, dh_prev, grads


# ------------------------------------------------------------------------- sequence


def gru_forward(X, h0, params, *, variant="sources"):
    """Run the GRU over a whole sequence (the fast path, for training).

    The readable reference, one cell call per step with the exercises' list of cell caches,
    is :func:`~rnn_course.gru_forward_by_steps`: the same numbers.

    Parameters
    ----------
    X : (T, D) or (T, B, D) inputs, time-major: ``X[k]`` holds x_{k+1}.
    h0 : (H,) or (B, H) initial hidden state.
    params : dict as for :func:`gru_cell_forward`.
    variant : ``"sources"`` (default) or ``"pytorch"``.

    Returns
    -------
    hs : (T, H) or (T, B, H); ``hs[k]`` is the state after reading ``X[k]``.
    cache : for :func:`gru_backward` only (the fast path's own layout; for one cell cache per
        step, use :func:`~rnn_course.unroll`).
    """
    variant = _check_variant(variant)
    p = _gru_params(params, "gru_forward", variant)
    H, D = p["U_z"].shape
    X = as_float_array("X", X)
    h0 = as_float_array("h0", h0)
    require_sequence("X", X, D, against=f"U_h is {p['U_h'].shape}")
    require_vector_batch("h0", h0, H, against=f"W_h is {p['W_h'].shape}", batch=X.shape[1:-1])

    U = np.concatenate([p["U_z"], p["U_r"], p["U_h"]])  # (3H, D): rows z, r, h
    b = np.concatenate([p["b_z"], p["b_r"], p["b_h"]])
    cache = {"variant": variant, "X": X, "h0": h0, "U": U}
    if variant == "sources":
        W_zr = np.concatenate([p["W_z"], p["W_r"]])  # (2H, H): both gates in one product
        dtype = np.result_type(X, h0, W_zr, p["W_h"], U, b)
        hs, gates = forward_sources(X, h0, W_zr, p["W_h"], U, b, dtype)
        cache.update(W_zr=W_zr, W_h=p["W_h"])
    else:
        # (3H, H): the reset gate acts after the product, so all three gates share it
        W = np.concatenate([p["W_z"], p["W_r"], p["W_h"]])
        dtype = np.result_type(X, h0, W, U, b, p["b_hn"])
        hs, gates, hns = forward_pytorch(X, h0, W, p["b_hn"], U, b, dtype)
        cache.update(W=W, hns=hns)
    cache.update(hs=hs, gates=gates)  # gates: z, r, and h̃ (sources) or n (pytorch)
    return hs, cache


def gru_backward(dhs, cache, *, variant=None):
    """Backpropagation through time over the whole sequence (the fast path, for training).

    The readable reference, over the list of cell caches, is
    :func:`~rnn_course.gru_backward_by_steps`.

    Parameters
    ----------
    dhs : (T, H) or (T, B, H); ``dhs[k]`` is dLoss/dhs[k] from the layers above
        (only the direct contribution; the path through later steps is added here).
    cache : the cache returned by :func:`gru_forward`.
    variant : optional; the cache knows it. If given it must match the cache.

    Returns
    -------
    dX : like ``X``; dh0 : like ``h0``;
    grads : dict with the nine parameter names (and ``b_hn`` for the pytorch variant),
        each summed over all time steps and the batch.
    """
    variant = _backward_variant(cache, variant, "gru_forward")
    recurrent = ("W_zr", "W_h") if variant == "sources" else ("W", "hns")
    require_cache(cache, ("X", "h0", "hs", "gates", "U", *recurrent), made_by="gru_forward")
    X, h0, hs, gates, U = (cache[k] for k in ("X", "h0", "hs", "gates", "U"))
    dhs = as_float_array("dhs", dhs)
    require_shape("dhs", dhs, hs.shape, like="hs")

    H = hs.shape[-1]
    if variant == "sources":
        W_zr, W_h = cache["W_zr"], cache["W_h"]
        dtype = np.result_type(hs, dhs, W_zr, W_h, U)
        dX, dh0, dW_all, dU, db = backward_sources(dhs, X, h0, hs, gates, W_zr, W_h, U, dtype)
    else:
        W, hns = cache["W"], cache["hns"]
        dtype = np.result_type(hs, dhs, W, U)
        dX, dh0, dW_all, dU, db, db_hn = backward_pytorch(dhs, X, h0, hs, gates, hns, W, U, dtype)
    dW = {"W_z": dW_all[:H], "W_r": dW_all[H : 2 * H], "W_h": dW_all[2 * H :]}
    grads = {
        **dW,
        "U_z": dU[:H], "U_r": dU[H : 2 * H], "U_h": dU[2 * H :],
        "b_z": db[:H], "b_r": db[H : 2 * H], "b_h": db[2 * H :],
    }
    if variant == "pytorch":
        grads["b_hn"] = db_hn
    return dX, dh0, grads


# ------------------------------------------------------------ parameters, PyTorch


def init_gru_params(
    input_size, hidden_size, *, rng=None, variant="sources", dtype=np.float64
) -> dict[str, np.ndarray]:
    """GRU parameters drawn as PyTorch does: every entry from ``U(-1/sqrt(H), 1/sqrt(H))``.

    Returns ``W_z, W_r, W_h`` (H, H), ``U_z, U_r, U_h`` (H, D), ``b_z, b_r, b_h`` (H,);
    with ``variant="pytorch"`` also ``b_hn`` (H,); all of ``dtype`` (``float64`` or ``float32``).
    """
    variant = _check_variant(variant)
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    dtype = float_dtype("dtype", dtype)
    return uniform_params(as_rng(rng), param_shapes(D, H, variant=variant), H, dtype)


def gru_param_count(input_size, hidden_size, *, variant="sources") -> int:
    """Number of scalars in a GRU: ``3 (H·H + H·D + H)``, plus ``H`` (``b_hn``) for pytorch.

    ``torch.nn.GRU`` itself stores ``3 (H·H + H·D + 2H)``: two biases per gate, of which
    only the sum matters for ``z`` and ``r``.
    """
    variant = _check_variant(variant)
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    return 3 * (H * H + H * D + H) + (H if variant == "pytorch" else 0)


def count_params(params) -> int:
    """Total number of scalars in a dict of parameter arrays (every key is counted).

    Any model's parameters: ``count_params(init_lstm_params(D, H))`` is ``4 (H·H + H·D + H)``.
    """
    require_dict("params", params)
    return int(sum(as_float_array(f'params["{k}"]', v).size for k, v in params.items()))
