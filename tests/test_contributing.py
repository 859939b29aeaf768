"""CONTRIBUTING.md stays true: what it names exists, and every exercise, application and
layer in the repository passes its checklist there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import rnn_course
from rnn_course.layers import by_steps, pytorch

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
TOC = (ROOT / "_toc.yml").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXERCISES = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
APPLICATIONS = sorted(p.stem for p in (ROOT / "book" / "06-applications").glob("*.md") if p.stem != "index")
# the recurrent layers: a module of rnn_course.layers with a cell forward named after it
LAYERS = sorted(p.stem for p in (ROOT / "rnn_course" / "layers").glob("*.py")
                if hasattr(rnn_course, f"{p.stem}_cell_forward"))
TESTS = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")}


def _named_paths() -> list[str]:
    """Every `path` in backticks that names a file or folder of the repository (no placeholder)."""
    found = set()
    for token in re.findall(r"`([^`\s]+)`", GUIDE):
        token = token.split("::")[0]
        if "<" in token or "NN" in token or not re.search(r"/|\.(py|md|yml|toml|sh|bib|json)$", token):
            continue
        found.add(token)
    return sorted(found)


def _named_tests() -> list[str]:
    return sorted(set(re.findall(r"`(tests/test_\w+\.py::test_\w+)`", GUIDE)))


def test_the_guide_names_paths_and_tests():
    assert len(_named_paths()) > 20 and len(_named_tests()) >= 3


@pytest.mark.parametrize("path", _named_paths())
def test_every_path_the_guide_names_exists(path):
    # a bare module name (in the table's rows) is a module of the package
    bare = path.rstrip("/")
    found = (ROOT / path).exists() or ("/" not in bare and any((ROOT / "rnn_course").rglob(bare)))
    assert found, f"CONTRIBUTING.md names `{path}`, which is not in the repository"


@pytest.mark.parametrize("name", _named_tests())
def test_every_test_the_guide_names_exists(name):
    file, test = name.split("::")
    assert re.search(rf"^def {test}\(", TESTS.get(Path(file).name, ""), re.MULTILINE), \
        f"CONTRIBUTING.md names {name}, which does not exist"


def _code_of(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_exercise_passes_its_checklist(exercise):
    source = ROOT / "solutions" / exercise / f"{exercise}.ipynb"
    assert source.is_file(), f"the nbgrader source must be {source.relative_to(ROOT)}"
    assert (ROOT / "exercises" / exercise / f"{exercise}.ipynb").is_file(), \
        f"{exercise}: run scripts/generate-exercises.sh and commit exercises/{exercise}/"
    assert f"exercises/{exercise}/{exercise}" in TOC, f"{exercise}: add it to the Exercises part of _toc.yml"
    assert re.search(rf"^\| `{exercise}` \|", README, re.MULTILINE), f"{exercise}: add a row to the README's table"
    code = _code_of(source)
    subpackages = set(re.findall(r"from rnn_course\.checks(?:\.(\w+))? import", code))
    assert len(subpackages) == 1 and "" not in subpackages, \
        f"{exercise} imports checks from {sorted(subpackages)}: one subpackage, rnn_course.checks.<topic>"
    topic = subpackages.pop()
    package = __import__(f"rnn_course.checks.{topic}", fromlist=["__all__"])
    called = set(re.findall(r"\b(check_\w+)\(", code))
    missing = sorted(called - set(getattr(package, "__all__", ())))
    assert called and not missing, f"{exercise}: rnn_course.checks.{topic} must re-export {missing}"
    tabled = {c for c in called for text in TESTS.values() if "MISTAKE_TABLES" in text and re.search(rf"\b{c}\b", text)}
    assert tabled, f"{exercise}: a table of mistakes for its checks in tests/test_checks_<topic>.py, in MISTAKE_TABLES"


@pytest.mark.parametrize("page", APPLICATIONS)
def test_every_application_passes_its_checklist(page):
    text = (ROOT / "book" / "06-applications" / f"{page}.md").read_text(encoding="utf-8")
    index = (ROOT / "book" / "06-applications" / "index.md").read_text(encoding="utf-8")
    assert f"book/06-applications/{page}" in TOC, f"{page}: add it under chapter 6 in _toc.yml"
    assert re.search(rf"\{{(doc|ref)\}}`[^`]*{re.escape(page)}`", index), \
        f"{page}: add a line for it in book/06-applications/index.md"
    tasks = set(re.findall(r"rnn_course\.tasks\.(\w+)", text)) | {
        name for line in re.findall(r"from rnn_course\.tasks import ([\w, ]+)", text) for name in line.split(", ")}
    assert tasks, f"{page}: its task belongs in rnn_course/tasks/, imported by the page"
    untested = sorted(t for t in tasks if not any(re.search(rf"\btasks\b.*\b{t}\b", s) for s in TESTS.values()))
    assert not untested, f"{page}: no test imports rnn_course.tasks.{untested}"


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_passes_its_checklist(layer):
    names = [f"{layer}_cell_forward", f"{layer}_cell_backward", f"{layer}_forward", f"{layer}_backward"]
    missing = [n for n in names if not hasattr(rnn_course, n)]
    assert not missing, f"{layer}: re-export {missing} in rnn_course/__init__.py"
    readable = [f"{layer}_forward_by_steps", f"{layer}_backward_by_steps"]
    assert all(hasattr(by_steps, n) for n in readable), f"{layer}: add {readable} to rnn_course/layers/by_steps.py"
    fused = getattr(rnn_course, f"{layer}_forward").__doc__ or ""
    assert readable[0] in fused, f"{layer}_forward's docstring must name its readable twin {readable[0]}"
    assert f"test_{layer}.py" in TESTS and re.search(r"numerical_gradient|\bfd\(", TESTS[f"test_{layer}.py"]), \
        f"{layer}: finite differences of every parameter in tests/test_{layer}.py"
    assert readable[0] in TESTS.get("test_by_steps.py", ""), f"{layer}: compare {readable[0]} in tests/test_by_steps.py"
    assert f"test_{layer}_torch.py" in TESTS, f"{layer}: a PyTorch cross-check in tests/test_{layer}_torch.py"
    assert any(n.startswith(f"{layer}_") and n.endswith("_to_torch") for n in vars(pytorch)), \
        f"{layer}: a converter in rnn_course/layers/pytorch.py"
