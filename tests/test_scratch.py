"""Scratch arrays kept between calls (rnn_course._arrays.scratch): reused, per thread, and
never part of what a call returns."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import rnn_course as rc
from rnn_course._arrays import release_scratch, scratch, scratch_bytes


def test_scratch_is_reused_per_name_shape_and_type():
    release_scratch()
    a = scratch("t.a", (3, 4), np.float32)
    assert scratch("t.a", (3, 4), np.float32) is a
    assert scratch("t.b", (3, 4), np.float32) is not a
    assert scratch("t.a", (3, 5), np.float32).shape == (3, 5)
    assert scratch("t.a", (3, 5), np.float64).dtype == np.float64
    assert scratch_bytes() == 3 * 5 * 8 + 3 * 4 * 4
    release_scratch()
    assert scratch_bytes() == 0


def test_each_thread_has_its_own():
    mine = scratch("t.thread", (2,), np.float64)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(scratch("t.thread", (2,), np.float64)))
    worker.start()
    worker.join()
    assert theirs[0] is not mine


def _lstm_case(seed, T=7, B=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    params = rc.init_lstm_params(D, H, rng=rng)
    X, h0, c0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    return X, h0, c0, params, rng.normal(size=(T, B, H))


def _run(case):
    X, h0, c0, params, dhs = case
    hs, cs, cache = rc.lstm_forward(X, h0, c0, params)
    return (hs, cs, *rc.lstm_backward(dhs, cache))


def _flat(result):
    hs, cs, dX, dh0, dc0, grads = result
    return [hs, cs, dX, dh0, dc0, *(grads[k] for k in sorted(grads))]


def test_what_a_call_returns_survives_the_next_call():
    first = _run(_lstm_case(0))
    kept = [a.copy() for a in _flat(first)]
    _run(_lstm_case(1))  # same shapes: the same scratch arrays
    for before, after in zip(kept, _flat(first)):
        np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("layer", ["rnn", "gru-sources", "gru-pytorch"])
def test_rnn_and_gru_results_survive_the_next_call(layer):
    def run(seed):
        rng = np.random.default_rng(seed)
        X, h0, dhs = rng.normal(size=(9, 3, 4)), rng.normal(size=(3, 5)), rng.normal(size=(9, 3, 5))
        if layer == "rnn":
            hs, cache = rc.rnn_forward(X, h0, rc.init_rnn_params(4, 5, 2, rng=rng))
            dX, dh0, grads = rc.rnn_backward(dhs, cache)
        else:
            variant = layer.split("-")[1]
            params = rc.init_gru_params(4, 5, rng=rng, variant=variant)
            hs, cache = rc.gru_forward(X, h0, params, variant=variant)
            dX, dh0, grads = rc.gru_backward(dhs, cache)
        return [hs, dX, dh0, *(grads[k] for k in sorted(grads))]

    first = run(0)
    kept = [a.copy() for a in first]
    run(1)
    for before, after in zip(kept, first):
        np.testing.assert_array_equal(after, before)


def test_interleaved_layers_equal_one_at_a_time():
    """Two layers' forward passes, then their backward passes in reverse (as a stack runs
    them), give what each gives alone."""
    cases = [_lstm_case(2), _lstm_case(3)]
    alone = [_flat(_run(c)) for c in cases]
    caches = []
    for X, h0, c0, params, _ in cases:
        caches.append(rc.lstm_forward(X, h0, c0, params))
    for k in (1, 0):
        hs, cs, cache = caches[k]
        got = _flat((hs, cs, *rc.lstm_backward(cases[k][4], cache)))
        for want, have in zip(alone[k], got):
            np.testing.assert_array_equal(have, want)


def test_threads_running_at_once_get_their_own_results():
    cases = [_lstm_case(10 + k, T=40, B=8, D=6, H=16) for k in range(4)]
    alone = [_flat(_run(c)) for c in cases]
    got = [None] * len(cases)

    def work(k):
        for _ in range(5):
            got[k] = _flat(_run(cases[k]))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for want, have in zip(alone, got):
        for a, b in zip(want, have):
            np.testing.assert_array_equal(b, a)
