"""The workflow runs through a real one-node SLURM cluster (tests/slurm/cluster.sh).

Needs root, Debian's slurm-wlm and munge, and .venv-slurm with the executor plugin
(`make slurm-env` sets both up). Without them the test is skipped, naming what is
missing; with MNIST_ABLATION_REQUIRE_SLURM=1 (set by .ci/run) it fails instead.
"""

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from clones import Workflow, make_clone, tiny_config
from project import REPO, TINY_CONFIG
from test_caching import fingerprints
from workflow_helpers import cluster_rules, planned_jobs

pytestmark = [pytest.mark.e2e, pytest.mark.slurm]
CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
SLURM_PYTHON = REPO / ".venv-slurm" / "bin" / "python"
DAEMONS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "runuser"]


def missing_pieces() -> list[str]:
    missing = [
        name for name in DAEMONS if not shutil.which(name) and not Path("/usr/sbin", name).exists()
    ]
    if missing:
        missing = [f"{', '.join(missing)} (apt-get install slurm-wlm munge, or make slurm-env)"]
    if os.geteuid() != 0:
        missing.append("root (the test cluster runs its daemons as root)")
    plugin = (
        subprocess.run(
            [str(SLURM_PYTHON), "-c", "import snakemake_executor_plugin_slurm"], capture_output=True
        )
        if SLURM_PYTHON.exists()
        else None
    )
    if plugin is None or plugin.returncode != 0:
        missing.append(".venv-slurm with snakemake-executor-plugin-slurm (make slurm-env)")
    return missing


@pytest.fixture(scope="module")
def cluster():
    missing = missing_pieces()
    if missing:
        message = "SLURM test needs: " + "; ".join(missing)
        if os.environ.get("MNIST_ABLATION_REQUIRE_SLURM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # munged runs as user munge and must reach its socket: no pytest 0700 folders.
    directory = Path(tempfile.mkdtemp(prefix="slurm-test-", dir="/tmp"))
    directory.chmod(0o711)
    try:
        subprocess.run([str(CLUSTER), "start", str(directory)], check=True, timeout=60)
        yield directory
    finally:
        subprocess.run([str(CLUSTER), "stop", str(directory)], timeout=60)
        shutil.rmtree(directory, ignore_errors=True)


def slurm_jobs() -> dict[str, str]:
    listing = subprocess.run(
        ["squeue", "-t", "all", "-h", "-o", "%i %T"], capture_output=True, text=True, check=True
    ).stdout
    return dict(line.split() for line in listing.splitlines())


def jobs_per_rule(slurm_logs: Path) -> dict[str, str]:
    """{SLURM job id: rule} of the jobs whose logs the executor plugin kept, in
    .snakemake/slurm_logs/rule_<rule>/[<wildcards>/]<job id>.log."""
    return {
        path.stem: path.relative_to(slurm_logs).parts[0].removeprefix("rule_")
        for path in slurm_logs.rglob("*.log")
    }


def test_the_workflow_runs_through_slurm_with_identical_results(cluster, tmp_path, request):
    """The study with the lecture, from .venv-slurm (an environment layered on .venv):
    the TensorFlow jobs as SLURM jobs, all other jobs on the submitting host
    (docs/cluster-and-gpu.md, "Which rules run where"), results as a local run's."""
    # Asked for here, not as an argument: pytest would build the session-scoped
    # local run before the cluster fixture could skip.
    base = request.getfixturevalue("base")
    before = set(slurm_jobs())
    (tmp_path / "cache").mkdir()
    flow = Workflow(make_clone(tmp_path / "clone"), tmp_path / "cache")
    flow.write_config(tiny_config(lecture=True))
    env = os.environ | {"SNAKEMAKE_OUTPUT_CACHE": str(flow.cache)}
    result = subprocess.run(
        [
            str(SLURM_PYTHON),
            "-m",
            "snakemake",
            "--profile",
            "profiles/slurm",
            "--slurm-no-account",
            "--configfile",
            TINY_CONFIG,
        ],
        cwd=flow.directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]

    jobs = {job: state for job, state in slurm_jobs().items() if job not in before}
    assert set(jobs.values()) == {"COMPLETED"}, jobs
    ran_on_slurm = jobs_per_rule(flow.path(".snakemake/slurm_logs"))
    assert set(ran_on_slurm) == set(jobs), output[-3000:]
    planned = Counter(rule for rule, _ in planned_jobs(output) if rule != "all")
    submitted = cluster_rules(REPO / "workflow" / "rules")
    # Each job of a cluster rule was a SLURM job, and no other job was.
    assert Counter(ran_on_slurm.values()) == {
        rule: n for rule, n in planned.items() if rule in submitted
    }
    assert {"train", "lecture"} <= set(ran_on_slurm.values())
    assert {"fetch", "aggregate", "plot_filters", "render_lecture"} <= set(planned) - submitted
    assert flow.path("results/mnist/lecture/lecture.html").is_file()
    assert fingerprints(flow) == fingerprints(base)
