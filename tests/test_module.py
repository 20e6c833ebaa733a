"""The workflow as a Snakemake module of another project (docs/module.md)."""

import os
import shutil
import stat

import pytest
import yaml
from snakemake.utils import update_config

from conftest import REPO, Workflow, tiny_config
from workflow_helpers import planned_jobs

pytestmark = pytest.mark.e2e

EXTRA_VARIANT = {"name": "v5_relu_max", "description": "ReLU and max pooling",
                 "activation": "relu", "pooling": "max"}


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


def test_another_project_adds_a_variant_and_reuses_the_cached_trainings(tmp_path, base, served_tiny):
    """A directory with only a config (the tiny study's baseline plus a variant of its
    own), the profile and a module Snakefile runs the study end to end; the training
    that the clone's run put into the cache comes back from it, only the new variant
    trains."""
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    shutil.copytree(REPO / "profiles", project / "profiles")
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    url, _ = served_tiny  # the project has no .test/ beside its config
    update_config(config, tiny_config([url]))
    config["variants"] = [config["variants"][0], EXTRA_VARIANT]
    (project / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    (project / "Snakefile").write_text(project_snakefile(REPO / "workflow" / "Snakefile"))
    # A copy of the clone's cache: the run adds to it, and other tests read that one.
    cache = tmp_path / "cache"
    shutil.copytree(base.cache, cache)

    run = Workflow(project, cache).run("--cores", "2")

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
    restored = project / "results/mnist/models/v1_sigmoid/seed0.keras"
    assert restored.is_symlink()
    # The project's onsuccess handler protects the cache entries it links to.
    assert not os.stat(restored).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
