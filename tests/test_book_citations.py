"""The book's sources: every citation is a {cite} role whose key is in book/references.bib,
no author-year citation is written in plain text (it would link to nothing), and every
entry of the bibliography is cited where its idea appears (the bibliography page's
promise). Reads the Markdown sources only: fast, no kernel, no build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIB = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
PAGES = sorted(p for p in (ROOT / "book").rglob("*.md")
               if "_offline" not in p.parts and ".ipynb_checkpoints" not in p.parts)

ENTRY = re.compile(r"^@\w+\{([^,\s]+),", re.M)
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
#: A surname: capitalised, possibly with an apostrophe, a hyphen or an accent.
NAME = r"[A-Z][\w'’-]+"
#: "Name (2014)", "Name et al. (2014a)", "Name and Other (2014)", "Name, Other and Third (2014)",
#: and the parenthetical forms "(Name, 2014)", "(Name et al., 2014; ...)", "(..., Name and Other, 2014)".
TEXTUAL = re.compile(rf"\b{NAME}(?: et al\.| and {NAME}|(?:, {NAME})+,? and {NAME})? \((?:1[6-9]|20)\d\d[a-z]?\)")
PARENTHETICAL = re.compile(
    rf"[(;] ?(?:[\w-]+, )?{NAME}(?: et al\.| and {NAME}|(?:, {NAME})+,? and {NAME})?,? (?:1[6-9]|20)\d\d[a-z]?\b")


def bib_keys() -> list[str]:
    return ENTRY.findall(BIB)


def prose(page: Path) -> str:
    """A page's Markdown without its code cells, front matter, maths, inline code and roles."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"^(```|~~~)\{code-cell\}.*?^\1[ \t]*$", "", text, flags=re.S | re.M)
    text = re.sub(r"^```[^\n]*\n.*?^```[ \t]*$", "", text, flags=re.S | re.M)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "", text)
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", "", text)
    text = re.sub(r"``?[^`\n]+``?", "", text)
    return text


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_bibliography_has_no_duplicate_keys():
    keys = bib_keys()
    assert len(keys) >= 30, keys
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_citation_has_a_bib_entry(page):
    known = set(bib_keys())
    cited = [key.strip() for group in CITE.findall(page.read_text(encoding="utf-8"))
             for key in group.split(",")]
    missing = sorted(set(cited) - known)
    assert not missing, f"{rel(page)} cites {missing}, which book/references.bib does not have"


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_no_author_year_citation_in_plain_text(page):
    text = prose(page)
    found = [m.group(0) for m in TEXTUAL.finditer(text)] + [m.group(0) for m in PARENTHETICAL.finditer(text)]
    assert not found, (f"{rel(page)} cites {found} in plain text: give each source an entry in "
                       "book/references.bib and write {cite:t}`key` or {cite:p}`key`")


def test_the_patterns_find_plain_citations_and_nothing_else():
    cited = ("as Hutto and Gilbert (2014) did; Cho et al. (2014b) found; "
             "(Sutskever, Vinyals and Le, 2014; Cho et al., 2014) and "
             "(DialoGPT, Zhang et al., 2020; Meena, Adiwardana et al., 2020) "
             "and Sutskever, Martens and Hinton (2011)")
    found = TEXTUAL.findall(cited) + PARENTHETICAL.findall(cited)
    assert len(found) == 7, found
    clean = ("the temperature in Seattle, 2012 to 2015; from March 2010; "
             "the {cite:t}`cho2014learning` paper; 1,850 melodies (1903 edition)")
    without_roles = re.sub(r"\{[\w:-]+\}`[^`]*`", "", clean)
    assert not TEXTUAL.findall(without_roles) and not PARENTHETICAL.findall(without_roles)


def test_every_source_is_cited_in_the_book():
    """The bibliography page promises each source "cited in the chapter where the idea
    appears": an entry no page cites would be listed nowhere (or nowhere useful)."""
    cited = {key.strip() for page in PAGES if page.name != "references.md"
             for group in CITE.findall(page.read_text(encoding="utf-8")) for key in group.split(",")}
    uncited = sorted(set(bib_keys()) - cited)
    assert not uncited, f"book/references.bib has entries no page cites: {uncited}"
