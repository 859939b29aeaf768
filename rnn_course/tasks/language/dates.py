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
import re

from ..._validate import as_rng, integer

#: The eight locales of the data set.
LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "it_IT", "nl_NL", "pt_BR")
#: Three locales outside the eight (Swedish, Danish and Catalan), whose languages are close
#: to some of them and whose ``medium``, ``long`` and ``full`` formats all spell the month.
UNSEEN = ("sv_SE", "da_DK", "ca_ES")
FORMATS = ("medium", "long", "full")
FIRST, LAST = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)


def _format_date():
    try:
        from babel.dates import format_date
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError("the dates are written by the 'Babel' package: pip install babel==2.19.0") from err
    return format_date


def _known_locale(name) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def make_date_pairs(n, *, rng=None, locales=LOCALES, formats=FORMATS) -> list[tuple[str, str]]:
    """``n`` pairs (date as written in a random locale and format, ISO 8601 date).

    ``locales`` defaults to the eight of :data:`LOCALES`; any locale Babel knows works
    (for instance those of :data:`UNSEEN`, to test on languages a model was not trained on).
    """
    n = integer("n", n, low=0)
    format_date = _format_date()
    bad = [x for x in locales if not _known_locale(x)] + [x for x in formats if x not in FORMATS]
    if bad or not locales or not formats:
        raise ValueError(f"locales must be locales Babel knows, such as {LOCALES}, and formats "
                         f"must be taken from {FORMATS}; got {bad or 'none'}")
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


def month_table(locales=LOCALES) -> dict[str, int]:
    """Every way ``locales`` write a month in a date (CLDR's wide and abbreviated names, in
    the format context), lower-cased, as the word that names the month (without a final
    dot, or a preposition CLDR writes with it: Catalan "de gener" is ``"gener"``), mapped
    to the month 1-12."""
    from babel import Locale

    table = {}
    for name in locales:
        months = Locale.parse(name).months["format"]
        for width in ("wide", "abbreviated"):
            for number, written in months[width].items():
                table[_WORD.findall(written.lower())[-1]] = number
    return table


_WORD = re.compile(r"[^\W\d_]+|\d+")


def parse_date(text: str, months=None) -> str | None:
    """A rule-based baseline: the ISO 8601 form of a date written as in the data set, or
    ``None`` when ``text`` does not read as one.

    The rules: the year is the number of four digits; the month is the first word found
    in ``months`` (by default :func:`month_table` of the eight locales) and the day the
    number of one or two digits, or, when no word names a month, the day and the month
    are the two short numbers in that order (German ``07.03.1998``); every other word (a
    weekday, "de", "den") is ignored.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    months = month_table() if months is None else months
    tokens = _WORD.findall(text.lower())
    years = [int(t) for t in tokens if t.isdigit() and len(t) == 4]
    short = [int(t) for t in tokens if t.isdigit() and len(t) <= 2]
    named = [months[t] for t in tokens if t in months]
    if len(years) != 1:
        return None
    if named and len(short) == 1:
        day, month = short[0], named[0]
    elif not named and len(short) == 2:
        day, month = short
    else:
        return None
    try:
        return datetime.date(years[0], month, day).isoformat()
    except ValueError:  # a month or a day that does not exist
        return None
