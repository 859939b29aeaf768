"""Lists of dates, the encoder–decoder with attention (it learns, it decodes, it reports its
weights), the batches both models share, and the attention page's figures and analysis."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnn_course.book.attention import plot_accuracy_by_length_models, plot_attention, plot_attention_examples, where_it_looks
from rnn_course.book.language import accuracy_by_bins
from rnn_course.tasks.language.attention_seq2seq import (attention_greedy_decode, init_attention_seq2seq,
                                                length_batches, train_translator)
from rnn_course.tasks.language.attention_seq2seq import attention_loss_and_grads
from rnn_course.tasks.language.date_lists import (date_count, field_spans, make_date_list_pairs,
                                        parse_date_list)
from rnn_course.tasks.language.seq2seq import Seq2SeqVocab, init_seq2seq

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_lists_of_dates():
    pytest.importorskip("babel")
    pairs = make_date_list_pairs(200, max_dates=3, rng=0)
    assert pairs == make_date_list_pairs(200, max_dates=3, rng=0)
    counts = [date_count(t) for _, t in pairs]
    assert set(counts) == {1, 2, 3}
    for source, target in pairs:
        assert all(ISO.fullmatch(d) for d in target.split(" "))
        assert source.count("; ") == date_count(target) - 1
    one = make_date_list_pairs(50, max_dates=1, formats=("medium",), locales=("de_DE",), rng=1)
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4}", s) for s, _ in one)
    with pytest.raises(ValueError, match="max_dates must be an integer from 1 to 20"):
        make_date_list_pairs(3, max_dates=0)


def test_the_rules_read_each_date_of_a_list():
    pytest.importorskip("babel")
    assert parse_date_list("7 mars 1998; 07.03.1940") == "1998-03-07 1940-03-07"
    assert parse_date_list("Mar 7, 1998; the seventh; 31.02.2000") == "1998-03-07 ? ?"
    with pytest.raises(TypeError, match="text must be a string, got list"):
        parse_date_list(["7 mars 1998"])


def test_field_spans_find_each_part_of_each_date():
    spans = field_spans("14 de mai. de 2046; 07.03.1940; Mar 7, 1998; 03.03.2000",
                        "2046-05-14 1940-03-07 1998-03-07 2000-03-03")
    assert spans[0] == {"date": (0, 20), "day": (0, 2), "month": (6, 9), "year": (14, 18)}
    assert spans[1] == {"date": (20, 32), "day": (20, 22), "month": (23, 25), "year": (26, 30)}
    assert spans[2] == {"date": (32, 45), "month": (32, 35), "day": (36, 37), "year": (39, 43)}
    assert spans[3] == {"date": (45, 57), "year": (51, 55)}  # day and month are both 03
    with pytest.raises(ValueError, match="source has 1 dates but target 2"):
        field_spans("7 mars 1998", "1998-03-07 1998-03-07")


def test_where_it_looks():
    source, target = "Mar 7, 1998; 07.03.1940", "1998-03-07 1940-03-07"
    spans = field_spans(source, target)
    right = np.zeros((len(target) + 1, len(source)))
    for j, date in enumerate(spans):
        for k in range(10):
            field = "year" if k < 4 else "month" if k < 7 else "day"
            right[11 * j + k, date[field][0]] = 1.0
    hits = where_it_looks(right, source, target)
    assert len(hits["date"]) == 16 and all(all(v) for v in hits.values())
    wrong = np.roll(right, 13, axis=1)  # every look moved into the other date
    assert not any(where_it_looks(wrong, source, target)["date"])


def test_the_encoder_decoder_with_attention_learns_and_shows_where_it_looks():
    pairs = [("ab", "ba"), ("abc", "cba"), ("ca", "ac"), ("b", "b"), ("cab", "bac")]
    vocab = Seq2SeqVocab.from_pairs(pairs)
    params = init_attention_seq2seq(vocab, embed_size=4, hidden_size=8, attention_size=6, rng=0)
    plain = init_seq2seq(vocab, embed_size=4, hidden_size=8, rng=0)
    assert all(np.array_equal(plain[k], params[k]) for k in plain)  # the shared weights start equal
    train_translator(params, attention_loss_and_grads, vocab, pairs, steps=300, batch_size=5, lr=2e-2, rng=0)
    texts, weights = attention_greedy_decode(params, vocab, [s for s, _ in pairs], return_weights=True)
    assert texts == [t for _, t in pairs]
    for (source, _), text, w in zip(pairs, texts, weights):
        assert w.shape == (len(text) + 1, len(source))
        np.testing.assert_allclose(w.sum(axis=1), 1.0)  # padding got nothing


def test_length_batches_group_similar_lengths_and_repeat_with_the_seed():
    pairs = [("a" * n, "b") for n in range(1, 41)]
    vocab = Seq2SeqVocab.from_pairs(pairs)
    batches = length_batches(vocab, pairs, 4)
    first = [batches(k, np.random.default_rng(0)) for k in range(5)]
    again = [batches(k, np.random.default_rng(0)) for k in range(5)]
    for (ids, mask, *_), (ids2, *_) in zip(first, again):
        assert np.array_equal(ids, ids2)
        lengths = mask.sum(axis=0)
        assert lengths.max() - lengths.min() <= 3  # four neighbours in length


def test_attention_figures():
    w = np.full((3, 4), 0.25)
    fig = plot_attention(w, "abcd", "xy")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["x", "y", "</s>"]
    with pytest.raises(ValueError, match="weights has shape \\(3, 4\\)"):
        plot_attention(w, "abc", "xy")
    fig = plot_attention_examples([(w, "abcd", "xy")] * 2, (np.full((4, 6), 1 / 6), "a b cd", "xyz"))
    assert len(fig.axes) == 3
    labels, means, counts = accuracy_by_bins([5, 15, 16, 40], [1, 0, 1, 0], (0, 10, 20, 30, 50))
    assert labels == ["0\u20139", "10\u201319", "30\u201349"]  # 20-29 is empty
    np.testing.assert_allclose(means, [1.0, 0.5, 0.0])
    assert counts.tolist() == [1, 2, 1]
    runs = [(np.array([1.0, 0, 1, 0]), np.array([1.0, 0.5, 1, 0.2]))] * 3
    fig = plot_accuracy_by_length_models([5, 15, 16, 40], {"a": runs, "b": runs}, (0, 10, 20, 50))
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2 * (1 + 3)  # per model: the mean and 3 seeds
    plt.close("all")
