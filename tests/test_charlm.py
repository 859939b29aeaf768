"""The character-level language model: data, encoding, loss, training and sampling."""

import sys

import numpy as np
import pytest

from rnn_course.tasks.language.charlm import (
    BOUNDARY,
    build_vocab,
    charlm_loss,
    charlm_loss_and_grads,
    encode_words,
    load_first_names,
    sample_words,
    split_words,
    train_charlm,
)
from rnn_course.training.gradcheck import numerical_gradient
from rnn_course.training.models import KINDS, init_model

TINY = ["ann", "anna", "bob", "bo", "nab", "abba"]


def test_vocab_starts_with_the_boundary_and_is_sorted():
    vocab = build_vocab(TINY)
    assert vocab == [BOUNDARY, "a", "b", "n", "o"]


def test_encoding_shifts_targets_by_one_and_pads():
    vocab = build_vocab(TINY)
    X, targets, mask = encode_words(["ann", "bo"], vocab)
    assert X.shape == (4, 2, 5) and targets.shape == mask.shape == (4, 2)
    # inputs: . a n n  /  . b o (pad); targets: a n n .  /  b o . (pad)
    np.testing.assert_array_equal(X.argmax(-1)[:, 0], [0, 1, 3, 3])
    np.testing.assert_array_equal(targets[:, 0], [1, 3, 3, 0])
    np.testing.assert_array_equal(targets[:, 1], [2, 4, 0, -1])
    np.testing.assert_array_equal(mask.sum(0), [4, 3])
    assert np.all(X[~mask] == 0)
    # the target at each step is the input of the next one
    np.testing.assert_array_equal(X.argmax(-1)[1:, 0], targets[:-1, 0])


def test_bad_words_are_named():
    with pytest.raises(ValueError, match="words\\[1\\]"):
        build_vocab(["ann", ""])
    with pytest.raises(ValueError, match="boundary"):
        build_vocab(["a.b"])
    with pytest.raises(TypeError, match="list of strings"):
        build_vocab("ann")
    with pytest.raises(ValueError, match="not in vocab"):
        encode_words(["zed"], build_vocab(TINY))


def test_split_is_a_partition():
    train, test = split_words(TINY * 5, 0.2, rng=0)
    assert len(test) == 6 and len(train) == 24
    assert sorted(train + test) == sorted(TINY * 5)
    with pytest.raises(ValueError, match="test_fraction"):
        split_words(TINY, 1.5)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind):
    vocab = build_vocab(TINY)
    params = init_model(kind, len(vocab), 3, len(vocab), rng=1)
    X, targets, mask = encode_words(TINY[:3], vocab)
    _, grads = charlm_loss_and_grads(kind, params, X, targets, mask)
    assert set(grads) == set(params)
    first = {"rnn": "W_x", "lstm": "U_f", "gru": "U_h"}[kind]
    for name in ("W_y", "b_y", first):
        def loss(v, name=name):
            p = {**params, name: v}
            return charlm_loss_and_grads(kind, p, X, targets, mask)[0]

        num = numerical_gradient(loss, params[name].copy())
        scale = max(np.abs(num).max(), 1e-12)
        assert np.abs(num - grads[name]).max() / scale < 1e-6, name


def test_untrained_loss_is_near_uniform_and_counts_every_character():
    vocab = build_vocab(TINY)
    params = init_model("gru", len(vocab), 4, len(vocab), rng=0)
    params["W_y"][:] = 0.0                      # uniform predictions
    assert charlm_loss("gru", params, TINY, vocab) == pytest.approx(np.log(5))
    # batching does not change the per-character mean
    a = charlm_loss("rnn", init_model("rnn", 5, 4, 5, rng=0), TINY, vocab)
    b = charlm_loss("rnn", init_model("rnn", 5, 4, 5, rng=0), TINY, vocab, batch_size=2)
    assert a == pytest.approx(b)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_training_learns_a_tiny_corpus_and_samples_from_it(kind, seed):
    vocab = build_vocab(TINY)
    run = train_charlm(kind, TINY, vocab, hidden_size=16, steps=150, batch_size=6, lr=2e-2,
                       rng=seed)
    assert run["losses"].shape == run["step_seconds"].shape == (150,)
    assert run["losses"][-10:].mean() < 0.6 * run["losses"][:10].mean()
    words = sample_words(kind, run["params"], vocab, 20, rng=3)
    assert len(words) == 20 and all(set(w) <= set(vocab[1:]) for w in words)
    assert sum(w in TINY for w in words) >= 10   # mostly memorised words
    # seeded: the same draws again
    assert sample_words(kind, run["params"], vocab, 20, rng=3) == words


def test_sampling_stops_at_max_len():
    vocab = build_vocab(TINY)
    params = init_model("rnn", 5, 4, 5, rng=0)
    params["b_y"][0] = -50.0                    # never emit the boundary
    words = sample_words("rnn", params, vocab, 3, max_len=7, rng=0)
    assert [len(w) for w in words] == [7, 7, 7]


def test_first_names_from_the_names_package():
    pytest.importorskip("names")
    names = load_first_names()
    assert len(names) > 5000 and names == sorted(set(names))
    assert {"mary", "james", "linda"} <= set(names)
    assert all(n.isalpha() and n.islower() for n in names)


def test_missing_names_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "names", None)   # makes the import fail
    with pytest.raises(ModuleNotFoundError, match="pip install names"):
        load_first_names()
