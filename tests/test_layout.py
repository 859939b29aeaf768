"""The package's layout: layers import only the ones below them, modules stay small, and the
top level stays light (no matplotlib, ipywidgets or tqdm until a figure or a bar is asked for)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnn_course"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 400

#: What each part of the package may import from rnn_course (besides itself).
ALLOWED = {
    "_validate": set(),
    "_arrays": {"_validate"},
    "layers": {"_validate", "_arrays"},
    "training": {"layers", "_validate", "_arrays"},
    "tasks": {"training", "layers", "_validate", "_arrays"},
    "book": {"tasks", "training", "layers", "_validate", "_arrays"},
    "checks": {"training", "layers", "_validate", "_arrays"},
    "grading": {"layers", "_validate", "_arrays"},
    "lab": set(),
    "perf": {"tasks", "training", "layers", "_validate", "_arrays"},
}


def part(module: Path) -> str:
    rel = module.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def imported_parts(module: Path) -> set[str]:
    """The parts of rnn_course that ``module`` imports (relative or absolute imports)."""
    package = module.relative_to(ROOT).with_suffix("").parts[:-1]
    if module.name == "__init__.py":
        package = module.relative_to(ROOT).parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
            else:
                target = (node.module or "").split(".")
            names = [target] if len(target) > 1 else [[*target, a.name] for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        else:
            continue
        for name in names:
            if name[0] == "rnn_course":  # a bare `import rnn_course` is the top level, which imports all
                found.add(name[1] if len(name) > 1 else "rnn_course")
    return found


@pytest.mark.parametrize("module", MODULES, ids=[str(m.relative_to(ROOT)) for m in MODULES])
def test_module_is_small(module):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module.relative_to(ROOT)} has {lines} lines: split it by what it holds"


@pytest.mark.parametrize("module", [m for m in MODULES if m.parent != PACKAGE or m.name != "__init__.py"],
                         ids=lambda m: str(m.relative_to(ROOT)))
def test_module_imports_only_the_layers_below(module):
    own = part(module)
    upward = imported_parts(module) - ALLOWED[own] - {own}
    assert not upward, f"{module.relative_to(ROOT)} ({own}) imports {sorted(upward)}, which is not below it"


def test_the_top_level_re_exports_without_book_or_checks():
    assert imported_parts(PACKAGE / "__init__.py") <= {"layers", "training", "tasks"}


def test_importing_the_package_stays_light():
    code = ("import sys, rnn_course; rnn_course.fit; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'tqdm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import rnn_course loads {out.stdout.strip()}"


def test_every_module_names_the_book_section_it_serves():
    missing = []
    for module in MODULES:
        if module.name == "__init__.py" or part(module) in ("_validate", "_arrays"):
            continue
        doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or ""
        serves = ("Book:" in doc or doc.startswith("Chapter")  # a section, or a chapter's figures
                  or (part(module) == "checks" and "ex0" in doc))  # the checks: their exercise
        if not serves:
            missing.append(str(module.relative_to(ROOT)))
    assert not missing, f"module docstrings that do not say which part of the book they serve: {missing}"


def test_a_bare_import_of_the_package_counts_as_the_top_level(tmp_path):
    module = PACKAGE / "layers" / "_probe.py"
    try:
        module.write_text("import rnn_course\n")
        assert "rnn_course" in imported_parts(module)
    finally:
        module.unlink()


PACKAGES = sorted({p.parent for p in MODULES if p.name == "__init__.py"})


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_is_named_in_its_package_map(package):
    """A package's docstring lists what lives in it: every module and subpackage, by its
    dotted name (``:mod:`~rnn_course.x.y```) or, for a private one, as ````_name````."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
    dotted = ".".join(package.relative_to(ROOT).parts)
    members = [p.stem for p in package.glob("*.py") if p.stem not in ("__init__", "__main__")]
    members += [p.name for p in package.iterdir() if (p / "__init__.py").exists()]
    missing = [m for m in members if f"{dotted}.{m}" not in doc and f"``{m}``" not in doc]
    assert not missing, f"{dotted}'s docstring does not name {missing}"
