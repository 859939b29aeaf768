"""Time the steps of a run (wall and CPU time) and print the slowest, so that a
regression shows in every run. Standard library only (it runs before .venv exists).

    python3 scripts/steps.py run LOG "NAME" -- COMMAND ...   # run COMMAND as a step of LOG
    python3 scripts/steps.py table LOG --since EPOCH         # the table, at the end

LOG is a tab-separated file, one line per step or part: level (``step``: a step of the
script; ``part``: a page run or a test inside one), wall seconds, CPU seconds, name. A
step's CPU time is its process and every child it waited for (user + system), so on a
busy machine the CPU time says what the step cost and the wall time what it waited.
Parts are written by the steps themselves (scripts/run_pages.py for each page run,
tests/conftest.py for each test) when ``$RNN_COURSE_STEPS`` names the log.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def cpu_seconds(who=resource.RUSAGE_CHILDREN) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def record(log: str | os.PathLike | None, level: str, name: str, wall: float, cpu: float) -> None:
    """Append one line to the log (a no-op without one). One short write in append mode:
    lines from processes writing at once do not interleave."""
    if not log:
        return
    line = f"{level}\t{wall:.2f}\t{cpu:.2f}\t{' '.join(name.split())}\n"
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(line)


def run(log: str, name: str, command: list[str]) -> int:
    start, cpu = time.perf_counter(), cpu_seconds()
    code = subprocess.call(command)
    record(log, "step", name if code == 0 else f"{name} (exit {code})",
           time.perf_counter() - start, cpu_seconds() - cpu)
    return code


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def table(log: str, since: float | None, top: int = 10, start_load: str | None = None) -> str:
    rows = []
    for line in Path(log).read_text(encoding="utf-8").splitlines():
        level, wall, cpu, name = line.split("\t", 3)
        rows.append((level, float(wall), float(cpu), name))
    steps = [r for r in rows if r[0] == "step"]
    parts = sorted((r for r in rows if r[0] == "part"), key=lambda r: -r[1])[:top]
    out = [f"Steps (wall and CPU seconds; {os.cpu_count()} cores; load average "
           + (f"{start_load} at the start, " if start_load else "") + f"{load_average()} at the end):",
           f"{'wall s':>9} {'CPU s':>9}  step"]
    out += [f"{wall:9.1f} {cpu:9.1f}  {name}" for _, wall, cpu, name in steps]
    if parts:
        out += ["", f"The {len(parts)} slowest parts of those steps (a page run, a test with its fixtures):",
                f"{'wall s':>9} {'CPU s':>9}  part"]
        out += [f"{wall:9.1f} {cpu:9.1f}  {name}" for _, wall, cpu, name in parts]
    total_wall = time.time() - since if since else sum(r[1] for r in steps)
    total_cpu = sum(r[2] for r in steps)
    out += ["", f"{total_wall:9.1f} {total_cpu:9.1f}  total ({total_wall / 60:.1f} min wall)"]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p_run = sub.add_parser("run", help="run a command as a step")
    p_run.add_argument("log")
    p_run.add_argument("name")
    p_run.add_argument("command", nargs=argparse.REMAINDER)
    p_table = sub.add_parser("table", help="print the steps and the slowest parts")
    p_table.add_argument("log")
    p_table.add_argument("--since", type=float, help="when the run started (seconds since the epoch)")
    p_table.add_argument("--start-load", help="the load average when the run started")
    p_table.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)
    if args.what == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        return run(args.log, args.name, command)
    print(table(args.log, args.since, args.top, args.start_load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
