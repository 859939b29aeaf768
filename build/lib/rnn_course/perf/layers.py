"""Forward plus backward over a sequence: the course's layers against ``torch.nn``, the
matrix-product rate, and the peak memory.

Three measurements of one case, a layer (``"rnn"``, ``"lstm"``, ``"gru"``) at a size
``(T, B, D, H)`` in a dtype (``"float64"`` or ``"float32"``):

- :func:`time_case`: seconds of one forward plus backward pass of the fused sequence
  functions and of ``torch.nn.RNN/LSTM/GRU`` with autograd, interleaved (one of each in
  turn, best of ``repeat``), so that both see the same state of the machine;
- :func:`matmul_seconds`: NumPy's own time for the matrix products that the pass does
  (:func:`matmul_shapes`), alone: the *useful* FLOPs over our time against the same FLOPs
  over that time says how close to the matrix-product rate of the machine the pass runs;
- :func:`peak_memory`: the peak of the bytes NumPy allocates during forward plus backward
  (``tracemalloc``), against the bytes of the activations the backward pass needs
  (:func:`needed_bytes`).

Nothing here asserts a speed: :mod:`rnn_course.perf` prints what it measures.

Book: the Performance page (how the fused sequence functions are made fast).
"""

from __future__ import annotations

import os
import time
import tracemalloc

import numpy as np

from .._arrays import release_scratch
from ..layers.gru import gru_backward, gru_forward, init_gru_params
from ..layers.lstm import init_lstm_params, lstm_backward, lstm_forward
from ..layers.pytorch import gru_params_to_torch, lstm_params_to_torch
from ..layers.rnn import init_rnn_params, rnn_backward, rnn_forward

#: (T, B, D, H): time steps, batch, input size, hidden size (issue 16's grid).
GRID = ((25, 1, 65, 100), (50, 32, 64, 128), (35, 64, 256, 256), (100, 128, 128, 512))
KINDS = ("rnn", "lstm", "gru")
DTYPES = ("float64", "float32")
#: Stacked gates per layer: the width of the pre-activations is ``GATES[kind] * H``.
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def make_case(kind: str, size, dtype: str, *, seed: int = 0) -> dict:
    """Inputs, zero initial states, parameters and an upstream gradient, all in ``dtype``.

    The GRU is the ``"pytorch"`` variant, the function ``torch.nn.GRU`` computes, so both
    sides do the same work.
    """
    T, B, D, H = size
    rng = np.random.default_rng(seed)
    init = {"rnn": init_rnn_params, "lstm": init_lstm_params,
            "gru": lambda d, h, rng: init_gru_params(d, h, rng=rng, variant="pytorch")}[kind]
    params = {k: v.astype(dtype) for k, v in init(D, H, rng=rng).items()}
    return {"kind": kind, "size": tuple(size), "dtype": dtype, "params": params,
            "X": rng.normal(size=(T, B, D)).astype(dtype),
            "h0": np.zeros((B, H), dtype=dtype),
            "dhs": rng.normal(size=(T, B, H)).astype(dtype)}


def numpy_pass(case: dict):
    """One forward and one backward pass of the course's sequence function; returns dX."""
    kind, X, h0, p, dhs = (case[k] for k in ("kind", "X", "h0", "params", "dhs"))
    if kind == "rnn":
        _, cache = rnn_forward(X, h0, p)
        return rnn_backward(dhs, cache)[0]
    if kind == "lstm":
        _, _, cache = lstm_forward(X, h0, h0, p)
        return lstm_backward(dhs, cache)[0]
    _, cache = gru_forward(X, h0, p, variant="pytorch")
    return gru_backward(dhs, cache)[0]


def torch_pass_fn(case: dict):
    """A function running one forward and backward pass of the same layer in ``torch.nn``."""
    import torch

    kind, p = case["kind"], case["params"]
    T, B, D, H = case["size"]
    dtype = getattr(torch, case["dtype"])
    if kind == "rnn":
        layer = torch.nn.RNN(D, H, dtype=dtype)
        state = {"weight_ih_l0": p["W_x"], "weight_hh_l0": p["W_h"], "bias_ih_l0": p["b_h"],
                 "bias_hh_l0": np.zeros_like(p["b_h"])}
    elif kind == "lstm":
        layer, state = torch.nn.LSTM(D, H, dtype=dtype), lstm_params_to_torch(p)
    else:
        layer, state = torch.nn.GRU(D, H, dtype=dtype), gru_params_to_torch(p)
    layer.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    X = torch.from_numpy(case["X"]).requires_grad_()
    dhs = torch.from_numpy(case["dhs"])

    def run():
        X.grad = None
        layer.zero_grad(set_to_none=True)
        out, _ = layer(X)
        out.backward(dhs)
        return X.grad

    return run


#: Pause before each timed run when BLAS has more than one thread: after a call, the idle
#: worker threads of OpenBLAS and of PyTorch keep spinning for a while and take the cores
#: from whichever library runs next (measured: up to 6x on a small pass, 2x on a large one).
SETTLE_SECONDS = 0.25


def _best(fn) -> float:
    if os.environ.get("OPENBLAS_NUM_THREADS", "1") != "1":
        time.sleep(SETTLE_SECONDS)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_case(case: dict, *, repeat: int = 5, torch_too: bool = True) -> dict:
    """Best-of-``repeat`` seconds of our pass and torch's, run in turn (after one warm-up each;
    with several BLAS threads, each timed run starts after a pause, ``SETTLE_SECONDS``)."""
    ours = lambda: numpy_pass(case)  # noqa: E731
    theirs = torch_pass_fn(case) if torch_too else None
    ours()
    if theirs:
        theirs()
    t_ours, t_torch = [], []
    for _ in range(repeat):
        t_ours.append(_best(ours))
        if theirs:
            t_torch.append(_best(theirs))
    return {"numpy_s": min(t_ours), "torch_s": min(t_torch) if t_torch else None}


def matmul_shapes(kind: str, size) -> list[tuple[int, int, int, int]]:
    """``(m, k, n, count)`` of every matrix product of one forward plus backward pass.

    Forward: the input projections of all steps (one product) and one recurrent product
    per step; backward: one recurrent product per step, then ``dX``, ``dW`` and ``dU``
    over all steps. With G stacked gates (1, 4, 3) and N = T·B rows.
    """
    T, B, D, H = size
    G, N = GATES[kind], T * B
    return [(N, D, G * H, 1), (B, H, G * H, T),  # forward
            (B, G * H, H, T), (N, G * H, D, 1), (G * H, N, H, 1), (G * H, N, D, 1)]  # backward


def useful_flops(kind: str, size) -> int:
    """Floating-point operations of the matrix products of a pass (2·m·k·n each)."""
    return sum(2 * m * k * n * c for m, k, n, c in matmul_shapes(kind, size))


def matmul_seconds(kind: str, size, dtype: str, *, repeat: int = 5) -> float:
    """NumPy's best-of-``repeat`` time for the products of :func:`matmul_shapes`, alone."""
    rng = np.random.default_rng(0)
    operands = [(rng.normal(size=(m, k)).astype(dtype), rng.normal(size=(k, n)).astype(dtype),
                 np.empty((m, n), dtype=dtype), c) for m, k, n, c in matmul_shapes(kind, size)]

    def run():
        for a, b, out, count in operands:
            for _ in range(count):
                np.matmul(a, b, out=out)

    run()
    return min(_best(run) for _ in range(repeat))


def needed_bytes(kind: str, size, dtype: str) -> int:
    """Bytes of the activations the backward pass needs, T·B·H·itemsize times:

    the RNN its states (1); the LSTM the four gates and the hidden and cell states (6);
    the GRU (``"pytorch"`` variant) its three gates, ``W_h h + b_hn`` and the states (5).
    """
    T, B, D, H = size
    per_unit = {"rnn": 1, "lstm": 6, "gru": 5}[kind]
    return per_unit * T * B * H * np.dtype(dtype).itemsize


def peak_memory(case: dict) -> int:
    """Peak bytes allocated during forward plus backward, inputs and parameters excluded.

    The scratch arrays that the layers keep between calls (``rnn_course._arrays.scratch``) are
    freed first, so the pass allocates them again and they count.
    """
    release_scratch()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        numpy_pass(case)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base
