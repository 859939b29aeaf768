"""Argument checks shared by the whole package (the bottom floor: it imports only NumPy).

One helper per kind of argument, so that every message has the same form and names the
argument: ``lr must be in (0.0, inf), got -1``, ``hidden_size must be a positive
integer, got 0``, ``reduction must be one of ('sum', 'mean'), got 'avg'``,
``h_prev has shape (3, 5) but W_h is (4, 4): expected (4,) or (B, 4)``.
A wrong shape fails here, with the shape that was expected, never with a silent
broadcast deep inside NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a string where a number belongs, say).

    It is both a ``TypeError`` and a ``ValueError``: code that catches either sees it.
    """


# ------------------------------------------------------------------------ numbers


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def real(name: str, value, *, low: float = -math.inf, high: float = math.inf,
         low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite float within the bounds, or raise naming ``name``.

    The bounds are included unless ``low_open`` / ``high_open``; infinite bounds are
    always open. A value that is not a real number (a string, a bool) raises
    :class:`ArgumentTypeError`; one out of range (or NaN, or infinite) ``ValueError``.
    """
    if not _is_real(value):
        raise ArgumentTypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    too_low = x <= low if low_open else x < low
    too_high = x >= high if high_open else x > high
    if math.isfinite(x) and not too_low and not too_high:
        return x
    if low == -math.inf and high == math.inf:
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    left = "(" if low_open or low == -math.inf else "["
    right = ")" if high_open or high == math.inf else "]"
    raise ValueError(f"{name} must be in {left}{float(low)}, {float(high)}{right}, got {value!r}")


def integer(name: str, value, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int within ``[low, high]``, or raise ``ValueError`` naming it.

    Floats are refused, even ``2.0``: a count or an index is an integer.
    """
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if ok and (low is None or value >= low) and (high is None or value <= high):
        return int(value)
    if low is not None and high is not None:
        expected = f"an integer from {low} to {high}"
    elif low == 1:
        expected = "a positive integer"
    elif low is not None:
        expected = f"an integer >= {low}"
    elif high is not None:
        expected = f"an integer <= {high}"
    else:
        expected = "an integer"
    error = ValueError if ok else ArgumentTypeError
    raise error(f"{name} must be {expected}, got {value!r}")


def positive_int(name: str, value) -> int:
    """Return ``value`` as an int, or raise ``ValueError`` naming it unless it is >= 1."""
    return integer(name, value, low=1)


def one_of(name: str, value, choices: tuple):
    """Return ``value`` if it is one of ``choices``, or raise ``ValueError`` naming it."""
    try:
        known = value in choices
    except (TypeError, ValueError):  # an array, say: not a choice
        known = False
    if not known:
        raise ValueError(f"{name} must be one of {tuple(choices)!r}, got {value!r}")
    return value


def as_rng(rng) -> np.random.Generator:
    """``None`` or an int seed gives a new Generator; a Generator is used as it is."""
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise ArgumentTypeError(
        f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}"
    )


# ------------------------------------------------------------------- dicts, arrays


def require_dict(name: str, value) -> Mapping:
    """Require a mapping (a dict of arrays keyed by name); raise :class:`ArgumentTypeError`."""
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"{name} must be a dict of arrays keyed by name, got a {type(value).__name__}")
    return value


def as_float_array(name: str, value) -> np.ndarray:
    """Return ``value`` as a floating-point array, or raise ``TypeError`` naming it."""
    if type(value) is np.ndarray and value.dtype.kind == "f":  # the common case, checked fast
        return value
    if isinstance(value, Mapping):
        raise TypeError(f"{name} must be an array of numbers, got a {type(value).__name__}")
    try:
        array = np.asarray(value)
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - numpy raises many kinds
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
    require_dict("params", params)
    missing = [k for k in keys if k not in params]
    if missing:
        raise KeyError(
            f"params is missing {', '.join(repr(k) for k in missing)} needed by {where}; "
            f"it has {sorted(params)}"
        )
    return {k: as_float_array(f'params["{k}"]', params[k]) for k in keys}


def require_shape(name: str, array: np.ndarray, shape: tuple[int, ...], *, like: str | None = None) -> None:
    """Require exactly ``shape``; ``like`` names what fixes it (``"hs"``, ``'params["b_h"]'``)."""
    if array.shape != tuple(shape):
        of = f", the shape of {like}" if like else ""
        raise ValueError(f"{name} has shape {array.shape}: expected {tuple(shape)}{of}")


def require_matrix(name: str, array: np.ndarray, *, square: bool = False) -> None:
    """Require a 2-D array (``square``: an ``(H, H)`` one)."""
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D weight matrix, got shape {array.shape}")
    if square and array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} has shape {array.shape}: expected a square matrix (H, H)")


def require_last_axis(name: str, array: np.ndarray, size: int, *, against: str) -> None:
    """Require ``(..., size)``: at least one axis, the last of length ``size``."""
    if array.ndim < 1 or array.shape[-1] != size:
        raise ValueError(f"{name} has shape {array.shape} but {against}: expected (..., {size})")


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


def require_cache(cache, keys: Iterable[str], *, made_by: str) -> None:
    """Require the dict that ``made_by`` returned as its cache (every key present)."""
    if not isinstance(cache, Mapping) or any(k not in cache for k in keys):
        raise TypeError(f"cache must be the cache returned by {made_by}")


#: The floating-point types every layer, loss and optimiser supports, end to end.
FLOAT_DTYPES = ("float64", "float32")


def float_dtype(name: str, value) -> np.dtype:
    """Return ``value`` as ``np.float64`` or ``np.float32``; anything else raises naming ``name``."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype is None or dtype.name not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be one of {FLOAT_DTYPES} (a name or a NumPy type), got {value!r}")
    return dtype
