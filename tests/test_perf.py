"""The benchmark code measures what it says (no speed is asserted: only what is counted)."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_course.perf import layers as L
from rnn_course.perf import report


@pytest.mark.parametrize("kind, gates", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_useful_flops_counts_every_product_of_forward_and_backward(kind, gates):
    T, B, D, H = 3, 2, 5, 7
    G, N = gates, T * B
    forward = 2 * N * D * G * H + T * 2 * B * H * G * H
    backward = T * 2 * B * G * H * H + 2 * N * G * H * D + 2 * G * H * N * H + 2 * G * H * N * D
    assert L.useful_flops(kind, (T, B, D, H)) == forward + backward


@pytest.mark.parametrize("kind", L.KINDS)
@pytest.mark.parametrize("dtype", L.DTYPES)
def test_a_case_runs_in_its_dtype_and_peak_memory_covers_the_activations(kind, dtype):
    case = L.make_case(kind, (6, 3, 4, 5), dtype)
    dX = L.numpy_pass(case)
    assert dX.dtype == dtype and dX.shape == (6, 3, 4)
    # the cache of the forward pass is alive until the backward pass ends
    assert L.peak_memory(case) >= L.needed_bytes(kind, (6, 3, 4, 5), dtype)


@pytest.mark.parametrize("kind", L.KINDS)
def test_torch_pass_computes_the_same_input_gradient(kind):
    pytest.importorskip("torch", reason="the torch side of the benchmark needs the [torch] extra")
    case = L.make_case(kind, (6, 3, 4, 5), "float64")
    np.testing.assert_allclose(L.torch_pass_fn(case)().numpy(), L.numpy_pass(case), atol=1e-10)


def test_the_environment_lifts_the_core_type_and_sets_the_threads(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")
    env = report.environment(3)
    assert "OPENBLAS_CORETYPE" not in env
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "3"


def test_html_tables_have_one_row_per_measurement():
    rows = [{"layer": "lstm", "size": [1, 2, 3, 4], "dtype": "float32", "numpy_s": 0.002,
             "torch_s": None, "ratio": None}] * 3
    html = report.html_tables({"layers": rows})["layers"]
    assert html.count("<tr>") == 1 + 3 and "2.0" in html and "–" in html


def test_the_training_race_trains_the_same_model_on_both_sides():
    pytest.importorskip("torch", reason="the race needs the [torch] extra")
    pytest.importorskip("names", reason="the names data set needs the [data] extra")
    from rnn_course.perf.training import race

    r = race("lstm", target=0.0, hidden_size=8, eval_every=5, max_steps=10)  # never reached
    assert r["ours"]["steps"] == r["torch"]["steps"] == 10
    # same parameters, same batches, same function and optimiser: the same held-out loss
    assert abs(r["ours"]["held_out"] - r["torch"]["held_out"]) < 1e-4
