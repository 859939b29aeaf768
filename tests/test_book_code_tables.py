"""The book's "maths next to the code" tables quote the package's own lines: every code
span in a code column of such a table is a line (or a part of one) of the function named
in the column's header, so the table cannot drift from the code it explains."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import rnn_course as rc
from rnn_course.layers import attention as attention_module
from rnn_course.layers import rnn_loops

ROOT = Path(__file__).resolve().parents[1]

#: (page, {column header: function}, whether the rows follow the source's order)
TABLES = [
    ("book/02-bptt/backward-pass.md",
     {"`rnn_backward` (its loop, `rnn_loops.backward_steps`)": rnn_loops.backward_steps,
      "`rnn_cell_backward`": rc.rnn_cell_backward}, False),
    ("book/04-lstm/backward.md", {"`lstm_cell_backward`": rc.lstm_cell_backward}, False),
    ("book/05-gru/backward.md",
     {'`gru_cell_backward` (`variant="sources"`)': rc.gru_cell_backward}, True),
    ("book/06-applications/attention.md", {"`attention_backward`": attention_module.attention_backward}, True),
]
CODE = re.compile(r"`([^`]+)`")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def tables(markdown: str) -> list[list[list[str]]]:
    """Every pipe table of a page, as rows of cells (the header row first)."""
    found, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


@pytest.mark.parametrize("page, columns, ordered", TABLES, ids=[t[0] for t in TABLES])
def test_code_columns_quote_the_package(page, columns, ordered):
    text = (ROOT / page).read_text(encoding="utf-8")
    checked = 0
    for table in tables(text):
        header = table[0]
        for title, function in columns.items():
            if title not in header:
                continue
            column = header.index(title)
            source = squash(inspect.getsource(function))
            position = 0
            for row in table[1:]:
                spans = CODE.findall(row[column])
                for span in spans:
                    where = source.find(squash(span))
                    assert where >= 0, (f"{page}: `{span}` (column {title}) is not in "
                                        f"the source of {function.__name__}")
                    checked += 1
                if ordered and spans:
                    where = source.find(squash(spans[0]))
                    assert where >= position, (f"{page}: `{spans[0]}` comes before the "
                                               f"previous row's line in {function.__name__}")
                    position = where
    assert checked >= 8, f"{page}: found only {checked} code spans under {list(columns)}"
