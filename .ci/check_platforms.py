"""Whether requirements.lock installs on every platform and Python that README names.

Usage: .venv/bin/python .ci/check_platforms.py [--lock FILE] [-- UV_OPTION ...]
(`make check-platforms`; CI runs it.)

For each platform and Python version, uv resolves the lock as an installer on that
platform would (`uv pip install --dry-run --python-platform P --python-version V`,
hash-checked, into an empty target folder): nothing is installed, and no machine of
that kind is needed, but PyPI is (options after `--` go to uv, e.g. a local
`--no-index --find-links DIR`). Prints the TensorFlow distribution that each platform
gets; exits 1 naming each package that has no wheel for a platform and Python.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from uv import find_uv_bin

ROOT = Path(__file__).resolve().parents[1]
# The platforms README names, as uv's --python-platform names them. Windows users
# run the Linux x86-64 environment in WSL.
PLATFORMS = {
    "x86_64-manylinux_2_28": "Linux x86-64",
    "aarch64-manylinux_2_28": "Linux aarch64",
    "aarch64-apple-darwin": "macOS arm64 (Apple silicon)",
}
# The CPython versions the lock covers: TensorFlow has wheels for 3.10 to 3.13, and
# numpy and scipy at the locked versions need 3.11 or newer.
PYTHONS = ("3.11", "3.12", "3.13")
TENSORFLOW = ("tensorflow", "tensorflow-cpu")
# What uv says of a locked package that has no wheel here, e.g.
# "Because tensorflow-cpu{platform_machine == 'x86_64' and ...}==2.21.0 has no wheels
# with a matching platform tag (e.g., `macosx_13_0_arm64`)".
NO_WHEEL = re.compile(
    r"Because (\S+?)(?:\{[^}]*\})?==(\S+) has no wheels with a matching ([\w ]+? tag)"
)
PLANNED = re.compile(r"^ \+ ([A-Za-z0-9_.-]+)==(\S+)$", re.M)


def resolve(lock: Path, platform: str, python: str, uv_options: list[str]) -> tuple[bool, str]:
    """uv's dry-run install of ``lock`` for ``platform`` and ``python``: whether it
    resolves, and what uv said."""
    with tempfile.TemporaryDirectory() as target:
        result = subprocess.run(
            [
                find_uv_bin(),
                "pip",
                "install",
                "--dry-run",
                "--require-hashes",
                "--python-platform",
                platform,
                "--python-version",
                python,
                "--target",
                target,
                "-r",
                str(lock),
                *uv_options,
            ],
            capture_output=True,
            text=True,
        )
    return result.returncode == 0, result.stdout + result.stderr


def verdict(platform: str, python: str, succeeded: bool, said: str) -> tuple[str, str | None]:
    """One line for the table, and a failure message naming the package (None when
    it resolves)."""
    where = f"{PLATFORMS.get(platform, platform)} ({platform}), Python {python}"
    if succeeded:
        planned = dict(PLANNED.findall(said))
        tensorflow = ", ".join(f"{name}=={planned[name]}" for name in TENSORFLOW if name in planned)
        return f"{where}: installs, with {tensorflow or 'no TensorFlow'}", None
    missing = NO_WHEEL.search(said)
    if missing:
        name, version, tag = missing.groups()
        problem = f"{name}=={version} has no wheel for {where} (no matching {tag})"
    else:
        problem = f"uv cannot install the lock for {where}: {said.strip()}"
    return f"{where}: FAILS", problem


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("uv_options", nargs="*", help="after --: more options for uv")
    arguments = parser.parse_args(argv)
    failures = []
    for platform in PLATFORMS:
        for python in PYTHONS:
            line, problem = verdict(
                platform, python, *resolve(arguments.lock, platform, python, arguments.uv_options)
            )
            print(line, flush=True)
            if problem:
                failures.append(problem)
    for problem in failures:
        print(f"check_platforms: {arguments.lock.name}: {problem}", file=sys.stderr)
    if failures:
        print(
            "check_platforms: pin, for that platform, a version that has wheels there (an "
            "environment marker in requirements.txt), then `make lock`; docs/reproducibility.md, "
            '"Platforms", says how',
            file=sys.stderr,
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
