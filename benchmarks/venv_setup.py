"""How long `make` takes to set up .venv from nothing, with pip and with uv.

    python3 benchmarks/venv_setup.py [--rounds 2]

Each try is a fresh `git clone` of this repository under /tmp, where
`make .venv/.installed INSTALLER=pip|uv` creates .venv from requirements.lock, with an
empty package cache of its own (PIP_CACHE_DIR, UV_CACHE_DIR) and both installers
reading PyPI only: PIP_CONFIG_FILE=/dev/null and no PIP_* variables, so that pip
ignores local wheel directories and extra indexes a machine's pip.conf may add. The
tries alternate pip, uv, pip, uv, ... because a shared machine's speed drifts. After
each one the installed distributions are compared with the lock.
Writes benchmarks/venv-setup-results.md.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "venv-setup-results.md"
INSTALLERS = ("pip", "uv")
# Run by the clone's .venv: what it installed, and what the clone's lock installs on
# this platform (the lock's markers evaluated there, by the workflow's own reader).
COMPARE_WITH_LOCK = (
    "import importlib.metadata, json, sys; sys.path.insert(0, 'workflow');"
    " from ablation.provenance import locked_versions, normalized;"
    " print(json.dumps({'installed': {normalized(d.metadata['Name']): d.version"
    " for d in importlib.metadata.distributions()},"
    " 'locked': locked_versions(open('requirements.lock').read())}))"
)


def installed_and_locked(python, checkout) -> tuple[dict[str, str], dict[str, str]]:
    """What ``python``'s environment has installed, and what ``checkout``'s lock
    installs on its platform."""
    compared = json.loads(
        subprocess.run(
            [python, "-c", COMPARE_WITH_LOCK],
            cwd=checkout,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return compared["installed"], compared["locked"]


def pypi_only_environment(scratch: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PIP_", "UV_"))
    }
    return environment | {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CACHE_DIR": str(scratch / "pip-cache"),
        "UV_CACHE_DIR": str(scratch / "uv-cache"),
    }


def set_up(installer: str, scratch: Path) -> dict:
    clone = scratch / "clone"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    started = time.perf_counter()
    subprocess.run(
        ["make", "--no-print-directory", ".venv/.installed", f"INSTALLER={installer}"],
        cwd=clone,
        env=pypi_only_environment(scratch),
        check=True,
    )
    seconds = time.perf_counter() - started
    installed, locked = installed_and_locked(clone / ".venv/bin/python", clone)
    return {
        "installer": installer,
        "seconds": seconds,
        "different": sorted(name for name in locked if installed.get(name) != locked[name]),
        "extra": sorted(set(installed) - set(locked)),
    }


def report(tries: list[dict], rounds: int) -> str:
    lines = [
        "# Setting up .venv from nothing: pip against uv",
        "",
        f"Written by `benchmarks/venv_setup.py` on {datetime.datetime.now():%Y-%m-%dT%H:%M}.",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared), "
        f"{platform.platform()}.",
        f"Each try: fresh clone, `make .venv/.installed INSTALLER=...`, empty cache, PyPI only; "
        f"{rounds} rounds, interleaved.",
        "",
        "| round | installer | wall s | locked packages not at their locked version | installed beyond the lock |",
        "|---|---|---|---|---|",
    ]
    for number, outcome in enumerate(tries):
        lines.append(
            f"| {number // len(INSTALLERS) + 1} | {outcome['installer']} | {outcome['seconds']:.1f} "
            f"| {', '.join(outcome['different']) or 'none'} | {', '.join(outcome['extra']) or 'none'} |"
        )
    lines += ["", "| installer | median s | min–max s |", "|---|---|---|"]
    for installer in INSTALLERS:
        seconds = [outcome["seconds"] for outcome in tries if outcome["installer"] == installer]
        lines.append(
            f"| {installer} | {statistics.median(seconds):.1f} | {min(seconds):.1f}–{max(seconds):.1f} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    tries = []
    for _ in range(args.rounds):
        for installer in INSTALLERS:
            scratch = Path(tempfile.mkdtemp(prefix=f"venv-bench-{installer}-"))
            try:
                tries.append(set_up(installer, scratch))
            finally:
                shutil.rmtree(scratch)
            print(tries[-1], flush=True)
    RESULTS.write_text(report(tries, args.rounds))
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
