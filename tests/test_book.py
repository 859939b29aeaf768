"""The book: the whole book builds with warnings as errors (which executes every page:
a failing cell or anything written to stderr fails the build), and the built HTML reads
offline (no remote scripts or stylesheets; MathJax and the widget JavaScript it points at
exist in the build). test_book_robust.py runs every page again in other settings.

Tests that start kernels or build the book are marked slow.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import jupytext
import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]

#: One worker runs this module's tests (its session or module fixtures are built once).
pytestmark = pytest.mark.xdist_group("book")

PAGES = sorted((ROOT / "book").rglob("*.md"))
PAGES = [p for p in PAGES if "_offline" not in p.parts and ".ipynb_checkpoints" not in p.parts]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def toc_files() -> list[str]:
    """Every `file:` entry of _toc.yml (root included), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", f) for f in files]


# --------------------------------------------------------------------------------------
# structure (fast)


def test_every_page_is_in_the_toc_and_every_toc_entry_exists():
    listed = toc_files()
    pages = {rel(p)[: -len(".md")] for p in PAGES}
    assert pages, "no book/**/*.md pages found"
    missing_from_toc = sorted(pages - set(listed))
    assert not missing_from_toc, f"pages not listed in _toc.yml (never built): {missing_from_toc}"
    for entry in listed:
        candidates = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb")]
        assert any(c.is_file() for c in candidates), f"_toc.yml lists {entry!r}, which does not exist"


@pytest.mark.parametrize("page", PAGES, ids=[rel(p) for p in PAGES])
def test_page_is_a_myst_notebook_with_python3_kernel(page):
    nb = jupytext.read(page)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{rel(page)}: the jupytext front matter must set kernelspec name: python3"
    )
    assert nb.metadata.get("jupytext", {}).get("text_representation", {}).get("format_name") == "myst"


def test_offline_javascript_is_pinned_and_configured_locally():
    """package.json pins exact versions; _config.yml points MathJax and widgets at local copies."""
    import json

    deps = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for name in ("mathjax", "requirejs", "@jupyter-widgets/html-manager"):
        assert re.fullmatch(r"\d+\.\d+\.\d+", deps[name]), f"{name} must be pinned exactly, got {deps[name]}"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/mathjax"]["version"] == deps["mathjax"]

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert "://" not in config["mathjax_path"]
    assert config["nb_ipywidgets_js"], "nb_ipywidgets_js must list the local require.js and embed-amd.js"
    for path in config["nb_ipywidgets_js"]:
        assert "://" not in path, f"nb_ipywidgets_js loads {path} from the network"
    assert "_static" not in config["html_static_path"]


def test_plot_unrolled_rnn_draws_one_cell_per_step():
    import matplotlib.pyplot as plt

    from rnn_course.book.recurrence import plot_unrolled_rnn

    for T in (1, 3, 5):
        fig = plot_unrolled_rnn(T=T)
        gids = [p.get_gid() for p in fig.axes[0].patches if p.get_gid()]
        assert sorted(g for g in gids if g.startswith("cell-")) == sorted(f"cell-{t}" for t in range(1, T + 1))
        assert "folded-cell" in gids
        texts = {t.get_text() for t in fig.axes[0].texts}
        assert {r"$h_0$", rf"$x_{{{T}}}$", rf"$o_{{{T}}}$", rf"$h_{{{T}}}$"} <= texts
        plt.close(fig)
    fig = plot_unrolled_rnn(T=2, folded=False, outputs=False)
    assert "folded-cell" not in [p.get_gid() for p in fig.axes[0].patches]
    assert not any(t.get_text().startswith("$o_") for t in fig.axes[0].texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="T must be"):
        plot_unrolled_rnn(T=0)


# --------------------------------------------------------------------------------------
# Every page runs top to bottom in the build below (the default setting), and twice more
# in test_book_robust.py (another BLAS kernel; other seeds), each page a test of its own.


# --------------------------------------------------------------------------------------
# the whole book, built once per test session (the `built_html` fixture of conftest.py,
# shared with test_browser.py)


def html_pages(html: Path) -> list[Path]:
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.parts)


TAG = re.compile(r"<(script|link)\b[^>]*>", re.IGNORECASE)
ATTR = re.compile(r'\b(src|href)\s*=\s*["\']([^"\']*)["\']', re.IGNORECASE)
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)


def local_assets(page: Path) -> list[tuple[str, str]]:
    """(tag, url) for every script src and link href on a page."""
    found = []
    for match in TAG.finditer(page.read_text(encoding="utf-8")):
        for _, url in ATTR.findall(match.group(0)):
            found.append((match.group(0), url))
    return found


def resolve(page: Path, url: str) -> Path:
    return (page.parent / urlsplit(url).path).resolve()


@pytest.mark.slow
def test_book_builds_every_toc_page(built_html):
    for entry in toc_files():
        assert (built_html / f"{entry}.html").is_file(), f"{entry}.html was not built"
    assert (built_html / "searchindex.js").is_file()


@pytest.mark.slow
def test_built_html_loads_nothing_from_the_network(built_html):
    pages = html_pages(built_html)
    assert len(pages) >= len(toc_files())
    problems = []
    for page in pages:
        for tag, url in local_assets(page):
            is_script = tag.lower().startswith("<script")
            is_stylesheet_or_preload = re.search(r'rel\s*=\s*["\'](stylesheet|preload|modulepreload)', tag, re.I)
            if (is_script or is_stylesheet_or_preload) and REMOTE.match(url):
                problems.append(f"{page.relative_to(built_html)}: {tag}")
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"@import\s+url\(\s*['\"]?(https?:)?//[^)]*\)", text):
            problems.append(f"{page.relative_to(built_html)}: {m.group(0)}")
    for css in (built_html / "_static").rglob("*.css"):
        for m in re.finditer(r"@import\s+url\(\s*['\"]?(https?:)?//[^)]*\)", css.read_text(errors="ignore")):
            problems.append(f"{css.relative_to(built_html)}: {m.group(0)}")
    assert not problems, "remote scripts/stylesheets in the built book:\n" + "\n".join(problems)


@pytest.mark.slow
def test_local_scripts_and_stylesheets_exist(built_html):
    missing = []
    for page in html_pages(built_html):
        for tag, url in local_assets(page):
            is_asset = tag.lower().startswith("<script") or re.search(r'rel\s*=\s*["\']stylesheet', tag, re.I)
            if is_asset and not REMOTE.match(url) and not url.startswith(("#", "data:", "mailto:")):
                if not resolve(page, url).is_file():
                    missing.append(f"{page.relative_to(built_html)}: {url}")
    assert not missing, "pages reference files missing from the build:\n" + "\n".join(missing)


@pytest.mark.slow
def test_math_is_rendered_by_the_local_mathjax(built_html):
    page = built_html / "book" / "notation.html"
    mathjax = [url for tag, url in local_assets(page) if "mathjax" in url.lower()]
    assert len(mathjax) == 1, f"expected exactly one MathJax script on the notation page, got {mathjax}"
    script = resolve(page, mathjax[0])
    assert script.name == "tex-chtml.js" and script.is_file()
    assert script.is_relative_to(built_html / "_static")
    # the fonts MathJax loads relative to its own script
    fonts = script.parent / "output" / "chtml" / "fonts" / "woff-v2"
    assert (fonts / "MathJax_Main-Regular.woff").is_file()
    # the maths is in the page for MathJax to typeset
    assert r"W_h h_{t-1}" in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_script_is_on_a_page_once(built_html):
    """Sphinx 7.4 writes an extension's inline scripts twice (sphinx-thebe's ``const
    THEBE_JS_URL`` then throws); book/_ext/course_html.py keeps one of each."""
    repeated = []
    for page in html_pages(built_html):
        scripts = re.findall(r"<script\b[^>]*>.*?</script>", page.read_text(encoding="utf-8"), re.S)
        twice = sorted({s[:90] for s in scripts if scripts.count(s) > 1})
        repeated += [f"{page.relative_to(built_html)}: {s}" for s in twice]
    assert not repeated, "scripts written twice:\n" + "\n".join(repeated)


@pytest.mark.slow
def test_widget_javascript_only_where_a_widget_is_drawn(built_html):
    """The 7 MB widget manager (and the widget state) load only on a page that shows a widget."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    for page in html_pages(built_html):
        text = page.read_text(encoding="utf-8")
        if "application/vnd.jupyter.widget-view+json" in text:
            continue
        urls = [url for _, url in local_assets(page)]
        loaded = [path for path in config["nb_ipywidgets_js"]
                  if any(urlsplit(u).path.endswith(path) for u in urls)]
        assert not loaded, f"{page.relative_to(built_html)} draws no widget but loads {loaded}"
        assert "application/vnd.jupyter.widget-state+json" not in text, (
            f"{page.relative_to(built_html)} draws no widget but embeds a widget state")


@pytest.mark.slow
def test_widget_javascript_is_in_the_build(built_html):
    """Pages with widget snapshots load require.js and the widget manager from _static."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    for path in config["nb_ipywidgets_js"]:
        assert (built_html / "_static" / PurePosixPath(path)).is_file(), f"_static/{path} missing"
    for page in html_pages(built_html):
        text = page.read_text(encoding="utf-8")
        if "application/vnd.jupyter.widget-state+json" in text:
            urls = [url for _, url in local_assets(page)]
            for path in config["nb_ipywidgets_js"]:
                hits = [u for u in urls if urlsplit(u).path.endswith(path)]
                assert hits, f"{page.relative_to(built_html)} has widgets but does not load {path}"
                assert resolve(page, hits[0]).is_file()
