"""Input validation shared by the reference layers.

Every public function checks its arguments here, so that a wrong shape fails with a
message naming the argument and the shape that was expected, never with a silent
broadcast deep inside NumPy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np


def as_float_array(name: str, value) -> np.ndarray:
    """Return ``value`` as a floating-point array, or raise ``TypeError`` naming it."""
    if isinstance(value, Mapping):
        raise TypeError(f"{name} must be an array of numbers, got a {type(value).__name__}")
    try:
        array = np.asarray(value)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds
        raise TypeError(f"{name} must be an array of numbers: {exc}") from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
        or array.dtype == bool
    ):
        raise TypeError(f"{name} must be an array of real numbers, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    return array


def require_params(params, keys: Iterable[str], *, where: str) -> dict[str, np.ndarray]:
    """Check that ``params`` is a mapping holding every key in ``keys``.

    Returns a new dict holding just those keys, converted to float arrays.
    """
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict of arrays keyed by name, got a {type(params).__name__}"
        )
    missing = [k for k in keys if k not in params]
    if missing:
        raise KeyError(
            f"params is missing {', '.join(repr(k) for k in missing)} needed by {where}; "
            f"it has {sorted(params)}"
        )
    return {k: as_float_array(f'params["{k}"]', params[k]) for k in keys}


def require_shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    """Require an exact shape (used for weights and biases)."""
    if array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape}: expected {tuple(shape)}")


def require_matrix(name: str, array: np.ndarray) -> None:
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D weight matrix, got shape {array.shape}")


def require_vector_batch(
    name: str, array: np.ndarray, size: int, *, against: str, batch: tuple[int, ...] | None = None
) -> None:
    """Require ``(size,)`` or ``(B, size)``; with ``batch`` given, the leading axes must match it.

    ``against`` names what fixes ``size`` (for example ``"W_h is (4, 4)"``).
    """
    if array.ndim not in (1, 2) or array.shape[-1] != size:
        raise ValueError(
            f"{name} has shape {array.shape} but {against}: expected ({size},) or (B, {size})"
        )
    if batch is not None and array.shape[:-1] != batch:
        expected = (*batch, size)
        raise ValueError(
            f"{name} has shape {array.shape} but the input has batch shape {batch}: "
            f"expected {expected}"
        )


def require_sequence(name: str, array: np.ndarray, size: int, *, against: str) -> None:
    """Require a time-major sequence ``(T, size)`` or ``(T, B, size)`` with ``T >= 1``."""
    if array.ndim not in (2, 3) or array.shape[-1] != size:
        raise ValueError(
            f"{name} has shape {array.shape} but {against}: expected (T, {size}) or (T, B, {size})"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} has no time steps (shape {array.shape}): expected T >= 1")


def require_same_shape(name: str, array: np.ndarray, shape: tuple[int, ...], *, like: str) -> None:
    if array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape}: expected {tuple(shape)}, the shape of {like}")


def require_cache(cache, keys: Iterable[str], *, made_by: str) -> None:
    if not isinstance(cache, Mapping) or any(k not in cache for k in keys):
        raise TypeError(f"cache must be the cache returned by {made_by}")


def positive_int(name: str, value) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` naming it unless it is >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_rng(rng) -> np.random.Generator:
    """``None`` or an int seed gives a new Generator; a Generator is used as it is."""
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}")
