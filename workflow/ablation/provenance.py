"""What a trained model needs to be traced back to: data, spec, code and machine."""

import hashlib
import importlib.metadata
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

TRAINING_PACKAGES = ("tensorflow-cpu", "tensorflow", "keras", "numpy", "snakemake")


def package_versions(names=TRAINING_PACKAGES) -> dict[str, str]:
    """Python's version and those of the named packages that are installed."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def git_commit(directory) -> dict | None:
    """HEAD and whether the tree had uncommitted changes; None outside a git checkout."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=directory,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


# The locks that the Makefile installs: .venv from the first, .venv-gpu (make gpu-env)
# from the second.
LOCK_FILES = ("requirements.lock", "requirements-gpu.lock")
# One entry of a lock: name==version, an environment marker where the entry holds on
# some platforms only (requirements.lock serves several), and a line continuation.
LOCK_ENTRY = re.compile(
    r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)[ \t]*(?:;[ \t]*([^\\\n]*?))?[ \t]*\\?$", re.M
)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_text: str, environment: dict | None = None) -> dict[str, str]:
    """The version that a lock installs of each package, where its entry's marker
    holds in ``environment`` (the marker variables that differ from this
    interpreter's, as packaging.markers names them; None: this interpreter's)."""
    from packaging.markers import Marker

    return {
        normalized(name): version
        for name, version, marker in LOCK_ENTRY.findall(lock_text)
        if not marker or Marker(marker).evaluate(environment)
    }


def environment_lock(source_directory) -> dict | None:
    """The lock this environment was installed from, in the checkout holding
    ``source_directory``: of the checkout's locks, the one it matches best (the
    first on a tie). Its name, SHA-256, and the locked packages installed at another
    version (None: missing). None when the checkout has no lock."""
    installed = {
        normalized(distribution.metadata["Name"]): distribution.version
        for distribution in importlib.metadata.distributions()
    }
    for directory in (Path(source_directory).resolve(), *Path(source_directory).resolve().parents):
        locks = [directory / name for name in LOCK_FILES if (directory / name).is_file()]
        if locks:
            break
    else:
        return None
    described = []
    for lock in locks:
        content = lock.read_bytes()
        locked = locked_versions(content.decode())
        described.append(
            {
                "file": lock.name,
                "sha256": hashlib.sha256(content).hexdigest(),
                "not_as_locked": {
                    package: installed.get(package)
                    for package, version in sorted(locked.items())
                    if installed.get(package) != version
                },
            }
        )
    return min(described, key=lambda lock: len(lock["not_as_locked"]))


def cpu_model() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpuinfo = ""
    found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    return found.group(1).strip() if found else platform.processor() or platform.machine()


def gpu_names() -> list[str]:
    """The GPUs TensorFlow sees (it runs training on the first); [] on CPU-only
    builds and machines. TensorFlow is asked only when already imported."""
    tf = sys.modules.get("tensorflow")
    if tf is None:
        return []
    return [
        tf.config.experimental.get_device_details(device).get("device_name", device.name)
        for device in tf.config.list_physical_devices("GPU")
    ]


def machine(threads: int) -> dict:
    gpus = gpu_names()
    return {
        "host": platform.node(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "gpus": gpus,
        # Where TensorFlow placed the training: its first GPU when it sees one.
        "device": gpus[0] if gpus else cpu_model(),
    }


def collect(source_directory, threads: int) -> dict:
    return {
        "versions": package_versions(),
        "git": git_commit(Path(source_directory)),
        "environment_lock": environment_lock(source_directory),
        "machine": machine(threads),
    }
