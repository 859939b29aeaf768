"""Run the benchmarks of :mod:`rnn_course.perf` and print their tables.

    python -m rnn_course.perf [--repeat 5] [--threads 2] [--quick] [--json out.json]

The measurements run in a process whose environment sets the BLAS threads
(``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, and ``torch.set_num_threads``) to
``--threads`` for NumPy and PyTorch alike and removes ``OPENBLAS_CORETYPE``, which would
otherwise pin OpenBLAS to the kernels of another processor. :func:`main` restarts itself
in such an environment when started from another; :func:`measure` starts it from Python
(the Performance page does) and returns the results. ``--quick`` runs a reduced grid
(the largest size with 10 steps instead of 100 for the times, float32 only for the
rate and the memory, no training race) that
finishes in about half a minute on two idle cores.

Book: the Performance page.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np

from . import layers as L

QUICK_GRID = (*L.GRID[:3], (10, 128, 128, 512))


def environment(threads: int) -> dict[str, str]:
    """This process's environment with the BLAS threads set and the core-type override lifted."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    return env


def _in_environment(threads: int) -> bool:
    return "OPENBLAS_CORETYPE" not in os.environ and os.environ.get("OPENBLAS_NUM_THREADS") == str(threads)


def machine(threads: int) -> dict:
    """The date, the processor and the libraries the measurements ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas['name']} {blas['version']}"
    except Exception:  # noqa: BLE001  # pragma: no cover - the layout of show_config varies
        blas = "unknown"
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu, "cores": os.cpu_count(), "threads": threads, "numpy": np.__version__,
            "blas": blas, "torch": torch_version, "python": platform.python_version()}


def layer_rows(sizes, *, repeat: int, torch_too: bool) -> list[dict]:
    """One row per layer, size and dtype: our seconds, torch's, and their ratio."""
    rows = []
    for size in sizes:
        for kind in L.KINDS:
            for dtype in L.DTYPES:
                r = L.time_case(L.make_case(kind, size, dtype), repeat=repeat, torch_too=torch_too)
                ratio = r["numpy_s"] / r["torch_s"] if r["torch_s"] else None
                rows.append({"layer": kind, "size": list(size), "dtype": dtype, **r, "ratio": ratio})
                print(_layer_line(rows[-1]), flush=True)
    return rows


def hardware_rows(size, *, repeat: int, kinds=L.KINDS, dtypes=L.DTYPES) -> list[dict]:
    """Useful FLOP rate of forward plus backward against NumPy's rate on the same products."""
    rows = []
    for kind in kinds:
        for dtype in dtypes:
            ours = L.time_case(L.make_case(kind, size, dtype), repeat=repeat, torch_too=False)["numpy_s"]
            products = L.matmul_seconds(kind, size, dtype, repeat=repeat)
            flops = L.useful_flops(kind, size)
            rows.append({"layer": kind, "size": list(size), "dtype": dtype, "gflops_ours": flops / ours / 1e9,
                         "gflops_numpy": flops / products / 1e9, "fraction": products / ours})
    return rows


def memory_rows(size, *, kinds=L.KINDS, dtypes=L.DTYPES) -> list[dict]:
    """Peak bytes of forward plus backward against the bytes the backward pass needs."""
    rows = []
    for kind in kinds:
        for dtype in dtypes:
            peak = L.peak_memory(L.make_case(kind, size, dtype))
            needed = L.needed_bytes(kind, size, dtype)
            rows.append({"layer": kind, "size": list(size), "dtype": dtype, "peak_mb": peak / 2**20,
                         "needed_mb": needed / 2**20, "ratio": peak / needed})
    return rows


def _layer_line(r: dict) -> str:
    T, B, D, H = r["size"]
    torch_ms = f"{1e3 * r['torch_s']:9.1f}" if r["torch_s"] else "        -"
    ratio = f"{r['ratio']:6.2f}" if r["ratio"] else "     -"
    return f"{r['layer']:5} {T:4} {B:4} {D:4} {H:4} {r['dtype']:8} {1e3 * r['numpy_s']:9.1f} {torch_ms} {ratio}"


def print_report(results: dict) -> None:
    """The tables of :func:`run`'s results, as text."""
    m = results["machine"]
    print(f"\n{m['date']}: {m['cpu']}, {m['cores']} cores, {m['threads']} threads; NumPy {m['numpy']} "
          f"({m['blas']}), PyTorch {m['torch']}")
    if "layers" in results:
        print(f"\n{'layer':5} {'T':>4} {'B':>4} {'D':>4} {'H':>4} {'dtype':8} {'ours ms':>9} {'torch ms':>9} {'ratio':>6}")
        for r in results["layers"]:
            print(_layer_line(r))
        ratios = [r["ratio"] for r in results["layers"] if r["ratio"]]
        if ratios:
            print(f"median ratio (ours / torch) {np.median(ratios):.2f}; worst {max(ratios):.2f}")
    if "hardware" in results:
        print(f"\n{'layer':5} {'dtype':8} {'ours GFLOP/s':>13} {'NumPy GFLOP/s':>14} {'fraction':>9}   "
              f"(size {results['hardware'][0]['size']})")
        for r in results["hardware"]:
            print(f"{r['layer']:5} {r['dtype']:8} {r['gflops_ours']:13.1f} {r['gflops_numpy']:14.1f} {r['fraction']:9.2f}")
    if "memory" in results:
        print(f"\n{'layer':5} {'dtype':8} {'peak MiB':>9} {'needed MiB':>11} {'ratio':>6}   "
              f"(size {results['memory'][0]['size']})")
        for r in results["memory"]:
            print(f"{r['layer']:5} {r['dtype']:8} {r['peak_mb']:9.1f} {r['needed_mb']:11.1f} {r['ratio']:6.2f}")
    for r in results.get("training", []):
        line = (f"\ntraining {r['kind']} ({r['dtype']}, H={r['hidden_size']}, B={r['batch_size']}) to a "
                f"held-out loss of {r['target']} nats: ours {r['ours']['seconds']:.2f} s in {r['ours']['steps']} steps")
        if "torch" in r:
            line += (f", torch {r['torch']['seconds']:.2f} s in {r['torch']['steps']} steps; "
                     f"ratio {r['ratio']:.2f}")
        print(line)


def _html(header, rows) -> str:
    cell = 'style="padding: 2px 12px; text-align: right"'
    head = "".join(f"<th {cell}>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td {cell}>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_tables(results: dict) -> dict[str, str]:
    """The tables of :func:`run`'s results as HTML, one per part that ran (for the book)."""
    tables = {}
    if "layers" in results:
        rows = []
        for r in results["layers"]:
            theirs = f"{1e3 * r['torch_s']:.1f}" if r["torch_s"] else "–"
            ratio = f"{r['ratio']:.2f}" if r["ratio"] else "–"
            rows.append([r["layer"], *r["size"], r["dtype"], f"{1e3 * r['numpy_s']:.1f}", theirs, ratio])
        tables["layers"] = _html(["layer", "T", "B", "D", "H", "dtype", "ours (ms)", "PyTorch (ms)",
                                  "ours / PyTorch"], rows)
    if "hardware" in results:
        tables["hardware"] = _html(
            ["layer", "dtype", "ours (GFLOP/s)", "NumPy's products alone (GFLOP/s)", "fraction"],
            [[r["layer"], r["dtype"], f"{r['gflops_ours']:.1f}", f"{r['gflops_numpy']:.1f}",
              f"{r['fraction']:.2f}"] for r in results["hardware"]])
    if "memory" in results:
        tables["memory"] = _html(
            ["layer", "dtype", "peak (MiB)", "needed (MiB)", "peak / needed"],
            [[r["layer"], r["dtype"], f"{r['peak_mb']:.0f}", f"{r['needed_mb']:.0f}", f"{r['ratio']:.2f}"]
             for r in results["memory"]])
    return tables


PARTS = ("layers", "hardware", "memory", "training")


def run(*, repeat=5, threads=2, quick=False, parts=PARTS) -> dict:
    """The measurements named in ``parts``, in this process (see :func:`main` for the
    environment). ``quick``: the reduced grid, float32 only for the rate and the memory."""
    try:
        import torch
        torch.set_num_threads(threads)
        torch_too = True
    except ImportError:
        torch_too = False
    sizes = QUICK_GRID if quick else L.GRID
    dtypes = ("float32",) if quick else L.DTYPES
    results = {"machine": machine(threads), "quick": quick, "repeat": repeat}
    if "layers" in parts:
        results["layers"] = layer_rows(sizes, repeat=repeat, torch_too=torch_too)
    if "hardware" in parts:
        results["hardware"] = hardware_rows(sizes[-1], repeat=repeat, dtypes=dtypes)
    if "memory" in parts:  # one pass per layer and dtype: the full size even when quick
        results["memory"] = memory_rows(L.GRID[-1], dtypes=dtypes)
    if "training" in parts and not quick:
        from .training import race
        results["training"] = [race(kind, target=target, dtype="float32", torch_too=torch_too)
                               for kind, target in (("lstm", 2.1), ("rnn", 2.2))]
    return results


def measure(*args: str, threads: int = 2, timeout: float = 1800) -> dict:
    """Run ``python -m rnn_course.perf *args`` in a fresh process and return its results."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "results.json")
        done = subprocess.run([sys.executable, "-m", "rnn_course.perf", "--threads", str(threads),
                               *args, "--json", out], env=environment(threads), timeout=timeout,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"python -m rnn_course.perf {' '.join(args)} failed:\n{done.stderr}")
        with open(out, encoding="utf-8") as f:
            return json.load(f)


def main(argv=None) -> None:
    """The command line: parse, restart in the benchmark's environment if needed, run, print."""
    parser = argparse.ArgumentParser(prog="python -m rnn_course.perf", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs (default 5)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS and torch threads (default 2)")
    parser.add_argument("--quick", action="store_true", help="the reduced grid, no training race")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS),
                        help="the parts to run (default: all)")
    parser.add_argument("--json", help="also write the results to this file")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if not _in_environment(args.threads):  # BLAS reads its environment once, when loaded
        os.execve(sys.executable, [sys.executable, "-m", "rnn_course.perf", *argv],
                  environment(args.threads))
    results = run(repeat=args.repeat, threads=args.threads, quick=args.quick, parts=args.only)
    print_report(results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
