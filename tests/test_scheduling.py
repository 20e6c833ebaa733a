"""Longest training first: a training job's priority is its cost, computed from the
variant's spec (workflow/rules/train_helpers.smk, get_training_priority)."""

import re

import pytest
from clones import Workflow, make_clone, tiny_config
from project import TINY_CONFIG, default_config
from workflow_helpers import planned_jobs

from ablation.architecture import forward_cost
from ablation.config import variant_specs
from ablation.datasets import IMAGE_SHAPE

DEFAULT = default_config()


def training_priorities(output: str) -> dict[str, float]:
    """Variant -> priority of each training job that a dry run lists."""
    priorities = {}
    for job in re.split(r"\n(?=(?:local)?rule \w+:)", output):
        if re.match(r"(?:local)?rule train:", job):
            variant = re.search(r"variant=(\w+)", job).group(1)
            priorities[variant] = float(re.search(r"priority: (\S+)", job).group(1))
    return priorities


@pytest.mark.e2e
def test_the_costliest_training_starts_first(uncached_committed_run):
    # One job at a time (--cores 1), so the order they start in is the order chosen.
    started = [
        wildcards["variant"]
        for rule, wildcards in planned_jobs(uncached_committed_run.first_run.output)
        if rule == "train"
    ]
    cost = {
        name: forward_cost(spec, IMAGE_SHAPE, 10) for name, spec in variant_specs(DEFAULT).items()
    }
    assert sorted(started) == sorted(cost)
    assert [cost[variant] for variant in started] == sorted(cost.values(), reverse=True)
    assert (started[0], started[-1]) == ("v3_no_pooling", "v4_no_conv")


@pytest.mark.e2e
def test_a_new_variant_with_more_work_goes_first(tmp_path):
    flow = Workflow(make_clone(tmp_path / "clone"), tmp_path / "cache")
    config = tiny_config()
    # YAML only: v3 without pooling, and wider dense layers on top.
    config["variants"] = DEFAULT["variants"] + [
        {"name": "v5_wide", "pooling": "none", "dense_units": [480, 84]}
    ]
    flow.write_config(config)
    priorities = training_priorities(flow.run("-n", "--configfile", TINY_CONFIG).output)
    assert max(priorities, key=priorities.get) == "v5_wide"
    assert sorted(priorities, key=priorities.get, reverse=True)[1] == "v3_no_pooling"
    # MACs per example x 300 training examples x 1 epoch, in millions.
    spec = variant_specs(DEFAULT | {"variants": config["variants"]})["v5_wide"]
    assert priorities["v5_wide"] == pytest.approx(forward_cost(spec, IMAGE_SHAPE, 10) * 300 / 1e6)
