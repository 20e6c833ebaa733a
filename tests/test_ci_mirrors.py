""".ci/mirrors.py: CI's local copies of the real datasets reach the study through an
overlay written at run time, so that no committed config names a path outside the
repository (docs/development.md, "CI")."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from clones import make_clone
from project import REPO, SNAKEMAKE, TEST_DATA
from workflow_helpers import planned_jobs


def write_overlay(clone: Path, *datasets: str) -> tuple[dict, str]:
    result = subprocess.run(
        [sys.executable, ".ci/mirrors.py", *datasets],
        cwd=clone,
        check=True,
        capture_output=True,
        text=True,
    )
    return yaml.safe_load((clone / ".ci" / "mirrors.yaml").read_text()), result.stdout


@pytest.fixture
def clone_beside_shared(tmp_path) -> Path:
    """A clone with ../shared/data/mnist beside it, as CI lays it out."""
    shutil.copytree(TEST_DATA, tmp_path / "shared" / "data" / "mnist")
    return make_clone(tmp_path / "clone")


def test_the_local_mnist_copy_beside_the_clone_becomes_the_mirror(clone_beside_shared):
    overlay, said = write_overlay(clone_beside_shared, "mnist")
    local = (clone_beside_shared.parent / "shared" / "data" / "mnist").resolve()
    assert overlay["data"] == {
        "datasets": ["mnist"],
        "sources": {"mnist": {"mirrors": [str(local)]}},
    }
    assert f"mnist from the local copy {local}" in said


def test_without_a_local_copy_the_default_mirrors_stay_and_it_says_so(tmp_path):
    clone = make_clone(tmp_path / "clone")
    overlay, said = write_overlay(clone, "mnist")
    assert overlay["data"] == {"datasets": ["mnist"]}
    assert "no local copy" in said and "needs the internet" in said


def test_an_unknown_dataset_is_refused_naming_it(tmp_path):
    clone = make_clone(tmp_path / "clone")
    result = subprocess.run(
        [sys.executable, ".ci/mirrors.py", "cifar"], cwd=clone, capture_output=True, text=True
    )
    assert result.returncode != 0 and "cifar" in result.stderr
    assert not (clone / ".ci" / "mirrors.yaml").exists()


@pytest.mark.e2e
def test_ci_config_with_the_overlay_plans_the_study_from_the_local_copy(clone_beside_shared):
    """The overlay merges onto config/ci.yaml as .ci/run uses it: the study is planned
    (2 epochs, every variant on each of its seeds, MNIST only here) with the local copy
    as its mirror, no config error."""
    write_overlay(clone_beside_shared, "mnist")
    result = subprocess.run(
        [SNAKEMAKE, "-n", "--configfile", "config/ci.yaml", ".ci/mirrors.yaml"],
        cwd=clone_beside_shared,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    trainings = [wildcards for rule, wildcards in planned_jobs(result.stdout) if rule == "train"]
    seeds = yaml.safe_load((REPO / "config" / "ci.yaml").read_text())["training"]["seeds"]
    assert {job["dataset"] for job in trainings} == {"mnist"} and len(trainings) == 4 * len(seeds)
