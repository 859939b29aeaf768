"""Every named mistake is named in hidden mode, whatever the draw.

Hidden checks draw fresh random inputs, so a diagnosis that holds only for some draws fails
now and then (a clipping check once called "only the upper bound" "nothing was clipped" when
an array happened to have no entry above c). Here every table of mistakes of the check tests
(``MISTAKE_TABLES`` in each ``test_checks*.py``) runs in hidden mode over :data:`DRAWS` fresh
draws, and every message must still name its mistake. A guard makes sure no table is left out.
"""

from __future__ import annotations

import importlib
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from rnn_course.checks import FeedbackError

DRAWS = 50
MODULES = sorted(p.stem for p in Path(__file__).parent.glob("test_checks*.py") if p.stem != Path(__file__).stem)


def tables():
    for name in MODULES:
        module = importlib.import_module(name)
        for table, run in module.MISTAKE_TABLES:
            for message, wrong in table.items():
                yield pytest.param(message, wrong, run, id=f"{name}:{message[:50]}")


@pytest.mark.parametrize("name", MODULES)
def test_every_table_of_mistakes_is_registered(name):
    module = importlib.import_module(name)
    registered = [id(table) for table, _ in module.MISTAKE_TABLES]
    tables_here = [k for k, v in vars(module).items() if k.endswith("_MISTAKES") and isinstance(v, dict)]
    missing = [k for k in tables_here if id(vars(module)[k]) not in registered]
    assert not missing, f"{name}: add {missing} to MISTAKE_TABLES"


@pytest.mark.parametrize("message, wrong, run", list(tables()))
def test_the_mistake_is_named_in_every_hidden_draw(message, wrong, run):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for draw in range(DRAWS):
            try:
                run(message, wrong, True)
            except FeedbackError as exc:
                assert re.search(message, str(exc)), f"draw {draw}: {str(exc)!r} does not match {message!r}"
            else:
                pytest.fail(f"draw {draw}: the mistake passed the hidden check")
