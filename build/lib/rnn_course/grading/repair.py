"""Read a submission leniently and match its answer cells to the notebook as handed out.

Book: the instructor guide (the failure report).

nbgrader finds a learner's answers by the ``grade_id`` in each cell's metadata, and gives
up on a notebook that is not valid JSON or whose metadata was edited. Here the intent is
usually clear: an answer cell is the one that defines the function the exercise asks for.
So a submission whose structure is intact is graded as it is; otherwise the notebook to
grade is rebuilt from the release notebook with each answer cell taken from the
submission's cell that defines the same function (by grade_id first, then by content,
nearest in position), and every repair is described so that it can be reported and flagged.
"""

from __future__ import annotations

import ast
import copy
import json
import re

import nbformat

#: Notebook metadata key under which the repairs travel from nbgrader's sanitize step to
#: its autograde step (anything a submission puts there itself is removed).
METADATA_KEY = "rnn_course_grading"

_SOURCE = re.compile(r'"source"\s*:\s*')


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes a cell defines (by regex when it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(re.findall(r"^(?:def|class)\s+(\w+)", source, re.MULTILINE))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def recover_sources(text: str) -> list[str]:
    """Every cell source that can still be decoded from a notebook that is not valid JSON."""
    decoder = json.JSONDecoder(strict=False)
    sources = []
    for match in _SOURCE.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "".join(value)
        if isinstance(value, str):
            sources.append(value)
    return sources


def _structure_intact(nb, release) -> str | None:
    """None when every nbgrader cell of the release is in ``nb`` once, as it was; else why not."""
    expected = {_meta(c)["grade_id"]: c for c in release.cells if _meta(c).get("grade_id")}
    seen: dict[str, int] = {}
    for cell in nb.cells:
        grade_id = _meta(cell).get("grade_id")
        if grade_id is None:
            if _meta(cell):
                return "a cell has nbgrader metadata but no grade_id"
            continue
        if grade_id not in expected:
            return f"a cell has the grade_id {grade_id!r}, which the assignment does not have"
        seen[grade_id] = seen.get(grade_id, 0) + 1
        want = expected[grade_id]
        if cell.get("cell_type") != want.get("cell_type") or bool(_meta(cell).get("solution")) != bool(
                _meta(want).get("solution")):
            return f"cell {grade_id!r} changed its type or role"
    missing = [g for g in expected if g not in seen]
    if missing:
        return f"cells {missing} are missing (or their grade_id was edited)"
    repeated = [g for g, n in seen.items() if n > 1]
    if repeated:
        return f"cells {repeated} appear more than once"
    return None


def _rebuild(release, candidates: list[tuple[int, dict | None, str]], why: str) -> tuple[object, list[str]]:
    """The release notebook with each answer cell taken from the best candidate.

    ``candidates`` are (position, nbgrader metadata or None, source) of the submission's code cells.
    """
    nb = copy.deepcopy(release)
    answers = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and _meta(c).get("solution")]
    used: set[int] = set()
    repairs = [why]
    recovered = 0
    scale = max(len(candidates), 1) / max(len(nb.cells), 1)
    for index, cell in answers:
        grade_id = _meta(cell)["grade_id"]
        by_id = [c for c in candidates if c[1] and c[1].get("grade_id") == grade_id and c[0] not in used]
        chosen = by_id[-1] if by_id else None
        how = "its grade_id"
        if chosen is None:
            names = defined_names(cell.source)
            scored = [(len(names & defined_names(src)), -abs(pos - index * scale), pos, meta, src)
                      for pos, meta, src in candidates if pos not in used]
            scored = [s for s in scored if s[0] > 0]
            if scored:
                best = max(scored)
                chosen = best[2:]
                how = f"its content (it defines {', '.join(sorted(names & defined_names(best[4])))})"
        if chosen is None:
            repairs.append(f"answer cell {grade_id!r}: not found in the submission; graded as unanswered")
            continue
        used.add(chosen[0])
        cell.source = chosen[2]
        recovered += 1
        if how != "its grade_id":
            repairs.append(f"answer cell {grade_id!r}: matched by {how}")
    repairs[0] += f"; graded the notebook as handed out with {recovered} of {len(answers)} answer cells from the submission"
    return nb, repairs


def read_submission(raw: bytes, release) -> tuple[object, list[str]]:
    """The notebook to grade (an nbformat v4 node) and the repairs made (empty if none)."""
    text = raw.decode("utf-8", errors="replace")
    try:
        nb = nbformat.reads(text, as_version=4)
        cells = nb.cells
        if not isinstance(cells, list):
            raise ValueError("cells is not a list")
        for cell in cells:
            cell.setdefault("metadata", {})
            if cell.get("cell_type") == "code" and not isinstance(cell.get("source"), str):
                raise ValueError("a code cell has no source")
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, or a broken one
        sources = recover_sources(text)
        candidates = [(i, None, s) for i, s in enumerate(sources)]
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return _rebuild(release, candidates, f"the notebook could not be read ({first})")
    nb.metadata.pop(METADATA_KEY, None)
    why = _structure_intact(nb, release)
    if why is None:
        return nb, []
    candidates = [(i, _meta(c) or None, c.source) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    return _rebuild(release, candidates, f"the nbgrader metadata was changed ({why})")
