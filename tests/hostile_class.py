"""A hostile class for tests/test_grading_hostile.py: submissions that attack the grader.

Each comes with the score it must get and the problems the report must list. On every
assignment: a harness patched to list the checks as the learner's (so they would be
rebound to no-ops), and a harness that adds a "passed" claim to every reply. On ex01: memory
used up while a cell is defined, children forked past the memory limit, too many processes,
a full ``/tmp`` and an answer cell too large to run, each around right answers. On ex06: a
backward pass that zeroes what its forward pass kept in the cache (the grader's own arrays,
if it did not give private copies), a sampler with a generator of its own, and one that
draws nothing.
"""

from __future__ import annotations

import re

import nbformat

from grading_class import SOLUTION, every, with_answers

CHECK_CALL = re.compile(r"\b(check_\w+)\(")


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _find_harness() -> str:
    return "import gc as _gc\n_H = next(o for o in _gc.get_objects() if type(o).__name__ == 'Harness')\n"


def forged_inspect(checks: list[str]) -> str:
    """List every check as a function of the learner's, defined here as a no-op."""
    return (_find_harness() + f"_NAMES = {checks!r}\n_inspect = _H.op_inspect\n"
            "def _forged(header, blobs):\n"
            "    return _inspect(dict(header, names=list(header.get('names', [])) + _NAMES), blobs)\n"
            "_H.op_inspect = _forged\n"
            "for _n in _NAMES:\n    globals()[_n] = lambda *a, **k: print('\\u2713 passed')\n")


CLAIM_PASSED = (_find_harness() + "_send = _H.send\n"
                "def _claim(header, blobs=()):\n"
                "    if header.get('op') == 'return':\n        header = dict(header, check='passed')\n"
                "    return _send(header, blobs)\n"
                "_H.send = _claim\n")

MEMORY_AT_DEFINITION = "waste = np.ones(4 * 2**30 // 8)  # 4 GiB, over the 1 GiB limit\n"
# The four children are forked at once and each holds its memory for 1.2 s, so that they
# overlap; the cell ends when they have (killed or not), so that no kill comes after the
# cell's end, and well inside the hostile class's 10 s per cell.
FORKS = ("import os as _os, time as _time\n_pids = []\n"
         "for _ in range(4):  # 400 MiB each: under the limit apiece, over it together\n"
         "    _pid = _os.fork()\n"
         "    if _pid == 0:\n        try:\n            _b = bytearray(400 * 2**20)\n"
         "            _time.sleep(1.2)\n        finally:\n            _os._exit(0)\n"
         "    _pids.append(_pid)\n"
         "for _pid in _pids:\n    _os.waitpid(_pid, 0)\n")
FORK_BOMB = ("import os as _os, time as _time\n"
             "try:\n    for _ in range(300):\n        if _os.fork() == 0:\n            _time.sleep(1)\n"
             "            _os._exit(0)\nexcept OSError:\n    pass\n")
FILL_TMP = "with open('/tmp/big', 'wb') as _f:\n    for _ in range(100):\n        _f.write(b'x' * 2**20)\n"

CACHE_MUTATION = '''def classifier_forward(hs, mask, params):
    m = mask[..., None].astype(float)
    logits = (hs * m).sum(axis=0) / m.sum(axis=0) @ params["W_y"].T + params["b_y"]
    return logits, {"hs": hs, "mask": mask, "params": params}


def classifier_backward(dlogits, cache):
    cache["hs"][...] = 0.0  # what the forward pass was given: zero it, then answer for zeros
    cache["params"]["W_y"][...] = 0.0
    m = cache["mask"][..., None].astype(float)
    h_bar = (cache["hs"] * m).sum(axis=0) / m.sum(axis=0)
    grads = {"W_y": dlogits.T @ h_bar, "b_y": dlogits.sum(axis=0)}
    dhs = m * (dlogits @ cache["params"]["W_y"] / m.sum(axis=0))[None]
    return dhs, grads
'''
OWN_TRAIN_STEP = '''def train_step(params, hs, mask, labels, lr, max_norm):
    m = mask[..., None].astype(float)
    h_bar = (hs * m).sum(axis=0) / m.sum(axis=0)
    logits = h_bar @ params["W_y"].T + params["b_y"]
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    B = len(labels)
    loss = -log_p[np.arange(B), labels].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(B), labels] -= 1.0
    dlogits /= B
    grads = {"W_y": dlogits.T @ h_bar, "b_y": dlogits.sum(axis=0)}
    total_norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / total_norm) if total_norm > 0 else 1.0
    for k, g in grads.items():
        params[k] -= lr * scale * g
    return loss, total_norm
'''
SAMPLER = '''def sample_with_temperature(logits, temperature, rng):
    z = logits / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p = p / p.sum(axis=-1, keepdims=True)
    u = {draws}
    return np.minimum((np.cumsum(p, axis=-1) < u[:, None]).sum(axis=-1), p.shape[-1] - 1)
'''
OWN_GENERATOR = SAMPLER.format(draws="np.random.default_rng(1234).random(p.shape[0])")
NO_DRAWS = SAMPLER.format(draws="(np.arange(p.shape[0]) + 0.5) / p.shape[0]")


def build(course, assignments) -> dict:
    """(assignment, student) -> (notebook text, expected score, expected problem kinds)."""
    out = {}
    for a in assignments:
        name = f"{a}.ipynb"
        release = nbformat.read(course / "exercises" / a / name, as_version=4)
        source = nbformat.read(course / "solutions" / a / name, as_version=4)
        sol = {_meta(c)["grade_id"]: SOLUTION.sub("", c.source) for c in source.cells if _meta(c).get("solution")}
        checks = sorted({n for c in source.cells if _meta(c).get("grade") for n in CHECK_CALL.findall(c.source)})
        first = next(iter(sol))

        def add(student, nb, score, kinds=()):
            out[(a, student)] = (nbformat.writes(nb), score, set(kinds))

        add("forged_inspect", with_answers(release, {}, **{first: forged_inspect(checks)}), 0, {"protocol"})
        add("claims_passed", _with_first(every(release, lambda n, args: "return None"), CLAIM_PASSED), 0,
            {"protocol"})
        if a == "ex01-recurrence":
            last = list(sol)[-1]
            add("memory_at_definition", with_answers(release, sol, rnn_cell_forward=MEMORY_AT_DEFINITION
                                                     + sol["rnn_cell_forward"]), 2, {"memory"})
            add("forks_past_memory", with_answers(release, sol, **{last: sol[last] + "\n" + FORKS}), 10, {"memory"})
            add("fork_bomb", with_answers(release, sol, **{last: sol[last] + "\n" + FORK_BOMB}), 10, {"processes"})
            add("fills_tmp", with_answers(release, sol, **{last: sol[last] + "\n" + FILL_TMP}), 10, {"disk"})
            add("oversized_cell", with_answers(release, sol, rnn_output=sol["rnn_output"] + "# pad\n" * 200_000),
                8, {"size"})
        if a == "ex06-language":
            add("cache_mutation", with_answers(release, sol, classifier=CACHE_MUTATION, train_step=OWN_TRAIN_STEP), 8)
            add("own_generator", with_answers(release, sol, sample_with_temperature=OWN_GENERATOR), 10)
            add("no_draws", with_answers(release, sol, sample_with_temperature=NO_DRAWS), 8)
    return out


def _with_first(nb, prefix: str):
    """``nb`` with ``prefix`` put before the source of its first answer cell."""
    cell = next(c for c in nb.cells if _meta(c).get("solution"))
    cell.source = prefix + cell.source
    return nb
