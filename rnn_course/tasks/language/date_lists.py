"""Lists of dates written by people, paired with the list of their ISO 8601 forms.

    make_date_list_pairs(2, rng=0)
    [('7 mars 1998; Tuesday, June 3, 2001', '1998-03-07 2001-06-03'), ...]

Each source is one to ``max_dates`` dates of :func:`~rnn_course.tasks.language.dates.make_date_pairs`
(eight locales, three formats), joined by ``"; "``; its target is their ISO forms, in the
same order, joined by spaces. A single date carries three numbers however long it is
written; a list of four carries twelve: the amount to remember grows with the input, the
setting in which an encoder–decoder's fixed-size summary runs short.

Book: chapter 6, attention.
"""

from __future__ import annotations

import re

from ..._validate import as_rng, integer
from .dates import FORMATS, LOCALES, make_date_pairs, parse_date

SEPARATOR = "; "


def make_date_list_pairs(n, *, max_dates=4, rng=None, locales=LOCALES, formats=FORMATS) -> list[tuple[str, str]]:
    """``n`` pairs (a list of 1 to ``max_dates`` written dates, their ISO forms); the number
    of dates is drawn uniformly for each pair, each date's locale and format from ``locales``
    and ``formats`` (as for :func:`~rnn_course.tasks.language.dates.make_date_pairs`)."""
    n = integer("n", n, low=0)
    max_dates = integer("max_dates", max_dates, low=1, high=20)
    gen = as_rng(rng)
    counts = gen.integers(1, max_dates + 1, n)
    dates = iter(make_date_pairs(int(counts.sum()), rng=gen, locales=locales, formats=formats))
    pairs = []
    for k in counts:
        chosen = [next(dates) for _ in range(k)]
        pairs.append((SEPARATOR.join(s for s, _ in chosen), " ".join(t for _, t in chosen)))
    return pairs


def date_count(target: str) -> int:
    """How many dates an ISO target list holds (``"1998-03-07 2001-06-03"``: 2)."""
    return len(target.split())


def parse_date_list(text: str, months=None) -> str:
    """The rule-based baseline on a list: each date of ``text`` (dates joined by ``"; "``)
    read by :func:`~rnn_course.tasks.language.dates.parse_date` with ``months``, their ISO forms joined
    by spaces; a date the rules cannot read is written ``"?"``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    return " ".join(parse_date(part, months) or "?" for part in text.split(SEPARATOR))


_TOKEN = re.compile(r"\d+|[^\W\d]+")


def field_spans(source: str, target: str) -> list[dict[str, tuple[int, int]]]:
    """Where each date of a list says its year, month and day: one dict per date of ``target``
    (its ISO form read against ``source``), ``{"date", "year", "month", "day"}`` to the span
    ``(start, stop)`` of ``source`` characters. ``"date"`` runs to the end of the separator after it;
    ``"month"`` is the month's name (any word but "de") or, in a numeric date, its number.
    A field that cannot be told apart (a numeric date whose day and month are the same number)
    is left out."""
    parts, dates = source.split(SEPARATOR), target.split()
    if len(parts) != len(dates):
        raise ValueError(f"source has {len(parts)} dates but target {len(dates)}")
    spans, start = [], 0
    for part, iso in zip(parts, dates):
        year, month, day = iso.split("-")
        tokens = [(m.group(), start + m.start(), start + m.end()) for m in _TOKEN.finditer(part)]
        words = [(a, b) for t, a, b in tokens if t.isalpha() and t.lower() != "de"]
        numbers = [(int(t), a, b) for t, a, b in tokens if t.isdigit() and len(t) <= 2]
        found = {"date": [(start, start + len(part) + len(SEPARATOR))],
                 "year": [(a, b) for t, a, b in tokens if t == year],
                 "day": [(a, b) for n, a, b in numbers if n == int(day)],
                 "month": words or [(a, b) for n, a, b in numbers if n == int(month)]}
        spans.append({k: v[0] for k, v in found.items() if len(v) == 1})
        start += len(part) + len(SEPARATOR)
    return spans
