"""Dates written by people in eight locales, paired with their ISO 8601 form.

    make_date_pairs(3, rng=0)
    [('14 de nov. de 2095', '2095-11-14'), ('mercredi 4 mai 2095', '2095-05-04'), ...]

The source side is real locale data: Babel (``pip install babel``, BSD-3) formats each
date with the Unicode CLDR's patterns, month and weekday names for the locale, in its
``medium``, ``long`` or ``full`` format (``"Mar 7, 1998"``, ``"7. März 1998"``,
``"sábado, 7 de marzo de 1998"``). The ``short`` numeric formats are left out: ``3/7/98``
is 7 March in the United States and 3 July in Britain, so they cannot be translated
without knowing the locale. The target is the date in ISO 8601 (``YYYY-MM-DD``). Dates
are drawn uniformly from 1900-01-01 to 2099-12-31.

Book: chapter 6, machine translation.
"""

from __future__ import annotations

import datetime

from .._validate import as_rng, integer

LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "pt_BR")
FORMATS = ("medium", "long", "full")
FIRST, LAST = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)


def _format_date():
    try:
        from babel.dates import format_date
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError("the dates are written by the 'Babel' package: pip install babel==2.19.0") from err
    return format_date


def make_date_pairs(n, *, rng=None, locales=LOCALES, formats=FORMATS) -> list[tuple[str, str]]:
    """``n`` pairs (date as written in a random locale and format, ISO 8601 date)."""
    n = integer("n", n, low=0)
    format_date = _format_date()
    bad = [x for x in locales if x not in LOCALES] + [x for x in formats if x not in FORMATS]
    if bad or not locales or not formats:
        raise ValueError(f"locales must be taken from {LOCALES} and formats from {FORMATS}, got {bad or 'none'}")
    gen = as_rng(rng)
    days = gen.integers(0, (LAST - FIRST).days + 1, n)
    which_locale = gen.integers(0, len(locales), n)
    which_format = gen.integers(0, len(formats), n)
    pairs = []
    for d, loc, fmt in zip(days, which_locale, which_format):
        date = FIRST + datetime.timedelta(days=int(d))
        pairs.append((format_date(date, format=formats[fmt], locale=locales[loc]), date.isoformat()))
    return pairs


def split_pairs(pairs, n_test) -> tuple[list, list]:
    """(train, test): the last ``n_test`` pairs whose source never occurs among the others
    are the test set, so no test input was seen in training."""
    n_test = integer("n_test", n_test, low=1)
    pairs = list(pairs)
    train = pairs[: len(pairs) - n_test]
    seen = {s for s, _ in train}
    test = [p for p in pairs[len(pairs) - n_test:] if p[0] not in seen]
    return train, test
