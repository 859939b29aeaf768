"""Every claim a page asserts holds on other machines, not just this one.

A page's assertions are its claims (the prose is glued from the numbers the page
computes). This module runs every page once more, in conditions that change what a
result can depend on by accident, and requires every assertion to hold there too:

- ``perturbed``: another OpenBLAS kernel (``OPENBLAS_CORETYPE=Sandybridge``, Prescott on a
  processor without AVX: no FMA, so the last bits of every matrix product differ from the
  build's), and every integer seed given to ``numpy.random.default_rng`` replaced by another
  one (the same integer mixed with a fixed salt), so initial weights, data and batches all
  change; one BLAS thread (the runs go side by side, more threads would oversubscribe the
  cores). The configurations are defined in tests/page_runs.py.

A chaotic outcome (a run that overflows in one setting and not in the next) or a result
true for one seed only fails here, with the page and the failing assertion named. The
build (``test_book.py``) runs every page once more, in the default setting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from page_runs import PageFailed, pages, run

ROOT = Path(__file__).resolve().parents[1]
#: Each page runs twice in all: in the build (this machine's kernel, the pages' own seeds)
#: and here. The variant changes both the rounding and the seeds: a claim that holds only by
#: the luck of one seed or one kernel's last bits fails in it. (The runs are shared through
#: tests/page_runs.py: scripts/test.sh makes them all first, on every core.)
VARIANTS = ("perturbed",)
PAGES = pages("perturbed")


def ids(paths):
    return [p.relative_to(ROOT).as_posix() for p in paths]


def executed(page: Path, configuration: str):
    """The page run in the configuration; a failing cell fails the test with its traceback."""
    try:
        return run(page, configuration)
    except PageFailed as failure:
        pytest.fail(str(failure), pytrace=False)


def shown(nb) -> str:
    """Everything a page shows (text, Markdown, HTML outputs)."""
    return "\n".join(out.get("text", "") + out.get("data", {}).get("text/markdown", "")
                     + out.get("data", {}).get("text/plain", "") + out.get("data", {}).get("text/html", "")
                     for cell in nb.cells for out in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("page", PAGES, ids=ids(PAGES))
def test_page_claims_hold(page, variant):
    nb = executed(page, variant)
    # the build turns anything written to stderr into a warning (and -W into an error)
    stderr = [out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", [])
              if out.get("output_type") == "stream" and out.get("name") == "stderr"]
    assert not stderr, f"{page.relative_to(ROOT)} writes to stderr: {stderr}"


TORCH_PAGES = pages("no-torch")  # the pages with "import torch"


@pytest.mark.slow
@pytest.mark.parametrize("page", TORCH_PAGES, ids=ids(TORCH_PAGES))
def test_pages_comparing_with_torch_claim_nothing_without_it(page):
    """Built without PyTorch, a comparison page says the comparison was not run and
    prints no agreement (and claims none: no 'nan' where a number would be)."""
    text = shown(executed(page, "no-torch"))
    assert "comparison above was not run" in text
    assert "agree" not in text.lower() and "nan" not in text.split()


def test_some_pages_compare_with_torch():
    assert len(TORCH_PAGES) >= 2, TORCH_PAGES


SPEECH_PAGES = pages("no-debian")  # the pages that call missing_debian_packages()


@pytest.mark.slow
@pytest.mark.parametrize("page", SPEECH_PAGES, ids=ids(SPEECH_PAGES))
def test_speech_pages_claim_nothing_without_the_debian_packages(page):
    """Built without espeak-ng and the asterisk recordings, a speech page runs, names the
    Debian packages to install, and shows no result (no accuracy, no figure, no player)."""
    text = shown(executed(page, "no-debian"))
    assert "apt-get install espeak-ng asterisk-core-sounds-en-wav" in text
    assert "claims nothing" in text
    for result in ("held-out", "Allison", "<audio", "glue:figure", "%"):
        assert result not in text, f"{page.name} shows {result!r} without its data"


def test_the_speech_page_is_tested_without_its_packages():
    assert SPEECH_PAGES, "no page calls missing_debian_packages()"
