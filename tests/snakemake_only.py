"""An environment that holds Snakemake and snakefmt and nothing else: what the Snakemake
Workflow Catalog's crawler lints in, and what a user who deploys the workflow with
snakedeploy runs Snakemake from.

Built offline from .venv: a venv without pip whose site-packages links to .venv's
files of exactly the distributions that Snakemake and snakefmt require, transitively,
as their installed metadata says (the lock's versions). None of the jobs' packages
(numpy, pandas, TensorFlow, Keras, matplotlib, nbconvert, scipy, ...) is there, neither
as a module nor as metadata, as in an environment made by `pip install snakemake
snakefmt`.
"""

import importlib.metadata
import subprocess
import sys
from pathlib import Path

from clones import PURELIB

from ablation.software import installed, installed_requirements, requirement_closure

TOOLS = ["snakemake", "snakefmt"]


def snakemake_only_environment(directory: Path) -> Path:
    """The environment's python (run Snakemake as ``python -m snakemake``)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    python = directory / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", PURELIB], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    for name in sorted(requirement_closure(TOOLS, installed_requirements)):
        for top in top_level_entries(installed()[name]):
            target = site / top.name
            if not target.exists():
                target.symlink_to(top)
    return python


def top_level_entries(distribution: importlib.metadata.Distribution) -> set[Path]:
    """The files and folders directly in site-packages that ``distribution`` installed
    (its packages, modules, .pth files and *.dist-info), not its scripts in bin/."""
    entries = set()
    for file in distribution.files or []:
        if file.parts and file.parts[0] != "..":
            entries.add(Path(distribution.locate_file(file.parts[0])))
    return entries
