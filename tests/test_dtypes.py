"""float32 and float64 end to end: every sequence function keeps its inputs' type, float32
agrees with float64, the chunked backward passes equal the one-chunk ones, and the
activations and losses stay finite and silent for huge inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import rnn_course as rc
import rnn_course._arrays as arrays
from rnn_course.tasks.language import charlm

DTYPES = (np.float64, np.float32)
LAYERS = ("rnn", "lstm", "gru-sources", "gru-pytorch")


def _params(layer, D, H, dtype, rng):
    if layer == "rnn":
        return rc.init_rnn_params(D, H, rng=rng, dtype=dtype)
    if layer == "lstm":
        return rc.init_lstm_params(D, H, rng=rng, forget_bias=1.0, dtype=dtype)
    return rc.init_gru_params(D, H, rng=rng, variant=layer.split("-")[1], dtype=dtype)


def _run(layer, X, h0, params, dhs):
    """Forward and backward; returns (outputs and cache arrays, dX, dh0, grads)."""
    if layer == "rnn":
        hs, cache = rc.rnn_forward(X, h0, params)
        dX, dh0, grads = rc.rnn_backward(dhs, cache)
        return [hs, cache["hs"]], dX, [dh0], grads
    if layer == "lstm":
        hs, cs, cache = rc.lstm_forward(X, h0, h0, params)
        dX, dh0, dc0, grads = rc.lstm_backward(dhs, cache)
        return [hs, cs, cache["gates"]], dX, [dh0, dc0], grads
    variant = layer.split("-")[1]
    hs, cache = rc.gru_forward(X, h0, params, variant=variant)
    dX, dh0, grads = rc.gru_backward(dhs, cache)
    extra = [cache["hns"]] if variant == "pytorch" else []
    return [hs, cache["gates"], *extra], dX, [dh0], grads


def _case(layer, dtype, batched, *, T=9, B=3, D=4, H=5, seed=0):
    rng = np.random.default_rng(seed)
    params = _params(layer, D, H, dtype, rng)
    batch = (B,) if batched else ()
    X = rng.normal(size=(T, *batch, D)).astype(dtype)
    h0 = (0.5 * rng.normal(size=(*batch, H))).astype(dtype)
    dhs = rng.normal(size=(T, *batch, H)).astype(dtype)
    return X, h0, params, dhs


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("batched", [True, False], ids=["batch", "single"])
def test_sequence_functions_keep_the_dtype(layer, dtype, batched):
    arrays_out, dX, states, grads = _run(layer, *_case(layer, dtype, batched))
    for a in [*arrays_out, dX, *states, *grads.values()]:
        assert a.dtype == dtype, f"{layer}: got {a.dtype}, expected {np.dtype(dtype).name}"


@pytest.mark.parametrize("layer", LAYERS)
def test_float32_agrees_with_float64(layer):
    X, h0, params, dhs = _case(layer, np.float64, True)
    single = (X.astype(np.float32), h0.astype(np.float32),
              {k: v.astype(np.float32) for k, v in params.items()}, dhs.astype(np.float32))
    out64, dX64, st64, g64 = _run(layer, X, h0, params, dhs)
    out32, dX32, st32, g32 = _run(layer, *single)
    for a32, a64 in zip([*out32, dX32, *st32], [*out64, dX64, *st64]):
        np.testing.assert_allclose(a32, a64, rtol=1e-4, atol=1e-5)
    for k in g64:
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-4, atol=1e-4, err_msg=k)


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("batched", [True, False], ids=["batch", "single"])
@pytest.mark.parametrize("rows", [1, 7])
def test_backward_in_chunks_equals_one_chunk(monkeypatch, layer, batched, rows):
    """The backward passes do their weight-gradient products chunk by chunk of steps."""
    case = _case(layer, np.float64, batched, T=11)
    _, dX_one, st_one, g_one = _run(layer, *case)  # 11 steps x 3 rows: one chunk
    monkeypatch.setattr(arrays, "CHUNK_ROWS", rows)  # 1 or 3 steps per chunk
    assert arrays.chunk_steps(11, 3 if batched else 1) < 11
    _, dX, st, g = _run(layer, *case)
    np.testing.assert_allclose(dX, dX_one, rtol=1e-12, atol=1e-13)
    for a, b in zip(st, st_one):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    for k in g_one:
        np.testing.assert_allclose(g[k], g_one[k], rtol=1e-12, atol=1e-13, err_msg=k)


@pytest.mark.parametrize("layer", LAYERS)
def test_backward_in_chunks_matches_finite_differences(monkeypatch, layer):
    monkeypatch.setattr(arrays, "CHUNK_ROWS", 2)  # chunks of one step (B = 2)
    X, h0, params, dhs = _case(layer, np.float64, True, T=5, B=2, D=3, H=4, seed=3)

    grads = _run(layer, X, h0, params, dhs)[3]
    for k, value in params.items():
        def hidden_states(_):  # value is perturbed in place: params sees it
            return _run(layer, X, h0, params, dhs)[0][0]

        numeric = rc.numerical_gradient(hidden_states, value, df=dhs)
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-5, atol=1e-7, err_msg=k)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_a_model_trains_in_its_dtype(kind, dtype):
    params = rc.init_model(kind, 3, 6, 2, rng=0, dtype=dtype)
    assert {v.dtype for v in params.values()} == {np.dtype(dtype)}
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 4, 3))  # float64 inputs: the model computes in its own type
    targets = rng.integers(0, 2, size=(7, 4))

    def loss_and_grads(p, batch):
        logits, cache = rc.model_forward(kind, X, p)
        assert logits.dtype == dtype
        loss, dlogits = rc.softmax_cross_entropy(logits, targets, reduction="mean")
        assert dlogits.dtype == dtype
        grads = rc.model_backward(kind, dlogits, cache)
        assert {g.dtype for g in grads.values()} == {np.dtype(dtype)}
        return loss, grads

    run = rc.fit(params, loss_and_grads, [None], rc.Adam(lr=1e-2), 5, max_norm=1.0)
    assert {v.dtype for v in params.values()} == {np.dtype(dtype)}
    assert run.losses[-1] < run.losses[0]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_losses_optimisers_and_clipping_keep_the_dtype(dtype):
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(3, 4)).astype(dtype)
    assert rc.mse_loss(pred, target)[1].dtype == dtype
    assert rc.softmax(pred).dtype == dtype
    assert rc.sigmoid(pred).dtype == dtype
    clipped, _ = rc.clip_grad_norm({"a": 100 * pred}, 1.0)
    assert clipped["a"].dtype == dtype
    for opt in (rc.SGD(lr=0.1, momentum=0.9), rc.Adam(lr=0.1)):
        params = {"a": target.copy()}
        opt.step(params, {"a": pred})
        opt.step(params, {"a": pred})
        assert params["a"].dtype == dtype


def test_init_rejects_an_unsupported_dtype():
    with pytest.raises(ValueError, match=r"dtype must be one of \('float64', 'float32'\).*int64"):
        rc.init_lstm_params(2, 3, dtype=np.int64)
    with pytest.raises(ValueError, match="dtype must be one of"):
        rc.init_model("gru", 2, 3, 1, dtype="float16")


HUGE = {np.float64: 1e308, np.float32: 3e38}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_sigmoid_and_softmax_are_stable_for_huge_inputs(dtype):
    big = HUGE[dtype]
    z = np.array([-big, -1e4, -50.0, 0.0, 50.0, 1e4, big], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = rc.sigmoid(z)
        p = rc.softmax(np.stack([z, -z, np.zeros_like(z)]))
    assert s.dtype == dtype and np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-6)
    assert p[0, -1] == 1.0 and p[1, 0] == 1.0  # the largest entry takes all the mass
    np.testing.assert_allclose(p[2], 1 / len(z), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_cross_entropy_is_stable_for_huge_logits(dtype):
    big = HUGE[dtype]
    logits = np.array([[1e4, 0.0, -1e4], [big, -big, 0.0], [0.0, 1e4, 0.0]], dtype=dtype)
    targets = np.array([0, 0, 0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss, dlogits = rc.softmax_cross_entropy(logits, targets)
    assert dlogits.dtype == dtype and np.all(np.isfinite(dlogits))
    # rows 0 and 1 are right with certainty (loss 0); row 2 is wrong by 1e4 nats
    np.testing.assert_allclose(loss, 1e4, rtol=1e-6)
    np.testing.assert_allclose(dlogits[2], [-1.0, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(dlogits[:2], 0.0, atol=1e-6)


def test_the_names_model_trains_in_float32():
    words = ["anna", "bob", "carl", "dana", "eve", "anne", "bo", "cara"]
    vocab = charlm.build_vocab(words)
    run = charlm.train_charlm("lstm", words, vocab, hidden_size=8, steps=30, rng=0,
                                       dtype=np.float32)
    assert {v.dtype for v in run["params"].values()} == {np.dtype(np.float32)}
    assert run["losses"][-5:].mean() < run["losses"][:5].mean()
