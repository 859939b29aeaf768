"""``nbgrader autograde`` of several assignments in one process: nbgrader starts once.

``rnn-course-grade`` writes the gradebook by running nbgrader's own autograder, which takes
every verdict from the cache. Started once per assignment, nbgrader spends about two
seconds importing and configuring itself each time; here it starts once for all of them.

Reads, from standard input, a JSON list of ``{"assignment": ..., "argv": [...]}`` (``argv``
as for ``nbgrader autograde``), runs them in turn from the current folder (the course's),
and frames each one's log between two lines::

    rnn-course-grade: begin <assignment>
    ...nbgrader's log...
    rnn-course-grade: end <assignment> <exit code>

Every ``Gradebook`` nbgrader opens in this process shares one database engine per URL
(:func:`share_engines`): nbgrader opens about ten per notebook, and a new engine each
time means a new connection (to PostgreSQL, over the network) and every query compiled
anew. What is written is the same.

Run as ``python -m rnn_course.grading.autograde_many`` (``command.py`` does).

Book: the instructor guide (grading in parallel).
"""

from __future__ import annotations

import json
import re
import sys
import traceback

BEGIN, END = "rnn-course-grade: begin ", "rnn-course-grade: end "
_END = re.compile(r"^rnn-course-grade: end (\S+) (-?\d+)$")


def share_engines() -> None:
    """Make every nbgrader ``Gradebook`` of one database URL, in this process, use one engine.

    nbgrader's ``Gradebook`` creates its engine with ``nbgrader.api.create_engine`` and
    disposes of it on ``close()``; here that name returns one engine per URL and arguments,
    whose ``dispose`` keeps its connections for the next ``Gradebook``. (Relies on how
    nbgrader 0.9 opens its database; ``tests/test_grading_autograde_many.py`` pins it.)
    """
    import nbgrader.api
    from sqlalchemy import create_engine

    engines = {}

    def shared_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engine = create_engine(url, **kwargs)
            engine.dispose = lambda *args, **kw: None  # kept for the next Gradebook
            engines[key] = engine
        return engines[key]

    nbgrader.api.create_engine = shared_engine


def run_one(argv: list[str]) -> int:
    """Run ``nbgrader autograde argv`` in this process; its exit code."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    AutogradeApp.clear_instance()
    try:
        app = AutogradeApp.instance()
        app.initialize(argv)
        app.start()
    except SystemExit as exc:  # nbgrader's apps exit on errors
        return exc.code if isinstance(exc.code, int) else 1
    except Exception:  # noqa: BLE001 - logged; the other assignments still run
        traceback.print_exc()
        return 1
    finally:
        AutogradeApp.clear_instance()
    return 0


def split_log(lines):
    """``{assignment: (exit code or None, [its lines])}`` from the framed output of :func:`main`;
    lines outside every frame go to the key ``None``. An assignment without its end line
    (the process died) has the exit code ``None``."""
    logs, current = {None: (None, [])}, None
    for line in lines:
        if line.startswith(BEGIN):
            current = line[len(BEGIN):].strip()
            logs[current] = (None, [])
            continue
        match = _END.match(line.rstrip("\n"))
        if match and match.group(1) == current:
            logs[current] = (int(match.group(2)), logs[current][1])
            current = None
            continue
        logs[current][1].append(line)
    return logs


def main() -> int:
    # jsonschema imports rfc3987_syntax (when installed) for its "iri" format, which builds
    # a grammar for a second of CPU; nothing nbgrader checks has that format.
    sys.modules.setdefault("rfc3987_syntax", None)
    # Import nbgrader while rnn-course-grade prepares the work it then sends.
    from nbgrader.apps.autogradeapp import AutogradeApp  # noqa: F401

    from . import nbgrader_plugins  # noqa: F401

    share_engines()
    runs = json.loads(sys.stdin.read() or "[]")
    worst = 0
    for item in runs:
        assignment, argv = item["assignment"], [str(a) for a in item["argv"]]
        print(f"{BEGIN}{assignment}", flush=True)
        code = run_one(argv)
        sys.stderr.flush()
        print(f"{END}{assignment} {code}", flush=True)
        worst = worst or code
    return worst


if __name__ == "__main__":
    sys.exit(main())
