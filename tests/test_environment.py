"""requirements.txt (hand-edited), its hash-checked lock, the GPU variant and
environment.yml (conda) pin the same packages; `make` installs exactly the lock."""

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from project import REPO

from ablation.provenance import LOCK_ENTRY, environment_lock, locked_versions

# Where both locks apply: requirements-gpu.lock is for Linux x86-64 alone.
LINUX_X86_64 = {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"}


def requirements(lines) -> set[str]:
    """The requirement lines, normalized (``name==version; marker``)."""
    return {
        str(Requirement(line))
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    }


def pins(lines, environment=LINUX_X86_64) -> dict[str, str]:
    """Name (without extras) and pinned version of each requirement that holds in
    ``environment``."""
    found = {}
    for line in requirements(lines):
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            found[requirement.name.lower()] = str(requirement.specifier).removeprefix("==")
    return found


def requirement_lines(name) -> list[str]:
    return (REPO / name).read_text().splitlines()


def requirement_pins(name):
    return pins(requirement_lines(name))


def test_requirements_and_environment_yml_agree():
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(
        item["pip"] for item in environment["dependencies"] if isinstance(item, dict)
    )
    assert requirements(pip_section) == requirements(requirement_lines("requirements.txt"))
    pinned = requirement_pins("requirements.txt")
    for required in (
        "snakemake",
        "tensorflow-cpu",
        "keras",
        "numpy",
        "pandas",
        "matplotlib",
        "pytest",
    ):
        assert required in pinned
    assert pinned["snakemake"].startswith("9.27.")
    assert pinned["tensorflow-cpu"].startswith("2.21.")


@pytest.mark.parametrize(
    "requirements_file, lock",
    [("requirements.txt", "requirements.lock"), ("requirements-gpu.txt", "requirements-gpu.lock")],
)
def test_the_lock_pins_every_package_with_hashes_and_keeps_the_top_level_versions(
    requirements_file, lock
):
    text = (REPO / lock).read_text()
    locked = locked_versions(text, LINUX_X86_64)
    pinned = requirement_pins(requirements_file)
    assert {name: locked.get(name) for name in pinned} == pinned
    # Transitive dependencies are locked too, each entry with its hashes.
    assert {"protobuf", "h5py", "ml-dtypes", "grpcio", "jsonschema"} <= set(locked)
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2].strip())
    assert len(entries) == len(LOCK_ENTRY.findall(text))
    assert all("--hash=sha256:" in entry for entry in entries)
    assert "#    make lock" in text  # the command that refreshes it


def test_the_gpu_requirements_swap_only_tensorflow():
    cpu, gpu = requirement_pins("requirements.txt"), requirement_pins("requirements-gpu.txt")
    assert "tensorflow[and-cuda]==" in (REPO / "requirements-gpu.txt").read_text()
    assert gpu.pop("tensorflow") == cpu.pop("tensorflow-cpu")
    assert gpu == cpu


def test_this_environment_is_exactly_the_lock():
    # What make installed (uv pip sync, or pip) is the locked set, version for version.
    recorded = environment_lock(REPO / "workflow" / "scripts")
    assert recorded["file"] == "requirements.lock"
    assert recorded["not_as_locked"] == {}


@pytest.fixture
def make_checkout(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "requirements.txt", "requirements.lock"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def planned_commands(checkout) -> str:
    return subprocess.run(
        ["make", "-n", ".venv/.installed"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout


def test_make_creates_the_venv_from_the_lock_when_missing_and_again_when_the_lock_changes(
    make_checkout,
):
    plan = planned_commands(make_checkout)
    assert "-m venv .venv" in plan
    assert (
        "uv pip sync --quiet --compile-bytecode --python .venv/bin/python --require-hashes "
        "requirements.lock"
    ) in plan
    assert "pip install --quiet --require-hashes -r requirements.lock" in plan  # the fallback
    (make_checkout / ".venv").mkdir()
    (make_checkout / ".venv/.installed").touch()
    assert "requirements.lock" not in planned_commands(make_checkout)  # up to date
    lock = make_checkout / "requirements.lock"
    lock.write_text(lock.read_text() + "\n")
    stamp_time = (make_checkout / ".venv/.installed").stat().st_mtime
    os.utime(lock, (stamp_time + 10, stamp_time + 10))
    assert "uv pip sync" in planned_commands(make_checkout)
    os.utime(make_checkout / ".venv/.installed", (stamp_time + 20, stamp_time + 20))
    os.utime(make_checkout / "Makefile", (stamp_time + 30, stamp_time + 30))
    assert "uv pip sync" in planned_commands(make_checkout)  # installs as the Makefile now says


def test_the_environment_holds_compiled_bytecode():
    # make compiles at install, so that a process never compiles TensorFlow or
    # Snakemake again, also where PYTHONDONTWRITEBYTECODE forbids it to keep the result.
    for package, module in (
        ("snakemake", "workflow.py"),
        ("tensorflow", "python/framework/ops.py"),
    ):
        source = Path(importlib.util.find_spec(package).origin).parent / module
        assert Path(importlib.util.cache_from_source(source)).is_file(), source


def test_reports_extra_is_installed_for_snakemake_report():
    assert "snakemake[reports]==" in (REPO / "requirements.txt").read_text()


def test_the_slurm_plugin_stays_out_of_the_default_environment():
    # Importing it runs SLURM client commands and slows every snakemake call.
    assert "slurm" not in (REPO / "requirements.lock").read_text()


def test_the_workflow_requires_the_snakemake_that_the_suite_runs():
    """README: the workflow requires the locked Snakemake, which this suite runs."""
    import snakemake

    locked = locked_versions((REPO / "requirements.lock").read_text())["snakemake"]
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    assert re.findall(r'min_version\("([^"]+)"\)', common) == [locked]
    assert snakemake.__version__ == locked
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"requires Snakemake {locked}, the version that `requirements.lock` pins" in readme


def test_make_makes_the_venv_with_the_python_it_is_given(make_checkout):
    """README: `make PYTHON=python3.12 run` makes .venv with another Python."""
    plan = subprocess.run(
        ["make", "-n", ".venv/.installed", "PYTHON=python3.12"],
        cwd=make_checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "python3.12 -m venv .venv" in plan
