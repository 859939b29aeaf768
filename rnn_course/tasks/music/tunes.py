"""Irish jigs in ABC notation: the data, and a stated test of whether a tune is valid ABC.

ABC writes a tune as text: a header (``M:6/8`` the metre, ``L:1/8`` the unit note,
``K:G`` the key) and a body of notes (``A`` is an eighth note here, ``A2`` a quarter,
``A/2`` a sixteenth, ``c`` an octave above ``C``, ``^F`` F sharp), bar lines ``|`` and
repeats ``|:`` ``:|``. The data are the 6/8 jigs of *O'Neill's Music of Ireland* (1903;
its subtitle counts its 1,850 melodies, hence the corpus folder ``oneills1850``) as
transcribed in ``music21``'s corpus (``pip install music21==10.5.1``), read as plain
text files from the package folder (:func:`load_jigs`), simplified to notes, rests,
bars, repeats, ties, triplets and broken rhythms (:func:`simplify_body`).

**Valid ABC** (:func:`check_tune`), the yardstick for generated tunes:

1. music21's ABC parser (``music21.abcFormat.ABCHandler``) reads the tune without an
   error and without a warning (music21 warns when it cannot read a note);
2. the tune has at least 8 bars;
3. the bars add up: every bar holds exactly the 6 eighth notes of 6/8 (three quarter notes;
   a triplet's notes count two thirds each), except a shorter bar at the very start (a
   pickup) or just before or after a section mark (``||``, ``:|``, ``|:``, ``|]``, ``::``,
   the end);
4. the sections add up (:func:`section_lengths`): each section, from one section mark to
   the next, lasts at least 4 bars, and a whole number of bars to within an eighth note
   (its pickup and its last bar make one bar, give or take a note carried across the mark).

Book: chapter 6, music generation.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from importlib import resources

from ..._validate import ArgumentTypeError

MIN_BARS = 8
MIN_SECTION_BARS = 4
BAR_QUARTERS = 3.0   # a 6/8 bar in quarter notes
_SECTION_ENDS = ("||", ":|", "|]", "::", "end")
_SLACK = 0.5 / BAR_QUARTERS + 1e-9   # an eighth note, in bars


def _music21():
    try:
        import music21
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "the tunes come from music21's corpus and are checked with its ABC parser: "
            "pip install music21==10.5.1"
        ) from err
    return music21


def simplify_body(body: str) -> str:
    """Keep notes, rests, bars, repeats, ties, triplets ``(3`` and broken rhythms ``> <``;
    drop chord names, grace notes, decorations, slurs and line continuations."""
    s = re.sub(r'"[^"]*"', "", body)
    s = re.sub(r"\{[^}]*\}", "", s)
    s = re.sub(r"![^!]*!", "", s)
    s = re.sub(r"\((?![2-9])", "", s).replace(")", "")
    s = re.sub(r"[~.TtHMPSOuvLR]", "", s)
    s = s.replace("\\\n", " ").replace("\\", " ")
    s = re.sub(r"[ \t]+", " ", s)
    return "\n".join(line.strip() for line in s.splitlines() if line.strip())


def _tunes(text: str):
    for chunk in re.split(r"\n(?=X:)", text):
        chunk = chunk.strip()
        if not chunk.startswith("X:"):
            continue
        head, body = {}, []
        for line in chunk.splitlines():
            field = re.match(r"^([A-Za-z]):\s*(.*)$", line)
            if field and not body:
                head.setdefault(field.group(1), field.group(2).strip())
            elif line.strip() and not line.startswith("%"):
                body.append(line)
        yield head, body


def load_jigs() -> list[tuple[str, str]]:
    """``(key, body)`` of every 6/8 jig of *O'Neill's Music of Ireland* (1903) in music21's
    corpus (unit note 1/8, no change of metre or key inside the tune), bodies simplified;
    654 tunes."""
    folder = resources.files(_music21()) / "corpus" / "oneills1850"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".abc"):
            continue
        for head, body in _tunes(entry.read_text(encoding="latin-1")):
            if head.get("M") != "6/8" or head.get("L", "1/8") != "1/8":
                continue
            if any(re.match(r"^[KLMP]:", line) for line in body):
                continue
            out.append((head.get("K", "C"), simplify_body("\n".join(body))))
    return out


def tune_text(key: str, body: str) -> str:
    """A tune as the language model reads it: ``K:<key>``, a newline, the body."""
    return f"K:{key}\n{body}"


def split_tune(text: str) -> tuple[str, str]:
    """``(key, body)`` of a ``K:`` line followed by a body (what :func:`tune_text` makes)."""
    head, _, body = text.partition("\n")
    return (head[2:].strip() if head.startswith("K:") else ""), body


def full_abc(key: str, body: str) -> str:
    """A complete ABC tune: the reference number, 6/8, unit 1/8, the key, the body."""
    return f"X:1\nM:6/8\nL:1/8\nK:{key}\n{body}\n"


def parse_bars(key: str, body: str):
    """Run music21's ABC parser; return ``(bars, problem)``.

    ``bars`` lists ``(quarter notes, bar line)`` for each bar (``"end"`` for the last one
    when the tune stops without a bar line); ``problem`` is ``None`` or what went wrong
    (an error or a warning of the parser), in which case ``bars`` is ``None``.
    """
    if not isinstance(key, str) or not isinstance(body, str):
        raise ArgumentTypeError("key and body must be strings")
    abc = _music21().abcFormat
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        handler = abc.ABCHandler()
        try:
            handler.process(full_abc(key, body))
        except Exception as err:  # noqa: BLE001 - any parser error makes the tune invalid
            return None, f"parser error: {type(err).__name__}: {err}"[:120]
    said = printed.getvalue().strip() or (str(caught[0].message) if caught else "")
    if said:
        return None, f"parser warning: {' '.join(said.split())}"[:120]
    bars, quarters, notes = [], 0.0, 0
    for token in handler.tokens:
        if isinstance(token, (abc.ABCNote, abc.ABCChord)):
            tuplet = getattr(token, "activeTuplet", None)
            quarters += token.quarterLength * (float(tuplet.tupletMultiplier()) if tuplet else 1.0)
            notes += 1
        elif isinstance(token, abc.ABCBar):
            if notes:
                bars.append((quarters, token.src.strip()))
            quarters, notes = 0.0, 0
    if notes:
        bars.append((quarters, "end"))
    return bars, None


def _section_end(bar_line: str) -> bool:
    line = bar_line.replace(" ", "")
    return line in _SECTION_ENDS or line.startswith(":") or line.endswith(":")


def section_lengths(bars) -> list[float]:
    """The length in bars of each section of a tune, from the ``bars`` of :func:`parse_bars`.

    A section runs from one section mark (``||``, ``:|``, ``|:``, ``|]``, ``::``) to the
    next, or to the end; a pickup standing alone before a mark (shorter than half a bar)
    counts with the section after it.
    """
    lengths, current = [], 0.0
    for quarters, line in bars:
        current += quarters / BAR_QUARTERS
        if _section_end(line):
            lengths.append(current)
            current = 0.0
    if current:
        lengths.append(current)
    merged, carried = [], 0.0
    for length in lengths:
        if length + carried < 0.5:   # a pickup before a repeat mark
            carried += length
            continue
        merged.append(length + carried)
        carried = 0.0
    if carried and merged:
        merged[-1] += carried
    elif carried:
        merged.append(carried)
    return merged


def upbeat(key: str, body: str) -> float:
    """The length of the tune's pickup in quarter notes (0 when its first bar is full)."""
    bars, problem = parse_bars(key, body)
    if problem or not bars:
        raise ValueError(f"the tune does not parse: {problem or 'no notes'}")
    first = bars[0][0]
    return first if first < BAR_QUARTERS - 1e-9 else 0.0


def check_tune(key: str, body: str) -> tuple[bool, str]:
    """``(valid, reason)`` by the four rules of the module docstring; ``reason`` is
    ``"valid"`` or the first rule broken."""
    bars, problem = parse_bars(key, body)
    if problem:
        return False, problem
    if len(bars) < MIN_BARS:
        return False, f"only {len(bars)} bars (at least {MIN_BARS})"
    for i, (quarters, line) in enumerate(bars):
        if abs(quarters - BAR_QUARTERS) < 1e-9:
            continue
        edge = i == 0 or _section_end(line) or _section_end(bars[i - 1][1])
        if quarters < BAR_QUARTERS and edge:
            continue
        return False, f"bar {i + 1} holds {quarters * 2:g} eighth notes, not 6"
    for i, length in enumerate(section_lengths(bars)):
        whole = round(length)
        if whole < MIN_SECTION_BARS:
            unit = "bar" if f"{length:.3g}" == "1" else "bars"
            return False, f"section {i + 1} lasts {length:.3g} {unit} (at least {MIN_SECTION_BARS})"
        if abs(length - whole) > _SLACK:
            return False, f"section {i + 1} lasts {length:.3g} bars, not a whole number"
    return True, "valid"
