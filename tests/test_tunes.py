"""O'Neill's jigs, the stated validity test (each rule can fail), the tune language model,
n-gram sampling, and notes to sound."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_course.tasks.language.ngram import KneserNey
from rnn_course.tasks.music.tune_audio import synthesize_notes, tune_notes
from rnn_course.tasks.music.tune_lm import (build_vocab, corpus_text, encode, longest_shared,
                                      ngram_sample_tunes, sample_tunes, train_tune_lm, tune_lm_loss)
from rnn_course.tasks.music.tunes import (check_tune, load_jigs, parse_bars, section_lengths, simplify_body,
                                   split_tune, tune_text, upbeat)

GOOD = "A|AGA edB|gfe edB|c>BA cde|dBG Bcd|gfe ded|d2g a2g|bag fed|cAA A2:|"


def test_the_jigs():
    jigs = load_jigs()
    assert len(jigs) == 654
    assert all(key and body for key, body in jigs)
    assert not any('"' in body or "{" in body for _, body in jigs)
    valid = sum(check_tune(k, b)[0] for k, b in jigs)
    assert valid > 0.85 * len(jigs)


def test_simplify_keeps_notes_and_triplets():
    assert simplify_body('"G"(AB)c {g}d ~e !trill!f (3ABc|') == "ABc d e f (3ABc|"


def test_a_valid_tune_passes_each_rule_can_fail():
    assert check_tune("D", GOOD) == (True, "valid")
    assert check_tune("D", GOOD.replace("A|AGA edB|", "A|(3ABc d2ef|", 1))[0]   # triplets count 2/3
    ok, why = check_tune("D", "A|AGA edB|gfe edB|")
    assert not ok and "bars" in why                                       # rule 2
    ok, why = check_tune("D", GOOD.replace("gfe edB", "gfe edBA"))
    assert not ok and "7 eighth notes" in why                             # rule 3
    ok, why = check_tune("D", GOOD.replace("c>BA", "c>BA q"))
    assert not ok and "parser" in why                                     # rule 1: an unreadable note
    assert check_tune("D", GOOD.replace("cAA A2:|", "cAA A2||"))[0]      # a short bar at a section end
    ok, why = check_tune("D", GOOD + "|: d | c2 B B2 :|")                  # rule 4: a one-bar section
    assert not ok and why == "section 2 lasts 1 bar (at least 4)"
    ok, why = check_tune("D", "GAB" + GOOD[1:])                            # rule 4: 8 1/3 bars
    assert not ok and "not a whole number" in why


def test_sections_and_upbeat():
    bars, _ = parse_bars("D", GOOD + "|: d | c2 B B2 :|")
    assert [round(x, 6) for x in section_lengths(bars)] == [8.0, 1.0]
    bars, _ = parse_bars("D", "d |: " + GOOD[2:])           # a pickup before the repeat mark
    assert [round(x, 6) for x in section_lengths(bars)] == [8.0]
    assert upbeat("D", GOOD) == 0.5 and upbeat("D", GOOD[2:]) == 0.0


def test_parse_bars_counts_quarter_notes():
    bars, problem = parse_bars("G", "(3ABc d2e | A>B c2 d | [1 ABc :| [2 d3 |]")
    assert problem is None
    assert [q for q, _ in bars] == [2.5, 2.5, 1.5, 1.5]


def test_text_round_trip_and_vocab():
    text = tune_text("G", GOOD)
    assert split_tune(text) == ("G", GOOD)
    vocab = build_vocab([text])
    assert "\n" in vocab and "K" in vocab
    ids = encode(corpus_text([text]), vocab)
    assert "".join(vocab[i] for i in ids) == text + "\n\n"
    with pytest.raises(ValueError, match="not in vocab"):
        encode("§", vocab)


def test_lstm_learns_a_repeated_tune_and_samples_it():
    texts = [tune_text("D", GOOD)] * 30
    vocab = build_vocab(texts)
    ids = encode(corpus_text(texts), vocab)
    run = train_tune_lm(ids, len(vocab), hidden_size=32, seq_len=32, batch_size=16, steps=250, rng=0)
    assert tune_lm_loss(run["params"], ids) < 0.3
    tunes = sample_tunes(run["params"], vocab, 3, temperature=0.5, rng=0)
    assert sum(check_tune(*split_tune(t))[0] for t in tunes) >= 2


def test_ngram_samples_from_its_counts():
    texts = [tune_text("D", GOOD)] * 5
    vocab = build_vocab(texts)
    ids = encode(corpus_text(texts), vocab)
    model = KneserNey(ids, 8, len(vocab))
    tunes = ngram_sample_tunes(model, vocab, 4, temperature=0.3, rng=0)
    assert all(t == tune_text("D", GOOD) for t in tunes)   # nearly deterministic: the one tune


def test_notes_and_sound():
    notes = tune_notes("D", GOOD)
    assert notes.shape[1] == 3 and notes[0, 0] == 0 and notes[0, 2] == 69  # A4 pickup
    assert np.all(np.diff(notes[:, 0]) >= 0)
    assert len(tune_notes("D", GOOD, max_quarters=3)) < len(notes)
    rate, x = synthesize_notes(notes, quarter_seconds=0.25)
    end = (notes[:, 0] + notes[:, 1]).max() * 0.25
    assert rate == 8000 and end < len(x) / rate < end + 1 and np.abs(x).max() == pytest.approx(0.9)
    with pytest.raises(ValueError, match="notes"):
        synthesize_notes(np.ones((3, 2)))


def test_longest_shared_stretch():
    assert longest_shared("abcxyzabcd", "zzabcdzz") == 5      # "zabcd"
    assert longest_shared("abc", "abc") == 3 and longest_shared("q", "abc") == 0
    assert longest_shared("", "abc") == 0
    with pytest.raises(TypeError, match="strings"):
        longest_shared(["a"], "abc")
