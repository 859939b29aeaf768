"""Every claim a page asserts holds on other machines, not just this one.

A page's assertions are its claims (the prose is glued from the numbers the page
computes). This module runs every page once more, in conditions that change what a
result can depend on by accident, and requires every assertion to hold there too:

- ``perturbed``: another OpenBLAS kernel (``OPENBLAS_CORETYPE=Prescott``: no FMA and no
  AVX, so the last bits of every matrix product differ from the build's), and every
  integer seed given to ``numpy.random.default_rng`` replaced by another one (the same
  integer mixed with a fixed salt), so initial weights, data and batches all change; one
  BLAS thread (the tests run beside each other, more threads would oversubscribe the cores).

A chaotic outcome (a run that overflows in one setting and not in the next) or a result
true for one seed only fails here, with the page and the failing assertion named. The
build (``test_book.py``) runs every page once more, in the default setting.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p for p in (ROOT / "book").rglob("*.md")
               if "_offline" not in p.parts and ".ipynb_checkpoints" not in p.parts)

#: Replaces numpy.random.default_rng in the kernel: an integer seed s becomes the seed
#: sequence (s, SALT), a different stream for every s, the same on every run.
RESEED = """
import numpy as _np

_default_rng = _np.random.default_rng


def _reseeded(seed=None):
    if isinstance(seed, (int, _np.integer)) and not isinstance(seed, bool):
        seed = _np.random.SeedSequence([int(seed), {salt}])
    return _default_rng(seed)


_np.random.default_rng = _reseeded
"""

#: Each page is executed twice in all: by the build (this machine's kernel, the pages'
#: own seeds) and here. One variant changes both the rounding and the seeds: a claim that
#: holds only by the luck of one seed or one kernel's last bits fails in it.
VARIANTS = {
    "perturbed": ({"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1"}, 20261130),
}


def run_page(page: Path, salt: int | None, execute_notebook) -> nbformat.NotebookNode:
    """Execute a book page in a fresh kernel (with the seeds salted); raise
    CellExecutionError on the first failing cell (a failed assertion included)."""
    nb = jupytext.read(page)
    if salt is not None:
        nb.cells.insert(0, nbformat.v4.new_code_cell(RESEED.format(salt=salt)))
    return execute_notebook(nb, page.parent, timeout=300)


def shown_with_prelude(page: Path, prelude: str, execute_notebook) -> str:
    """Everything a page shows (text, Markdown, HTML outputs) when run after ``prelude``."""
    nb = jupytext.read(page)
    nb.cells.insert(0, nbformat.v4.new_code_cell(prelude))
    execute_notebook(nb, page.parent, timeout=300)
    return "\n".join(out.get("text", "") + out.get("data", {}).get("text/markdown", "")
                     + out.get("data", {}).get("text/plain", "") + out.get("data", {}).get("text/html", "")
                     for cell in nb.cells for out in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_page_claims_hold(page, variant, execute_notebook, monkeypatch):
    env, salt = VARIANTS[variant]
    for name, value in env.items():  # the kernel inherits them; undone after the test
        monkeypatch.setenv(name, value)
    nb = run_page(page, salt, execute_notebook)
    # the build turns anything written to stderr into a warning (and -W into an error)
    stderr = [out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", [])
              if out.get("output_type") == "stream" and out.get("name") == "stderr"]
    assert not stderr, f"{page.relative_to(ROOT)} writes to stderr: {stderr}"


TORCH_PAGES = [p for p in PAGES if "import torch" in p.read_text(encoding="utf-8")]
NO_TORCH = "import sys\nsys.modules['torch'] = None  # `import torch` now raises ImportError\n"


@pytest.mark.slow
@pytest.mark.parametrize("page", TORCH_PAGES, ids=[p.relative_to(ROOT).as_posix() for p in TORCH_PAGES])
def test_pages_comparing_with_torch_claim_nothing_without_it(page, execute_notebook):
    """Built without PyTorch, a comparison page says the comparison was not run and
    prints no agreement (and claims none: no 'nan' where a number would be)."""
    shown = shown_with_prelude(page, NO_TORCH, execute_notebook)
    assert "comparison above was not run" in shown
    assert "agree" not in shown.lower() and "nan" not in shown.split()


def test_some_pages_compare_with_torch():
    assert len(TORCH_PAGES) >= 2, TORCH_PAGES


SPEECH_PAGES = [p for p in PAGES if "missing_debian_packages()" in p.read_text(encoding="utf-8")]
NO_DEBIAN = ("import os\nos.environ['RNN_COURSE_ESPEAK_NG'] = '/nonexistent/espeak-ng'\n"
             "os.environ['RNN_COURSE_ASTERISK_DIGITS'] = '/nonexistent'\n")


@pytest.mark.slow
@pytest.mark.parametrize("page", SPEECH_PAGES, ids=[p.relative_to(ROOT).as_posix() for p in SPEECH_PAGES])
def test_speech_pages_claim_nothing_without_the_debian_packages(page, execute_notebook):
    """Built without espeak-ng and the asterisk recordings, a speech page runs, names the
    Debian packages to install, and shows no result (no accuracy, no figure, no player)."""
    shown = shown_with_prelude(page, NO_DEBIAN, execute_notebook)
    assert "apt-get install espeak-ng asterisk-core-sounds-en-wav" in shown
    assert "claims nothing" in shown
    for result in ("held-out", "Allison", "<audio", "glue:figure", "%"):
        assert result not in shown, f"{page.name} shows {result!r} without its data"


def test_the_speech_page_is_tested_without_its_packages():
    assert SPEECH_PAGES, "no page calls missing_debian_packages()"
