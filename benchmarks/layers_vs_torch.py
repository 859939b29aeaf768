"""Speed of the reference layers against PyTorch on this machine's CPU, in one run.

For each layer (RNN, LSTM, GRU) and size, times a forward plus backward pass over a
sequence in NumPy (``rnn_course``) and in ``torch.nn.RNN/LSTM/GRU`` (float64, CPU,
autograd), and prints the ratio. Ratios, not seconds, are what to compare across
machines. Run with:

    .venv/bin/python benchmarks/layers_vs_torch.py [--repeat 5] [--json out.json]

Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

import rnn_course as rc

SIZES = [(50, 32, 16, 64), (100, 64, 32, 128)]  # (T, B, D, H)


def _best_of(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_step(kind: str, X, params):
    if kind == "rnn":
        hs, cache = rc.rnn_forward(X, np.zeros((X.shape[1], params["W_h"].shape[0])), params)
        rc.rnn_backward(np.ones_like(hs), cache)
    elif kind == "lstm":
        h0 = np.zeros((X.shape[1], params["W_f"].shape[0]))
        hs, _, cache = rc.lstm_forward(X, h0, h0, params)
        rc.lstm_backward(np.ones_like(hs), cache)
    else:
        hs, cache = rc.gru_forward(X, np.zeros((X.shape[1], params["W_z"].shape[0])), params)
        rc.gru_backward(np.ones_like(hs), cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("PyTorch is needed for this benchmark: pip install -e '.[torch]'") from None
    torch.set_num_threads(2)
    modules = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    rows = []
    print(f"{'layer':6} {'T':>4} {'B':>4} {'D':>4} {'H':>4} {'numpy ms':>9} {'torch ms':>9} {'ratio':>6}")
    for T, B, D, H in SIZES:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(T, B, D))
        for kind in ("rnn", "lstm", "gru"):
            params = rc.init_model(kind, D, H, 1, rng=0)
            t_np = _best_of(lambda: numpy_step(kind, X, params), args.repeat)
            layer = modules[kind](D, H, dtype=torch.float64)
            Xt = torch.tensor(X, requires_grad=True)

            def torch_step():
                out, _ = layer(Xt)
                out.sum().backward()

            t_torch = _best_of(torch_step, args.repeat)
            row = {"layer": kind, "T": T, "B": B, "D": D, "H": H,
                   "numpy_ms": 1e3 * t_np, "torch_ms": 1e3 * t_torch, "ratio": t_np / t_torch}
            rows.append(row)
            print(f"{kind:6} {T:4} {B:4} {D:4} {H:4} {row['numpy_ms']:9.2f} {row['torch_ms']:9.2f} "
                  f"{row['ratio']:6.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
