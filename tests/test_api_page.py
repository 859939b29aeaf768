"""Book and code stay linked: the API page documents the whole package, and every page links
the API entry of each package function it uses (the build, with -n -W, checks that the
links resolve)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import jupytext
import pytest

import rnn_course

ROOT = Path(__file__).resolve().parents[1]
API = (ROOT / "book" / "api.md").read_text(encoding="utf-8")
PAGES = sorted(p for p in (ROOT / "book").rglob("*.md")
               if "_offline" not in p.parts and p.name != "api.md")
#: Pages another change is rewriting; they get their API links with that change.
LINKS_PENDING: set[str] = set()
DIRECTIVE = re.compile(r"^\.\. auto(?:function|class|exception|data|module):: ([\w.]+)", re.M)
LINK = re.compile(r"\{py:\w+\}`~?([\w.]+)`")


def documented() -> set[str]:
    return set(DIRECTIVE.findall(API))


def modules() -> list[str]:
    names = ["rnn_course"]
    for info in pkgutil.walk_packages(rnn_course.__path__, "rnn_course."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            names.append(info.name)
    return names


def public_definitions(module_name: str):
    """(name, object) of the public functions and classes defined in a module."""
    module = importlib.import_module(module_name)
    for name, obj in vars(module).items():
        if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj)) \
                and obj.__module__ == module_name:
            yield name, obj


def api_name(module_name: str, name: str, obj) -> str:
    """The name an object is documented under: the top level's when it is exported there."""
    if name in rnn_course.__all__ and getattr(rnn_course, name) is obj:
        return f"rnn_course.{name}"
    if module_name.startswith("rnn_course.checks.") and name.startswith("check_"):
        return f"rnn_course.checks.{name}"
    return f"{module_name}.{name}"


def test_the_api_page_documents_every_module():
    missing = sorted(set(modules()) - documented())
    assert not missing, f"book/api.md has no automodule for {missing}"


def test_the_api_page_documents_every_public_name():
    want = {f"rnn_course.{name}" for name in rnn_course.__all__}
    for module_name in modules():
        want |= {api_name(module_name, n, o) for n, o in public_definitions(module_name)}
    missing = sorted(want - documented())
    assert not missing, f"book/api.md does not document {missing}"


def package_names_used(page: Path) -> set[str]:
    """The API names of the package functions a page's code uses (``rc.x``, ``from ... import x``)."""
    found = set()
    for cell in jupytext.read(page).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        tree = ast.parse(source)
        aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                   for a in node.names if a.name == "rnn_course"}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnn_course"):
                module = importlib.import_module(node.module)
                for a in node.names:
                    obj = getattr(module, a.name)
                    found.add(api_name(getattr(obj, "__module__", node.module), a.name, obj))
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in aliases and not node.attr.startswith("_"):
                found.add(f"rnn_course.{node.attr}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_page_links_the_package_functions_it_uses(page):
    rel = page.relative_to(ROOT).as_posix()
    if rel in LINKS_PENDING:
        pytest.skip("this page is being rewritten; its API links come with that change")
    linked = set(LINK.findall(page.read_text(encoding="utf-8")))
    unlinked = sorted(package_names_used(page) - linked)
    assert not unlinked, f"{rel} uses {unlinked} without linking their API entries ({{py:func}}`...`)"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_every_api_entry_links_to_its_source(built_html):
    """d2l's "Defined in": the API page links each function to its highlighted source."""
    page = (built_html / "book" / "api.html").read_text(encoding="utf-8")
    for module in ("rnn_course/layers/rnn", "rnn_course/layers/by_steps", "rnn_course/grading/replies"):
        assert f"_modules/{module}.html" in page, module
        assert (built_html / "_modules" / f"{module}.html").is_file(), module
