"""What a trained model needs to be traced back to: data, spec, code and machine."""

import importlib.metadata
import os
import platform
import subprocess
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


def machine(threads: int) -> dict:
    return {
        "host": platform.node(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "platform": platform.platform(),
    }


def collect(source_directory, threads: int) -> dict:
    return {
        "versions": package_versions(),
        "git": git_commit(Path(source_directory)),
        "machine": machine(threads),
    }
