"""The workflow as a Snakemake module of another project (docs/module.md)."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from clones import Workflow, make_clone, tiny_config
from project import REPO, TEST_DATA, default_config
from shared_studies import shared_study
from snakemake.utils import update_config
from workflow_helpers import planned_jobs

pytestmark = pytest.mark.e2e

EXTRA_VARIANT = {
    "name": "v5_relu_max",
    "description": "ReLU and max pooling",
    "activation": "relu",
    "pooling": "max",
}


EXTRA_FINDING = {
    "name": "relu_max_beats_sigmoid",
    "sentence": "ReLU and max pooling beat the sigmoid net",
    "variant": "v5_relu_max",
    "reference": "v1_sigmoid",
    "measure": "test_accuracy",
    "expect": "above",
}


# The release a project deploys, as `snakedeploy deploy-workflow <repo> <dir> --tag TAG` names it.
TAG = "v0.1"


def project_snakefile(snakefile_source: str) -> str:
    """The project's workflow/Snakefile as snakedeploy writes it (docs/module.md), with
    ``snakefile_source`` as the module's snakefile: github(...) there, gitfile(...) or
    a local path here; and the handlers that docs/module.md adds."""
    return f"""configfile: "config/config.yaml"


module mnist_ablation:
    snakefile:
        {snakefile_source}
    config:
        config


use rule * from mnist_ablation


onsuccess:
    mnist_ablation.onsuccess()


onerror:
    mnist_ablation.onerror()
"""


def released_repository(root) -> Path:
    """A git repository of this repository's files whose commit is tagged TAG, and whose
    working tree then loses workflow/: no folder of the workflow's code lies on disk,
    only the tag has it. (gitfile(...) reads a repository with a working tree.)"""
    repository = make_clone(root / "mnist-ablation")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "release"], ["tag", TAG]):
        subprocess.run(git + command, cwd=repository, check=True, capture_output=True)
    shutil.rmtree(repository / "workflow")
    return repository


def module_project_directory(directory, snakefile_source: str) -> Path:
    """A project as snakedeploy lays it out: only config/config.yaml (the tiny study's
    baseline plus a variant of its own), the profile and workflow/Snakefile."""
    (directory / "config").mkdir(parents=True)
    (directory / "workflow").mkdir()
    shutil.copytree(REPO / "profiles", directory / "profiles")
    config = default_config()
    # The project has no .test/ beside its config: the tiny data from where it lies.
    update_config(config, tiny_config([str(TEST_DATA)], lecture=True))
    config["variants"] = [config["variants"][0], EXTRA_VARIANT]
    # The project's own claim about its variant: YAML only, checked in findings.csv.
    config["findings"] = [EXTRA_FINDING]
    (directory / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    (directory / "workflow" / "Snakefile").write_text(project_snakefile(snakefile_source))
    return directory


@shared_study
def module_project(root, base):
    """A project whose module reads the workflow from a git repository at tag TAG, run
    once (the lecture included) with a copy of base's cache (the run adds to it, and
    other tests read base's)."""
    source = f'gitfile("{released_repository(root)}", path="workflow/Snakefile", tag="{TAG}")'
    shutil.copytree(base.cache, root / "cache")
    flow = Workflow(module_project_directory(root / "project", source), root / "cache")
    flow.first_run = flow.run("--cores", "2")
    return flow


def test_another_project_adds_a_variant_with_cache_entries_of_its_own(module_project):
    """The project runs the study end to end with a variant of its own. The clone's
    training of the baseline, in the cache, does not come back (docs/module.md): the
    cache key hashes a rule's script as Snakemake reads it, and from git it reads the
    script without its last newline."""
    project, run = module_project.directory, module_project.first_run

    # Snakemake lists restored jobs too, and creates their log files, but runs nothing.
    variants = [
        wildcards["variant"] for rule, wildcards in planned_jobs(run.output) if rule == "train"
    ]
    trained = [
        variant
        for variant in variants
        if (project / f"logs/mnist/train/{variant}/seed0.log").read_text()
    ]
    assert sorted(trained) == ["v1_sigmoid", "v5_relu_max"]
    summary = (project / "results/mnist/summary.csv").read_text()
    for variant in ["v1_sigmoid", "v5_relu_max"]:
        assert variant in summary
        assert (project / f"results/mnist/figures/predictions/{variant}.png").is_file()
    assert (project / "results/mnist/figures/filters/v5_relu_max.png").is_file()
    findings = pd.read_csv(project / "results/mnist/findings.csv")
    assert findings[["finding", "variant", "reference"]].values.tolist() == [
        ["relu_max_beats_sigmoid", "v5_relu_max", "v1_sigmoid"]
    ]
    assert findings["verdict"].isin(["holds", "contradicted", "inconclusive"]).all()
    cached = project / "results/mnist/models/v1_sigmoid/seed0.keras"
    assert cached.is_symlink()
    # The project's onsuccess handler protects the cache entries it links to.
    assert not os.stat(cached).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_a_module_at_a_release_tag_runs_the_study_with_its_lecture_and_then_nothing(module_project):
    """Every file the workflow's code needs, at parse time and in its jobs, comes from
    the git source at the tag: the package, the scripts, the notebook and its kernel,
    the schema, the report captions. The second run does nothing."""
    project = module_project.directory
    for ext in ["ipynb", "html"]:
        assert (project / f"results/mnist/lecture/lecture.{ext}").stat().st_size
    assert "Nothing to be done" in module_project.run("--cores", "2").output


def test_a_module_at_a_local_path_plans_the_study(tmp_path):
    """The way to develop (docs/module.md): the module's snakefile is a clone's path."""
    project = module_project_directory(tmp_path / "project", f'"{REPO / "workflow" / "Snakefile"}"')
    run = Workflow(project, tmp_path / "cache").run("--cores", "2", "--dry-run")
    assert {"train", "lecture", "findings"} <= {rule for rule, _ in planned_jobs(run.output)}
