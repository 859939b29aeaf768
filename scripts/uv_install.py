"""``uv pip install``, looking for packages where pip is configured to look.

scripts/setup.sh installs the course with uv when it can: the same packages at the same
versions as pip (both take the highest version allowed on any index), in seconds instead of
a minute and more. uv does not read pip's configuration, so this translates it:
``python -m pip config list`` (the configuration files and the ``PIP_*`` environment
variables) becomes uv's command-line options, and pip's ``cert`` uv's ``SSL_CERT_FILE``.

    python scripts/uv_install.py UV --python .venv/bin/python -e ".[all]"
        # runs: UV pip install <pip's sources as uv options> --python ... -e ...
        # and exits with uv's status, or with 3 without running it when pip's configuration
        # holds something not translated here (setup.sh then installs with pip)

It translates only what it knows (where packages come from: indexes, links, constraints,
certificates) and gives up on anything else that could change what gets installed, so a
configuration it does not understand means pip, never a different install.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys

#: pip's configuration sections, the strongest last (as pip reads them for ``pip install``).
SECTIONS = ("global", "install", ":env:")

#: Keys that change nothing about which packages are installed (uv has its own progress,
#: cache and timeouts); they are left out.
HARMLESS = {"default-timeout", "timeout", "retries", "disable-pip-version-check", "progress-bar",
            "no-cache-dir", "cache-dir", "root-user-action", "no-warn-script-location",
            "no-input", "quiet", "verbose", "no-color", "require-virtualenv",
            "config-file",  # (PIP_CONFIG_FILE: where the rest was read from)
            "cert"}         # (given to uv as SSL_CERT_FILE)

#: pip's key -> uv's option, for keys that may hold several values separated by spaces.
LISTS = {"extra-index-url": "--extra-index-url", "find-links": "--find-links",
         "constraint": "--constraint", "trusted-host": "--allow-insecure-host"}


def read(config_list: str) -> dict[str, str]:
    """``pip config list`` output -> {key: value}, a later section overriding an earlier one."""
    found: dict[str, dict[str, str]] = {}
    for line in config_list.splitlines():
        name, sep, value = line.partition("=")
        section, dot, key = name.rpartition(".")
        if not (sep and dot) or section not in SECTIONS:
            continue
        try:
            text = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            text = value
        found.setdefault(section, {})[key] = str(text)
    merged: dict[str, str] = {}
    for section in SECTIONS:
        merged.update(found.get(section, {}))
    return merged


def options(config: dict[str, str]) -> list[str] | None:
    """uv's options for pip's configuration, or None when some key is not understood."""
    out = ["--index-strategy", "unsafe-best-match"]  # like pip: the best version on any index
    for key, value in sorted(config.items()):
        if key in HARMLESS:
            continue
        if key == "index-url":
            out += ["--index-url", value.strip()]
        elif key in LISTS:
            for item in value.split():
                out += [LISTS[key], item]
        elif key == "no-index":
            if value.strip().lower() in ("1", "true", "yes", "on"):
                out.append("--no-index")
        else:
            return None
    return out


#: The exit status meaning "not run: install with pip".
USE_PIP = 3


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python scripts/uv_install.py UV [uv pip install arguments]", file=sys.stderr)
        return 2
    proc = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    if proc.returncode != 0:
        print("uv_install: `pip config list` failed; installing with pip", file=sys.stderr)
        return USE_PIP
    config = read(proc.stdout)
    found = options(config)
    if found is None:
        unknown = sorted(set(config) - HARMLESS - set(LISTS) - {"index-url", "no-index"})
        print(f"uv_install: pip is configured with {', '.join(unknown)}, which uv is not given here; "
              "installing with pip", file=sys.stderr)
        return USE_PIP
    env = dict(os.environ)
    if config.get("cert"):
        env["SSL_CERT_FILE"] = config["cert"]
    return subprocess.run([argv[0], "pip", "install", *found, *argv[1:]], env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
