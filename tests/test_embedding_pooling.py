"""The embedding layer and masked pooling: values, gradients by finite differences,
the embedding against torch.nn.Embedding, and the errors for bad input."""

import numpy as np
import pytest

from rnn_course.layers.embedding import embedding_backward, embedding_forward, init_embedding
from rnn_course.layers.pooling import (last_state_backward, last_state_forward, mean_pool_backward,
                                       mean_pool_forward)
from rnn_course.training.gradcheck import numerical_gradient, rel_error


def test_embedding_looks_up_rows_and_sums_repeated_gradients():
    E = init_embedding(6, 3, rng=0)
    ids = np.array([[1, 4], [1, 0], [5, 1]])  # (T, B), token 1 three times
    X, cache = embedding_forward(ids, E)
    assert X.shape == (3, 2, 3) and np.array_equal(X[2, 0], E[5])
    dX = np.random.default_rng(1).normal(size=X.shape)
    dE = embedding_backward(dX, cache)
    assert np.allclose(dE[1], dX[0, 0] + dX[1, 0] + dX[2, 1])
    assert np.all(dE[[2, 3]] == 0)
    numeric = numerical_gradient(lambda e: embedding_forward(ids, e)[0], E.copy(), df=dX)
    assert rel_error(numeric, dE) < 1e-8
    assert np.all(embedding_backward(dX, cache, padding_id=0)[0] == 0)


def test_embedding_matches_torch():
    torch = pytest.importorskip("torch", reason="PyTorch cross-checks need the [torch] extra")
    E = init_embedding(7, 4, rng=2)
    ids = np.random.default_rng(3).integers(0, 7, (5, 3))
    layer = torch.nn.Embedding(7, 4, dtype=torch.float64)
    layer.weight.data = torch.from_numpy(E.copy())
    out = layer(torch.from_numpy(ids))
    dX = np.random.default_rng(4).normal(size=(5, 3, 4))
    (out * torch.from_numpy(dX)).sum().backward()
    X, cache = embedding_forward(ids, E)
    assert np.allclose(X, out.detach().numpy(), atol=1e-12)
    assert np.allclose(embedding_backward(dX, cache), layer.weight.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("ids, message", [
    (np.array([0, 9]), "ids has value 9"), (np.array([-1]), "ids has value -1"),
    (np.array([0.0, 1.0]), "integer token ids"),
])
def test_embedding_rejects_bad_ids(ids, message):
    with pytest.raises((ValueError, TypeError), match=message):
        embedding_forward(ids, np.zeros((5, 2)))


def _ragged(seed=0):
    rng = np.random.default_rng(seed)
    T, B, H = 5, 3, 4
    lengths = np.array([5, 2, 3])
    mask = np.arange(T)[:, None] < lengths
    return rng.normal(size=(T, B, H)), mask


def test_mean_pool_ignores_padding_and_its_gradient_is_right():
    hs, mask = _ragged()
    pooled, cache = mean_pool_forward(hs, mask)
    assert np.allclose(pooled[1], hs[:2, 1].mean(axis=0))
    junk = hs.copy()
    junk[~mask] = 1e3
    assert np.allclose(mean_pool_forward(junk, mask)[0], pooled)
    d = np.random.default_rng(1).normal(size=pooled.shape)
    dhs = mean_pool_backward(d, cache)
    assert np.all(dhs[~mask] == 0)
    numeric = numerical_gradient(lambda h: mean_pool_forward(h, mask)[0], hs.copy(), df=d)
    assert rel_error(numeric, dhs) < 1e-8


def test_last_state_takes_each_sequence_last_real_step():
    hs, mask = _ragged()
    last, cache = last_state_forward(hs, mask)
    assert np.allclose(last, hs[[4, 1, 2], [0, 1, 2]])
    d = np.ones_like(last)
    dhs = last_state_backward(d, cache)
    assert dhs.sum() == d.size and np.all(dhs[4, 0] == 1) and np.all(dhs[1, 1] == 1)


@pytest.mark.parametrize("mask, message", [
    (np.ones((5, 2), bool), "mask has shape"),
    (np.zeros((5, 3), bool), "all False"),
])
def test_pooling_rejects_bad_masks(mask, message):
    hs = np.zeros((5, 3, 2))
    with pytest.raises(ValueError, match=message):
        mean_pool_forward(hs, mask)


def test_last_state_needs_padding_at_the_end():
    hs = np.zeros((3, 1, 2))
    with pytest.raises(ValueError, match="padding at the end"):
        last_state_forward(hs, np.array([[False], [True], [True]]))
