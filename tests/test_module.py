"""The workflow as a Snakemake module of another project (docs/module.md)."""

import os
import shutil
import stat

import pandas as pd
import pytest
import yaml
from snakemake.utils import update_config

from conftest import REPO, TEST_DATA, Workflow, shared_study, tiny_config
from workflow_helpers import planned_jobs

pytestmark = pytest.mark.e2e

EXTRA_VARIANT = {"name": "v5_relu_max", "description": "ReLU and max pooling",
                 "activation": "relu", "pooling": "max"}


EXTRA_FINDING = {"name": "relu_max_beats_sigmoid", "sentence": "ReLU and max pooling beat the sigmoid net",
                 "variant": "v5_relu_max", "reference": "v1_sigmoid", "measure": "test_accuracy",
                 "expect": "above"}


def project_snakefile(workflow_snakefile) -> str:
    """The user's Snakefile, as docs/module.md shows it."""
    return f"""configfile: "config/config.yaml"


module ablation:
    snakefile:
        "{workflow_snakefile}"
    config:
        config


use rule * from ablation


onsuccess:
    ablation.onsuccess()


onerror:
    ablation.onerror()
"""


@shared_study
def module_project(root, base):
    """A directory with only a config (the tiny study's baseline plus a variant of its
    own), the profile and a module Snakefile, run once with a copy of base's cache
    (the run adds to it, and other tests read base's)."""
    project = root / "project"
    (project / "config").mkdir(parents=True)
    shutil.copytree(REPO / "profiles", project / "profiles")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    # The project has no .test/ beside its config: the tiny data from where it lies.
    update_config(config, tiny_config([str(TEST_DATA)]))
    config["variants"] = [config["variants"][0], EXTRA_VARIANT]
    # The project's own claim about its variant: YAML only, checked in findings.csv.
    config["findings"] = [EXTRA_FINDING]
    (project / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    (project / "Snakefile").write_text(project_snakefile(REPO / "workflow" / "Snakefile"))
    shutil.copytree(base.cache, root / "cache")
    flow = Workflow(project, root / "cache")
    flow.first_run = flow.run("--cores", "2")
    return flow


def test_another_project_adds_a_variant_and_reuses_the_cached_trainings(module_project):
    """The project runs the study end to end; the training that the clone's run put
    into the cache comes back from it, only the new variant trains."""
    project, run = module_project.directory, module_project.first_run

    # Snakemake lists restored jobs too, and creates their log files, but runs nothing.
    variants = [wildcards["variant"] for rule, wildcards in planned_jobs(run.output) if rule == "train"]
    trained = [variant for variant in variants
               if (project / f"logs/mnist/train/{variant}/seed0.log").read_text()]
    assert trained == ["v5_relu_max"]
    assert "Symlinking output file results/mnist/models/v1_sigmoid/seed0.keras from cache" in run.output
    summary = (project / "results/mnist/summary.csv").read_text()
    for variant in ["v1_sigmoid", "v5_relu_max"]:
        assert variant in summary
        assert (project / f"results/mnist/figures/predictions/{variant}.png").is_file()
    assert (project / "results/mnist/figures/filters/v5_relu_max.png").is_file()
    findings = pd.read_csv(project / "results/mnist/findings.csv")
    assert findings[["finding", "variant", "reference"]].values.tolist() == [
        ["relu_max_beats_sigmoid", "v5_relu_max", "v1_sigmoid"]]
    assert findings["verdict"].isin(["holds", "contradicted", "inconclusive"]).all()
    restored = project / "results/mnist/models/v1_sigmoid/seed0.keras"
    assert restored.is_symlink()
    # The project's onsuccess handler protects the cache entries it links to.
    assert not os.stat(restored).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
