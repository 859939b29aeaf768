"""The instructors' scripts: recording assignments in a gradebook given by URL, and apt-get
that waits for another apt or dpkg instead of failing (seconds)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parents[1]
A = "ex01-recurrence"


def test_generate_exercises_records_the_assignment_in_the_gradebook_given_by_url(tmp_path):
    course = tmp_path / "course"
    (course / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "generate-exercises.sh", course / "scripts")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    env = dict(os.environ, NBGRADER=str(Path(sys.executable).parent / "nbgrader"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    proc = subprocess.run(["bash", "scripts/generate-exercises.sh", "--gradebook", "--db", url, A], cwd=course,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == f"generate-exercises: exercises/{A} (and recorded in the gradebook {url})"
    assert not (course / "gradebook.db").exists()
    with Gradebook(url) as gb:
        assert [a.name for a in gb.assignments] == [A]
        assert gb.find_assignment(A).max_score == 10
    bad = subprocess.run(["bash", "scripts/generate-exercises.sh", "--gradebook", "--db"], cwd=course, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--db needs the gradebook's database URL" in bad.stderr


def test_apt_get_waits_for_the_lock_and_says_so(tmp_path):
    """A fake apt-get that finds the lock held twice, then succeeds."""
    fake = tmp_path / "apt-get"
    count = tmp_path / "count"
    fake.write_text(f"""#!/usr/bin/env bash
n=$(cat {count} 2>/dev/null || echo 0); echo $((n + 1)) > {count}
if [ "$n" -lt 2 ]; then
  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (unattended-upgr)" >&2
  exit 100
fi
echo "args: $*"
""")
    fake.chmod(0o755)
    env = dict(os.environ, APT_GET=str(fake), APT_LOCK_POLL="0.05")
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "apt-get.sh"), "update", "-qq"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert count.read_text().strip() == "3"
    assert proc.stderr.count("waiting for it") == 1
    assert "held by process 4242 (unattended-upgr)" in proc.stderr
    # Another failure is not waited for, and its output is shown.
    fake.write_text("#!/usr/bin/env bash\necho 'E: Unable to locate package nosuch' >&2\nexit 100\n")
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "apt-get.sh"), "install", "nosuch"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Unable to locate package nosuch" in proc.stderr
    assert "waiting" not in proc.stderr
