"""The two waits people feel, each measured from a fresh clone: the README's book command
(``bash scripts/build-book.sh``, install included) and CI (``bash .ci/run``).

    python3 benchmarks/fresh_clone.py                    # both, one after the other
    python3 benchmarks/fresh_clone.py --only book        # or: --only ci
    python3 benchmarks/fresh_clone.py --rev main --json waits.json

Each target gets its own fresh ``git clone`` of this repository (at ``--rev``, default
HEAD) in a temporary folder, removed afterwards (``--keep`` keeps it). pip's cache is
used as it is (warm after one install on the machine), as is npm's. The targets (issue
27: on 2 cores, 6 minutes for the book, 12 for CI) are printed beside the measurements,
never asserted. Printed for each: wall time, CPU time (the command and every process it
waited for), the load average before and after, and the machine (cores, CPU model,
memory). On a machine shared with other work the wall time is inflated: run it when
nothing else runs, and look at the load average it prints. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {  # name: (command, target minutes on 2 cores)
    "book": (["bash", "scripts/build-book.sh"], 6.0),
    "ci": (["bash", ".ci/run"], 12.0),
}


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        memory = "unknown"
    return {"cores": os.cpu_count(), "cpu": model, "memory": memory,
            "system": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def load() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, rev: str, keep: bool, log_folder: Path) -> dict:
    command, target = TARGETS[name]
    folder = Path(tempfile.mkdtemp(prefix=f"rnn-course-{name}-"))
    # readable by all, as a checkout is: the class on JupyterHub (tests/test_jupyterhub_class.py)
    # runs the checkout's .venv-hub as other Unix accounts (mkdtemp's 0700 would stop them)
    folder.chmod(0o755)
    clone = folder / "rnn-course"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", rev], check=True)
    commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    log_file = log_folder / f"fresh-clone-{name}.log"
    print(f"{name}: {' '.join(command)} in a fresh clone at {commit} ({clone}); output in {log_file}",
          flush=True)
    before_load, before_cpu, start = load(), children_cpu(), time.perf_counter()
    with open(log_file, "w") as handle:
        code = subprocess.call(command, cwd=clone, stdout=handle, stderr=subprocess.STDOUT)
    wall, cpu = time.perf_counter() - start, children_cpu() - before_cpu
    result = {"target": name, "command": " ".join(command), "commit": commit, "exit": code,
              "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "target_min": target,
              "load_before": before_load, "load_after": load(), "log": str(log_file)}
    text = log_file.read_text(errors="replace")
    if name == "ci":
        if "Steps (wall and CPU seconds" in text:  # scripts/steps.py's table
            result["steps_table"] = text[text.rindex("Steps (wall and CPU seconds"):].rstrip()
        summary = re.findall(r"^=+ (.*(?:passed|failed).*) in [\d.]+s.*=+$", text, re.M)
        # the main pytest's summary first, then those of the pytests run in the background
        # (scripts/test.sh prints their output after the main one's)
        result["pytest"] = summary[0] if summary else "no pytest summary"
        result["pytest_background"] = summary[1:]
    if name == "book":  # the build's page table: its head (the slowest pages) and its verdict
        lines = [line for line in text.splitlines() if line.startswith("build-book: ")]
        head = next((i for i, line in enumerate(lines) if "slowest first" in line), len(lines))
        result["pages"] = lines[head:head + 9] + [line for line in lines[head + 9:]
                                                   if not re.match(r"build-book: +[\d.]+ s", line)]
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(TARGETS))
    parser.add_argument("--rev", default="HEAD", help="what to check out in the clone (default HEAD)")
    parser.add_argument("--keep", action="store_true", help="keep the clones")
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()),
                        help="where the commands' output goes (default: the temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args(argv)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", args.rev],
                         capture_output=True, text=True, check=True).stdout.strip()
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, {info['memory']}, {info['system']}")
    results = [measure(name, rev, args.keep, args.logs)
               for name in ([args.only] if args.only else list(TARGETS))]
    print()
    for r in results:
        verdict = "within" if r["wall_s"] <= r["target_min"] * 60 else "OVER"
        print(f"{r['target']:>4}: {r['wall_s'] / 60:5.1f} min wall ({r['wall_s']:.0f} s), CPU {r['cpu_s']:.0f} s, "
              f"exit {r['exit']}; target {r['target_min']:.0f} min on 2 cores: {verdict}; "
              f"load average {r['load_before']} before, {r['load_after']} after")
        for line in r.get("pages", []):
            print(f"      {line}")
        if "pytest" in r:
            print(f"      pytest: {r['pytest']}")
        if "steps_table" in r:
            print("      " + r["steps_table"].replace("\n", "\n      "))
    if args.json:
        record = {"date": time.strftime("%Y-%m-%d"), "machine": info, "results": results}
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
