"""The notation the course promises, kept: every page and exercise that indexes time says how
the maths and the code count steps, in the same words, and the notation page documents the
cache of every function learners write or receive, as the checks expect it."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from rnn_course.checks._caches import CELL_CACHE_KEYS

ROOT = Path(__file__).resolve().parents[1]
#: The sentence, whitespace aside, that every page and exercise indexing time contains.
TIME = ("The maths counts steps from 1 ($h_0$ is the initial state, inputs $x_1, \\dots, x_T$); "
        "code counts from 0, so `X[k]` holds $x_{k+1}$ and `hs[k]` holds $h_{k+1}$.")
#: Indexing a sequence along time (anything but its last element, `[-1]`).
INDEXES_TIME = re.compile(r"\b(?:X|hs|cs|dhs|dX)\[(?!-1\])")
#: The old, contradictory wording: code index t read as the maths' step t.
CONTRADICTIONS = re.compile(r"`(?:X|hs|cs|dhs|dX)\[t\]`|t = 0, 1, \\dots, T-1")


def flat(text: str) -> str:
    return " ".join(text.split())


def texts():
    for page in sorted((ROOT / "book").rglob("*.md")):
        if "_offline" not in page.parts:
            yield page, page.read_text(encoding="utf-8")
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(notebook, as_version=4)
        yield notebook, "\n\n".join(cell.source for cell in nb.cells)


CASES = list(texts())


@pytest.mark.parametrize("path, text", CASES, ids=[str(p.relative_to(ROOT)) for p, _ in CASES])
def test_every_page_and_exercise_that_indexes_time_says_how_it_counts(path, text):
    if INDEXES_TIME.search(text):
        assert flat(TIME) in flat(text), f"{path.name} indexes time: state the convention as the notation page does"
    assert not CONTRADICTIONS.search(text), CONTRADICTIONS.search(text).group(0)


def test_the_readme_uses_the_same_convention():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`X[k]` holds `x_{k+1}`" in readme and not CONTRADICTIONS.search(readme)


def test_the_notation_page_documents_every_cell_cache_as_the_checks_expect_it():
    page = (ROOT / "book" / "notation.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2)
            for m in re.finditer(r"^\| `(\w+?)(?:_cell)?_forward`[^|]* \| (.*) \|$", page, re.M)}
    for model, keys in CELL_CACHE_KEYS.items():
        documented = set(re.findall(r'`"(\w+)"`', rows[model]))
        params = {k for k in keys if k[:2] in ("W_", "U_", "b_")}
        named = documented | ({"W_z", "W_r", "W_h", "U_z", "U_r", "U_h", "b_z", "b_r", "b_h"}
                              if "nine parameters" in rows[model] else set())
        assert set(keys) - params <= documented and params <= named, (model, set(keys) - named)
