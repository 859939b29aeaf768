"""Measuring how gradients shrink or grow on their way back through time.

    dh_t/dh_k = prod_{j=k+1}^{t} diag(1 - h_j^2) W_h

With the loss read at the last step only, ``dL/dh_t = (dh_T/dh_t)^T dL/dh_T``: its norm
against the distance ``T - t`` to the loss shows the gradient vanishing or exploding.

    params = rnn_with_spectral_radius(D, H, rho=1.5, rng=0)
    norms = hidden_state_gradient_norms(params, X)     # norms[t - 1] = ||dL/dh_t||

Shapes as everywhere in the package: T steps, B batch, D inputs, H hidden units.

Book: chapter 3, products of Jacobians (and gradient clipping).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_rng, positive_int, real, require_matrix, require_shape
from ..layers.rnn import init_rnn_params, rnn_forward


def _square_matrix(name: str, W) -> np.ndarray:
    W = as_float_array(name, W)
    require_matrix(name, W, square=True)
    return W


def spectral_radius(W) -> float:
    """The largest absolute value of the eigenvalues of a square matrix ``W`` (H, H)."""
    W = _square_matrix("W", W)
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_spectral_radius(W, rho) -> np.ndarray:
    """A new matrix ``c * W`` whose spectral radius is exactly ``rho`` (``W`` is not changed).

    Scaling a matrix scales every eigenvalue by the same factor, so ``c = rho / radius(W)``.
    Raises ``ValueError`` naming ``W`` when it is not square or its radius is 0 (a nilpotent
    matrix cannot be scaled to any other radius), and naming ``rho`` when it is negative.
    """
    W = _square_matrix("W", W)
    rho = real("rho", rho, low=0.0)
    radius = spectral_radius(W)
    if radius == 0.0:
        raise ValueError("W has spectral radius 0: no scaling gives it another radius")
    return W * (rho / radius)


def rnn_with_spectral_radius(input_size, hidden_size, rho, *, input_scale=1.0,
                             rng=None) -> dict[str, np.ndarray]:
    """Parameters of a random vanilla RNN whose ``W_h`` has spectral radius ``rho``.

    ``W_h`` is Gaussian, ``N(0, 1/H)``, then scaled to radius ``rho``; ``W_x`` and ``b_h``
    are drawn as by :func:`~rnn_course.init_rnn_params` and multiplied by ``input_scale``
    (a larger scale drives ``tanh`` further into saturation).
    Returns ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,).
    """
    D = positive_int("input_size", input_size)
    H = positive_int("hidden_size", hidden_size)
    rho = real("rho", rho, low=0.0)
    input_scale = real("input_scale", input_scale, low=0.0)
    gen = as_rng(rng)
    params = init_rnn_params(D, H, rng=gen)
    params["W_x"] *= input_scale
    params["b_h"] *= input_scale
    W_h = gen.standard_normal((H, H)) / np.sqrt(H)
    params["W_h"] = scale_to_spectral_radius(W_h, rho)
    return params


def hidden_state_gradient_norms(params, X, *, h0=None, dh_T=None) -> np.ndarray:
    """``||dL/dh_t||`` for t = 1..T when the loss is read at the last step only.

    Runs the RNN over ``X`` and carries ``dL/dh_T`` back with the recursion
    ``dL/dh_{t-1} = W_h^T (dL/dh_t * (1 - h_t^2))``: the Jacobian products, applied to
    one vector.

    Parameters
    ----------
    params : dict with ``W_x`` (H, D), ``W_h`` (H, H), ``b_h`` (H,).
    X : (T, D) or (T, B, D) inputs.
    h0 : (H,) or (B, H) initial state; zeros when omitted.
    dh_T : (H,) or (B, H) gradient of the loss with respect to ``h_T``; when omitted, the
        unit vector ``(1, ..., 1) / sqrt(H)`` for every sequence.

    Returns
    -------
    norms : (T,) or (T, B), ``norms[t - 1] = ||dL/dh_t||`` (Euclidean, per sequence).
    """
    W_h = _square_matrix('params["W_h"]', params["W_h"])
    H = W_h.shape[0]
    X = as_float_array("X", X)
    if X.ndim not in (2, 3) or X.shape[0] < 1:
        raise ValueError(f"X has shape {X.shape}: expected (T, D) or (T, B, D)")
    batch = X.shape[1:-1]
    if h0 is None:
        h0 = np.zeros((*batch, H))
    hs, _ = rnn_forward(X, h0, params)
    if dh_T is None:
        dh = np.full((*batch, H), 1.0 / np.sqrt(H))
    else:
        dh = as_float_array("dh_T", dh_T)
        require_shape("dh_T", dh, (*batch, H))
    T = X.shape[0]
    norms = np.empty((T, *batch))
    for t in range(T - 1, -1, -1):        # hs[t] is h_{t+1}
        norms[t] = np.linalg.norm(dh, axis=-1)
        dh = (dh * (1.0 - hs[t] ** 2)) @ W_h   # to h_t: W_h^T (dh * tanh')
    return norms


def gradient_norm_curve(rho, T, *, hidden_size=32, input_size=4, batch_size=16,
                        input_scale=1.0, rng=0) -> np.ndarray:
    """Mean ``||dL/dh_t||`` over a batch of random sequences, for a random RNN.

    The RNN comes from :func:`rnn_with_spectral_radius`; the inputs are standard normal.
    Returns ``(T,)`` with entry ``t - 1`` for ``h_t``; the loss is at step ``T``, so
    entry ``T - 1`` is 1 and entry 0 is ``T - 1`` steps from the loss.
    """
    T = positive_int("T", T)
    B = positive_int("batch_size", batch_size)
    gen = as_rng(rng)
    params = rnn_with_spectral_radius(input_size, hidden_size, rho,
                                      input_scale=input_scale, rng=gen)
    X = gen.standard_normal((T, B, positive_int("input_size", input_size)))
    return hidden_state_gradient_norms(params, X).mean(axis=1)


def mean_tanh_derivative(params, X, *, h0=None) -> float:
    """The mean of ``1 - h_t^2`` over every step, unit and sequence: how saturated ``tanh`` is."""
    W_h = _square_matrix('params["W_h"]', params["W_h"])
    X = as_float_array("X", X)
    if h0 is None:
        h0 = np.zeros((*X.shape[1:-1], W_h.shape[0]))
    hs, _ = rnn_forward(X, h0, params)
    return float(np.mean(1.0 - hs**2))
