"""In Jupyter a failing check shows the learner's own lines and the message, never the
checks' source; as nbgrader runs notebooks (``%xmode Minimal``) it shows the message only."""

from __future__ import annotations

import re

import nbformat
import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")

CELLS = [
    "import numpy as np\n"
    "from rnn_course.checks import check_rnn_cell_forward_values, check_rnn_forward_values",
    # 1. a wrong value
    "def rnn_cell_forward(x_t, h_prev, params):\n"
    "    h_t = np.tanh(h_prev @ params['W_h'].T + x_t @ params['W_x'].T)  # no bias\n"
    "    return h_t, {'x_t': x_t, 'h_prev': h_prev, 'h_t': h_t, 'W_x': params['W_x'], 'W_h': params['W_h']}",
    "check_rnn_cell_forward_values(rnn_cell_forward)",
    # 2. a crash inside the learner's function
    "def crashing_cell(x_t, h_prev, params):\n"
    "    h_t = np.tanh(h_prev @ params['W_h'].T + x_t @ params['W_x'] + params['b_h'])  # LEARNER LINE\n"
    "    return h_t, {}",
    "check_rnn_cell_forward_values(crashing_cell)",
    # 3. a sequence built on the crashing cell
    "def rnn_forward(X, h0, params):\n"
    "    h, hs, caches = h0, [], []\n"
    "    for k in range(X.shape[0]):\n"
    "        h, c = crashing_cell(X[k], h, params)\n"
    "        hs.append(h)\n"
    "        caches.append(c)\n"
    "    return np.stack(hs), caches",
    "check_rnn_forward_values(rnn_forward, cell=crashing_cell)",
]


def errors(nb) -> list[str]:
    return [ANSI.sub("", "\n".join(out.traceback)) for cell in nb.cells
            for out in cell.get("outputs", []) if out.output_type == "error"]


def run(execute_notebook, tmp_path, first=()):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in [*first, *CELLS]])
    return errors(execute_notebook(nb, tmp_path, allow_errors=True))


@pytest.mark.slow
def test_a_failing_check_shows_the_learners_lines_and_the_message(execute_notebook, tmp_path):
    wrong, crash, sequence = run(execute_notebook, tmp_path)
    for shown in (wrong, crash, sequence):
        assert "rnn_course/checks" not in shown and "contextlib" not in shown and "call_learner" not in shown
        assert "skipping hidden" not in shown
    assert "----> 1 check_rnn_cell_forward_values(rnn_cell_forward)" in wrong
    assert "FeedbackError: rnn_cell_forward: the bias b_h is missing." in wrong
    assert "# LEARNER LINE" in crash and "FeedbackError: rnn_cell_forward raised ValueError" in crash
    assert "W_x is (5, 3) (rows are outputs)" in crash
    assert "# LEARNER LINE" in sequence
    assert "FeedbackError: rnn_forward: your rnn_cell_forward is wrong; fix Part 1 first." in sequence
    assert "During handling" not in sequence


@pytest.mark.slow
def test_as_nbgrader_runs_it_only_the_message_is_shown(execute_notebook, tmp_path):
    wrong, crash, sequence = run(execute_notebook, tmp_path, first=["%xmode Minimal"])
    assert wrong.splitlines()[0] == "FeedbackError: rnn_cell_forward: the bias b_h is missing."
    assert crash.startswith("FeedbackError: rnn_cell_forward raised ValueError: a matrix product did not fit.")
    assert "LEARNER LINE" not in crash
    assert sequence.startswith("FeedbackError: rnn_forward: your rnn_cell_forward is wrong; fix Part 1 first.")
    for shown in (wrong, crash, sequence):
        assert all(len(line) <= 80 for line in shown.splitlines()[1:]), shown
