"""requirements.txt (pip) and environment.yml (conda) pin the same packages."""

import re

import yaml

from conftest import REPO


def pins(lines):
    return {
        re.sub(r"\[.*\]", "", line.split("==")[0]).strip().lower(): line.split("==")[1].strip()
        for line in lines
        if "==" in line and not line.lstrip().startswith("#")
    }


def test_requirements_and_environment_yml_agree():
    requirements = pins((REPO / "requirements.txt").read_text().splitlines())
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pins(pip_section) == requirements
    for required in ("snakemake", "tensorflow-cpu", "keras", "numpy", "pandas", "matplotlib", "pytest"):
        assert required in requirements
    assert requirements["snakemake"].startswith("9.27.")
    assert requirements["tensorflow-cpu"].startswith("2.21.")


def test_reports_extra_is_installed_for_snakemake_report():
    assert "snakemake[reports]==" in (REPO / "requirements.txt").read_text()


def test_the_slurm_plugin_stays_out_of_the_default_environment():
    # Importing it runs SLURM client commands and slows every snakemake call.
    assert "slurm" not in (REPO / "requirements.txt").read_text()
