"""The attention layer against its equations, finite differences, and its own contracts
(masking, the keys computed once, float32, clear errors); the encoder–decoder with attention
against finite differences."""

import numpy as np
import pytest

from rnn_course.layers.attention import (
    attention_backward,
    attention_forward,
    attention_keys,
    attention_keys_backward,
    init_attention_params,
    masked_softmax,
    masked_softmax_backward,
    param_shapes,
)
from rnn_course.training.gradcheck import check_gradients, numerical_gradient

S, B, Q, H, A = 6, 3, 4, 5, 7
SCORES = ("additive", "multiplicative")


def problem(score, seed=0, batched=True):
    """Parameters scaled so the weights are far from uniform, and a ragged mask."""
    rng = np.random.default_rng(seed)
    params = init_attention_params(Q, H, A if score == "additive" else None, score=score, rng=seed)
    params = {k: 2.0 * v for k, v in params.items()}
    lead = (B,) if batched else ()
    hs, s_prev = rng.normal(size=(S, *lead, H)), rng.normal(size=(*lead, Q))
    mask = np.ones((S, *lead), dtype=bool)
    if batched:
        mask[4:, 1] = False
        mask[1:, 2] = False  # one real position: all its weight there
    else:
        mask[5:] = False
    return params, hs, s_prev, mask, rng


def plain_forward(s, hs, p, mask, score):
    """One example, one position at a time, the equations as written (column vectors)."""
    e = np.full(len(hs), -np.inf)
    for k, h in enumerate(hs):
        if mask[k]:
            e[k] = (p["v_a"] @ np.tanh(p["W_a"] @ s + p["U_a"] @ h) if score == "additive"
                    else s @ p["W_a"] @ h)
    alpha = np.exp(e - e.max())
    alpha /= alpha.sum()
    return sum(a * h for a, h in zip(alpha, hs)), alpha


@pytest.mark.parametrize("score", SCORES)
def test_forward_is_the_equations_and_padding_gets_no_weight(score):
    p, hs, s, mask, _ = problem(score)
    context, alpha, _ = attention_forward(s, hs, p, mask, score=score)
    assert context.shape == (B, H) and alpha.shape == (S, B)
    for b in range(B):
        c_b, a_b = plain_forward(s[b], hs[:, b], p, mask[:, b], score)
        np.testing.assert_allclose(context[b], c_b, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(alpha[:, b], a_b, rtol=1e-12, atol=1e-13)
    assert np.all(alpha[~mask] == 0.0)
    np.testing.assert_allclose(alpha.sum(axis=0), 1.0, rtol=1e-13)
    np.testing.assert_allclose(context[2], hs[0, 2], rtol=1e-13)  # the only real position
    # what padding holds does not matter, forward or backward
    junk = hs.copy()
    junk[~mask] = 1e3
    again, _, _ = attention_forward(s, junk, p, mask, score=score)
    np.testing.assert_array_equal(again, context)


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("score", SCORES)
def test_backward_matches_finite_differences(score, batched):
    p, hs, s, mask, rng = problem(score, seed=1, batched=batched)
    context, alpha, cache = attention_forward(s, hs, p, mask, score=score)
    dcontext, dalpha = rng.normal(size=context.shape), rng.normal(size=alpha.shape)
    ds, dhs, grads = attention_backward(dcontext, cache, dalpha=dalpha)
    assert set(grads) == set(p)
    assert np.all(dhs[~mask] == 0.0)  # padding was never read

    def outputs(s_prev, hs, **params):
        c, a, _ = attention_forward(s_prev, hs, params, mask, score=score)
        return np.concatenate([c.ravel(), a.ravel()])

    errors = check_gradients(outputs, {"s_prev": s, "hs": hs, **p},
                             np.concatenate([dcontext.ravel(), dalpha.ravel()]),
                             {"s_prev": ds, "hs": dhs, **grads}, measure="norm")
    assert max(errors.values()) < 1e-8, errors


@pytest.mark.parametrize("score", SCORES)
def test_keys_computed_once_give_the_same_step(score):
    """A decoder passes the keys; their gradient, summed, goes through attention_keys_backward."""
    p, hs, s, mask, rng = problem(score, seed=2)
    context, alpha, cache = attention_forward(s, hs, p, mask, score=score)
    dcontext = rng.normal(size=context.shape)
    ds, dhs, grads = attention_backward(dcontext, cache)
    keys, keys_cache = attention_keys(hs, p, score=score)
    context2, alpha2, cache2 = attention_forward(s, hs, p, mask, score=score, keys=keys)
    ds2, dhs2, grads2 = attention_backward(dcontext, cache2)
    dhs_keys, keys_grads = attention_keys_backward(grads2.pop("keys"), keys_cache)
    np.testing.assert_array_equal(context2, context)
    np.testing.assert_array_equal(alpha2, alpha)
    np.testing.assert_allclose(ds2, ds, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dhs2 + dhs_keys, dhs, rtol=1e-13, atol=1e-15)
    assert set(grads2) | set(keys_grads) == set(grads)
    for k, g in {**grads2, **keys_grads}.items():
        np.testing.assert_allclose(g, grads[k], rtol=1e-13, atol=1e-15, err_msg=k)


def test_masked_softmax_and_its_backward():
    rng = np.random.default_rng(3)
    e = rng.normal(size=(5, 4)) * 300.0  # exp would overflow without the shift
    mask = rng.random((5, 4)) < 0.6
    mask[0] = True
    alpha = masked_softmax(e, mask)
    assert np.all(np.isfinite(alpha)) and np.all(alpha[~mask] == 0)
    np.testing.assert_allclose(alpha.sum(axis=0), 1.0)
    e = rng.normal(size=(5, 4))
    dalpha = rng.normal(size=(5, 4))
    numeric = numerical_gradient(lambda x: masked_softmax(x, mask), e.copy(), df=dalpha)
    np.testing.assert_allclose(masked_softmax_backward(dalpha, masked_softmax(e, mask)), numeric, atol=1e-9)
    np.testing.assert_allclose(masked_softmax(e, None), np.exp(e) / np.exp(e).sum(axis=0))


@pytest.mark.parametrize("score", SCORES)
def test_float32_stays_float32(score):
    p, hs, s, mask, rng = problem(score, seed=4)
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    context, alpha, cache = attention_forward(s.astype(np.float32), hs.astype(np.float32), p32, mask, score=score)
    ds, dhs, grads = attention_backward(np.ones(context.shape, np.float32), cache)
    assert {a.dtype for a in (context, alpha, ds, dhs, *grads.values())} == {np.dtype(np.float32)}
    c64, _, _ = attention_forward(s, hs, p, mask, score=score)
    np.testing.assert_allclose(context, c64, rtol=1e-4, atol=1e-5)
    assert init_attention_params(Q, H, score=score, rng=0, dtype="float32")["W_a"].dtype == np.float32


def test_parameters():
    assert param_shapes(Q, H, A) == {"W_a": (A, Q), "U_a": (A, H), "v_a": (A,)}
    assert param_shapes(Q, H) == {"W_a": (Q, Q), "U_a": (Q, H), "v_a": (Q,)}
    assert param_shapes(Q, H, score="multiplicative") == {"W_a": (Q, H)}
    a, b = init_attention_params(Q, H, A, rng=5), init_attention_params(Q, H, A, rng=5)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.abs(a["U_a"]).max() <= 1 / np.sqrt(A)


BAD = [
    (lambda s, hs, p, m: (s[:, :3], hs, p, m), "s_prev has shape \\(3, 3\\) but W_a is \\(7, 4\\)"),
    (lambda s, hs, p, m: (s[:2], hs, p, m), "s_prev has shape \\(2, 4\\) but the input has batch shape \\(3,\\)"),
    (lambda s, hs, p, m: (s, hs[..., :4], p, m), "hs has shape \\(6, 3, 4\\) but U_a is \\(7, 5\\)"),
    (lambda s, hs, p, m: (s, hs[:0], p, m), "hs has no time steps"),
    (lambda s, hs, p, m: (s, hs, p, m[:5]), "mask has shape \\(5, 3\\): expected \\(6, 3\\)"),
    (lambda s, hs, p, m: (s, hs, p, m * 0.5), "mask must hold booleans or 0/1"),
    (lambda s, hs, p, m: (s, hs, p, np.where(np.arange(3) == 1, False, m)), "mask\\[:, 1\\] is all False"),
    (lambda s, hs, p, m: (s, hs, {k: v for k, v in p.items() if k != "v_a"}, m), "params is missing 'v_a'"),
    (lambda s, hs, p, m: (s, hs, {**p, "v_a": p["v_a"][:3]}, m), 'params\\["v_a"\\] has shape \\(3,\\): expected \\(7,\\)'),
]


@pytest.mark.parametrize("change, message", BAD)
def test_bad_arguments_are_named(change, message):
    p, hs, s, mask, _ = problem("additive")
    with pytest.raises((ValueError, KeyError), match=message):
        attention_forward(*change(s, hs, p, mask))


def test_bad_calls_are_named():
    p, hs, s, mask, _ = problem("additive")
    context, _, cache = attention_forward(s, hs, p, mask)
    with pytest.raises(ValueError, match="dcontext has shape \\(3, 4\\): expected \\(3, 5\\)"):
        attention_backward(context[:, :4], cache)
    with pytest.raises(TypeError, match="cache returned by attention_forward"):
        attention_backward(context, {"alpha": 1})
    with pytest.raises(ValueError, match="score must be one of"):
        attention_forward(s, hs, p, mask, score="dot")
    with pytest.raises(ValueError, match="keys has shape"):
        attention_forward(s, hs, p, mask, keys=np.zeros((S, B, A + 1)))
    with pytest.raises(ValueError, match="attention_size is for score='additive'"):
        param_shapes(Q, H, A, score="multiplicative")


# -------------------------------------------------------------- the encoder–decoder with attention


def test_attention_seq2seq_gradients():
    from rnn_course.tasks.language.attention_seq2seq import attention_loss_and_grads, init_attention_seq2seq
    from rnn_course.tasks.language.seq2seq import Seq2SeqVocab

    pairs = [("ab", "ba"), ("abc", "cba"), ("ca", "ac"), ("b", "b")]
    vocab = Seq2SeqVocab.from_pairs(pairs)
    params = init_attention_seq2seq(vocab, embed_size=3, hidden_size=4, attention_size=5, rng=0)
    params = {k: 3.0 * v for k, v in params.items()}  # weights and gradients far from 0
    batch = (*vocab.encode_sources([s for s, _ in pairs]), *vocab.encode_targets([t for _, t in pairs]))
    _, grads = attention_loss_and_grads(params, batch)
    assert set(grads) == set(params)
    for key in ("att.W_a", "att.U_a", "att.v_a", "enc.U_h", "enc.W_z", "dec.U_h", "E_src", "W_y", "W_yc"):
        def loss(p, key=key):
            return attention_loss_and_grads({**params, key: p}, batch)[0]
        numeric = numerical_gradient(loss, params[key].copy())
        if key.startswith("E_"):
            numeric[0] = 0.0  # the padding row
        error = np.linalg.norm(numeric - grads[key]) / np.linalg.norm(numeric + grads[key])
        assert error < 1e-7, (key, error)
