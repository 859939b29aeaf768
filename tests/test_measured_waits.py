"""The README quotes the last measurement of the two waits (the book command and CI, each
from a fresh clone: benchmarks/fresh_clone.py, recorded in benchmarks/fresh-clone.json)
with the machine it was made on; the instructor guide's page reads the same record. The
times are quoted, never asserted: after measuring again, write the sentence this test
prints into the README."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "benchmarks" / "fresh-clone.json"


def readme_sentence(record: dict) -> str:
    machine, took = record["machine"], {r["target"]: r for r in record["results"]}
    return (f"Measured with `python3 benchmarks/fresh_clone.py` on {record['date']}, each command "
            f"from a fresh clone with the package caches warm (uv's, pip's, npm's), on {machine['cores']} cores ({machine['cpu']}, "
            f"{machine['memory']}): `bash scripts/build-book.sh` took "
            f"{took['book']['wall_s'] / 60:.1f} minutes, install included, and `.ci/run` "
            f"{took['ci']['wall_s'] / 60:.1f} minutes (load average {took['book']['load_before'][0]:.1f} "
            f"and {took['ci']['load_before'][0]:.1f} when they began; CPU time "
            f"{took['book']['cpu_s'] / 60:.1f} and {took['ci']['cpu_s'] / 60:.1f} minutes).")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_record_has_both_waits_and_the_machine():
    """Both commands ran to their end: the build succeeded, and pytest ran every test (a
    failing assertion costs no time; a run stopped early would be no timing)."""
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    took = {r["target"]: r for r in record["results"]}
    assert set(took) == {"book", "ci"}
    assert all(r["wall_s"] > 0 and r["cpu_s"] > 0 and len(r["load_before"]) == 3 for r in took.values())
    assert took["book"]["exit"] == 0, "the book command failed: its time is no timing"
    assert re.fullmatch(r"(\d+ failed, )?\d+ passed", took["ci"]["pytest"]), took["ci"]["pytest"]
    assert record["machine"]["cores"] and record["machine"]["cpu"] and record["date"]


def test_the_readme_quotes_the_last_measurement():
    sentence = readme_sentence(json.loads(RECORD.read_text(encoding="utf-8")))
    readme = squash((ROOT / "README.md").read_text(encoding="utf-8"))
    assert squash(sentence) in readme, f"the README should say, under `.ci/run`:\n{sentence}"


def test_the_instructor_guide_reads_the_record():
    page = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    assert '"../benchmarks/fresh-clone.json"' in page and "wall_s" in page
