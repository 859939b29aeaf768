"""Read a submission leniently and match its answer cells to the notebook as handed out.

Book: the instructor guide (the failure report).

nbgrader finds a learner's answers by the ``grade_id`` in each cell's metadata, and gives
up on a notebook that is not valid JSON or whose metadata was edited. Here the intent is
usually clear: an answer cell is the one that defines the function the exercise asks for.
So a submission whose structure is intact (every nbgrader cell of the release once, its
nbgrader metadata as handed out, a valid notebook) is graded as it is; otherwise the
notebook to grade is rebuilt from the release notebook with each answer cell taken from
the submission's cell that defines the same function (by grade_id first, then by content,
nearest in position), and every repair is described so that it can be reported and flagged.

:func:`read_submission` never raises, whatever the bytes: JSON nested too deep for the
parser, an expression too deep for :mod:`ast`, binary data, metadata of the wrong types.
What it returns is a valid notebook whose nbgrader metadata is the release's, so
nbgrader's own checks (``CheckCellMetadata``, the notebook format) pass on it.
"""

from __future__ import annotations

import ast
import copy
import errno
import json
import os
import re
import stat
import warnings

import nbformat
from nbformat import validator

#: Notebook metadata key under which the repairs travel from nbgrader's sanitize step to
#: its autograde step (anything a submission puts there itself is removed).
METADATA_KEY = "rnn_course_grading"

#: A submission file larger than this is not read at all (graded as unanswered, reported).
MAX_BYTES = 100 * 2**20

#: Sources longer than this are searched for definitions with a regular expression
#: (parsing many megabytes of Python costs seconds and gigabytes).
MAX_PARSED_CHARS = 2**20

#: What parsing hostile input may raise besides ``ValueError``: nesting deeper than the
#: parser's stack (``RecursionError``, or ``MemoryError`` from ``ast``).
DEPTH_ERRORS = (RecursionError, MemoryError)

_SOURCE = re.compile(r'"source"\s*:\s*')
_DEF = re.compile(r"^(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)
#: nbgrader metadata keys that may differ from the release's (nbgrader recomputes them).
_RECOMPUTED = ("checksum",)


def _meta(cell) -> dict:
    """A cell's nbgrader metadata, or {} when it has none (or it is not a mapping)."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _text(value) -> str | None:
    """A cell source as text that can be written as UTF-8 (a list of lines joined), or None."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", errors="replace").decode("utf-8")


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes a cell defines (by regex when it does not parse)."""
    if len(source) <= MAX_PARSED_CHARS:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, *DEPTH_ERRORS):
            pass
        else:
            return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return set(_DEF.findall(source))


def recover_sources(text: str) -> list[str]:
    """Every cell source that can still be decoded from a notebook that is not valid JSON."""
    decoder = json.JSONDecoder(strict=False)
    sources = []
    for match in _SOURCE.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, match.end())
        except (ValueError, *DEPTH_ERRORS):
            continue
        value = _text(value)
        if value is not None:
            sources.append(value)
    return sources


def _canonical(meta: dict) -> str:
    """nbgrader metadata as compared with the release's (types included: ``1`` is not ``true``)."""
    return json.dumps({k: v for k, v in meta.items() if k not in _RECOMPUTED}, sort_keys=True)


def _changed_keys(meta: dict, want: dict) -> list[str]:
    keys = (set(meta) | set(want)) - set(_RECOMPUTED)
    return sorted(k for k in keys if json.dumps(meta.get(k)) != json.dumps(want.get(k)))


def _why_not_intact(nb, release) -> str | None:
    """None when every nbgrader cell of the release is in ``nb`` once, as it was, and nbgrader
    can process it; else why not."""
    why = _why_metadata_changed(nb, release)
    return f"the nbgrader metadata was changed ({why})" if why else _why_invalid(nb)


def _why_metadata_changed(nb, release) -> str | None:
    expected = {_meta(c)["grade_id"]: c for c in release.cells if _meta(c).get("grade_id")}
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict):
            return f"cell {index} has no metadata"
        if "nbgrader" not in metadata:
            continue
        meta = metadata["nbgrader"]
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(grade_id, str):
            return "a cell has nbgrader metadata but no grade_id"
        if grade_id not in expected:
            return f"a cell has the grade_id {grade_id!r}, which the assignment does not have"
        seen[grade_id] = seen.get(grade_id, 0) + 1
        want = expected[grade_id]
        if cell.get("cell_type") != want.get("cell_type"):
            return f"cell {grade_id!r} changed its type"
        if _canonical(meta) != _canonical(_meta(want)):
            return f"cell {grade_id!r} had its nbgrader flags edited ({', '.join(_changed_keys(meta, _meta(want)))})"
    missing = [g for g in expected if g not in seen]
    if missing:
        return f"cells {missing} are missing (or their grade_id was edited)"
    repeated = [g for g, n in seen.items() if n > 1]
    if repeated:
        return f"cells {repeated} appear more than once"
    return None


def _why_invalid(nb) -> str | None:
    """None when nbgrader can process ``nb`` (with its outputs cleared, as it clears them)."""
    cleared = copy.deepcopy(nb)
    for cell in cleared.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if not isinstance(cell.get("source"), str):
            return "the notebook was changed (a cell's source is not text)"
    try:
        _, cleared = validator.normalize(cleared)
        validator.validate(cleared)
        nbformat.writes(cleared).encode("utf-8")
    except validator.ValidationError as exc:
        return f"the notebook does not follow the notebook format ({_first_line(exc)})"
    except UnicodeEncodeError:
        return "the notebook holds text that is not valid Unicode"
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
    names = {}  # candidate position -> the names it defines (parsed once)
    for index, cell in answers:
        grade_id = _meta(cell)["grade_id"]
        by_id = [c for c in candidates if c[1] and c[1].get("grade_id") == grade_id and c[0] not in used]
        chosen = by_id[-1] if by_id else None
        how = "its grade_id"
        if chosen is None:
            wanted = defined_names(cell.source)
            scored = []
            for pos, meta, src in candidates:
                if pos in used:
                    continue
                if pos not in names:
                    names[pos] = defined_names(src)
                if wanted & names[pos]:
                    scored.append((len(wanted & names[pos]), -abs(pos - index * scale), pos, meta, src))
            if scored:
                best = max(scored, key=lambda s: s[:3])
                chosen = best[2:]
                how = f"its content (it defines {', '.join(sorted(wanted & names[best[2]]))})"
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


def _code_candidates(cells) -> list[tuple[int, dict | None, str]]:
    candidates = []
    for i, cell in enumerate(cells):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = _text(cell.get("source"))
            if source is not None:
                candidates.append((i, _meta(cell) or None, source))
    return candidates


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:200] if str(exc).strip() else ""
    said = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return f"nested too deep to parse: {said}" if isinstance(exc, DEPTH_ERRORS) else said


def _too_big(size: int, release) -> tuple[object, list[str]]:
    return _rebuild(release, [], f"the notebook was not read: it is {size / 2**20:.0f} MB, "
                                 f"more than the {MAX_BYTES // 2**20} MB a submission may be")


def read_submission_file(path, release) -> tuple[object, list[str]]:
    """:func:`read_submission` of a file (one larger than :data:`MAX_BYTES` is not read).

    Raises ``OSError`` only when the file cannot be read at all, or is not a regular file
    (a folder; a pipe or a device, which would block or never end, is never opened).
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file (a folder, a pipe or a device)", str(path))
    size = info.st_size
    if size > MAX_BYTES:
        return _too_big(size, release)
    with open(path, "rb") as f:
        return read_submission(f.read(MAX_BYTES + 1), release)


def read_submission(raw: bytes, release) -> tuple[object, list[str]]:
    """The notebook to grade (an nbformat v4 node) and the repairs made (empty if none).

    Never raises: a submission nothing can be read from is the release notebook, unanswered,
    with the reason as its first repair.
    """
    if len(raw) > MAX_BYTES:
        return _too_big(len(raw), release)
    text = raw.decode("utf-8", errors="replace")
    try:
        with warnings.catch_warnings():  # a duplicated cell id, say: repaired below, and reported
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4, capture_validation_error={})
        if not isinstance(nb.get("cells"), list) or not all(isinstance(c, dict) for c in nb.cells):
            raise ValueError("its cells are not a list of cells")
        if not isinstance(nb.get("metadata"), dict):
            raise ValueError("its metadata is not a mapping")
    except (Exception, *DEPTH_ERRORS) as exc:  # noqa: BLE001 - not JSON, not a notebook, or nested too deep
        try:
            candidates = [(i, None, s) for i, s in enumerate(recover_sources(text))]
        except (Exception, *DEPTH_ERRORS):  # noqa: BLE001 - nothing can be recovered
            candidates = []
        return _rebuild(release, candidates, f"the notebook could not be read ({_first_line(exc)})")
    nb.metadata.pop(METADATA_KEY, None)
    try:
        why = _why_not_intact(nb, release)
    except (Exception, *DEPTH_ERRORS) as exc:  # noqa: BLE001 - metadata too odd even to compare
        why = f"the notebook could not be checked ({_first_line(exc)})"
    if why is None:
        return nb, []
    try:
        candidates = _code_candidates(nb.cells)
    except (Exception, *DEPTH_ERRORS):  # noqa: BLE001
        candidates = []
    return _rebuild(release, candidates, why)
