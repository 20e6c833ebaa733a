"""Fresh clones of the repository, run with the real snakemake on the tiny study, and
the environments layered on .venv that the Makefile builds."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml
from project import REPO, SNAKEMAKE, TEST_CONFIG, TEST_DATA_FROM_ROOT, TINY_CONFIG
from snakemake.utils import update_config

# What a fresh clone holds: everything but generated and local-only paths.
NOT_IN_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "results",
    "resources",
    "logs",
    ".snakemake",
    "__pycache__",
    ".pytest_cache",
    ".ci-cache",
    ".venv-slurm",
    ".venv-bench",
    ".venv-gpu",
    "node_modules",
    "work",
)


def make_clone(destination) -> Path:
    shutil.copytree(REPO, destination, ignore=NOT_IN_CLONE)
    return Path(destination)


def tiny_config(mirrors=None, sha256=None, lecture=False, **training) -> dict:
    """The tiny study's config, .test/config/config.yaml, for a run from a clone's
    root (or with other mirrors), other hashes or training settings on top (merged as
    snakemake merges a second --configfile).
    The lecture notebook runs only where a test looks at it (`base`, `warm_clone`, the
    SLURM test): a kernel start per run."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    source = {"mirrors": mirrors or [TEST_DATA_FROM_ROOT], "sha256": sha256}
    update_config(
        config,
        {
            "data": {"sources": {"mnist": {k: v for k, v in source.items() if v is not None}}},
            "training": training,
            "report": {"lecture": lecture},
        },
    )
    return config


def tiny_sha256() -> dict:
    return yaml.safe_load(TEST_CONFIG.read_text())["data"]["sources"]["mnist"]["sha256"]


class Workflow:
    """A fresh clone of the repository with its own cache, run with the real snakemake
    (.venv's, or ``snakemake``: the command that runs it, in environment ``env``)."""

    def __init__(self, directory: Path, cache: Path, snakemake=(SNAKEMAKE,), env=None):
        self.directory = directory
        self.cache = cache
        self.snakemake = list(snakemake)
        self.env = env or os.environ

    def write_config(self, config: dict, name=Path(TINY_CONFIG).name) -> Path:
        path = self.directory / "config" / name
        path.write_text(yaml.safe_dump(config))
        return path

    def run(self, *args, check=True, timeout=900, env=None):
        """``env``: variables on top of the workflow's (never set in os.environ: the
        shared studies run snakemake in background threads meanwhile)."""
        env = self.env | {"SNAKEMAKE_OUTPUT_CACHE": str(self.cache)} | (env or {})
        result = subprocess.run(
            [*self.snakemake, *args],
            cwd=self.directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result.output = result.stdout + result.stderr
        if check and result.returncode != 0:
            raise AssertionError(
                f"snakemake {' '.join(args)} failed:\n{result.stdout[-5000:]}\n{result.stderr[-8000:]}"
            )
        return result

    def path(self, relative) -> Path:
        return self.directory / relative


def layered_venv(directory: Path) -> Path:
    """An environment layered on .venv as the Makefile's `layered_venv` makes
    .venv-slurm and .venv-bench (a venv whose .pth file names .venv's site-packages),
    without extra packages; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    python = directory / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", PURELIB], check=True, capture_output=True, text=True
    ).stdout.strip()
    Path(purelib, "mnist-ablation-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
# A checkout path with all three kinds of name that once broke a run: a space, an
# apostrophe (Snakemake's notebook preamble) and letters outside ASCII.
ODD_NAME = "the clone's café"


def without_jupyter(path: str) -> str:
    """PATH without the folders that hold a jupyter program (.venv/bin among them)."""
    return os.pathsep.join(
        folder
        for folder in path.split(os.pathsep)
        if not any(Path(folder, name).exists() for name in ("jupyter", "jupyter-nbconvert"))
    )
