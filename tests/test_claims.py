"""Documented claims checked on real runs: bit-identical figures, parallel trainings,
accuracies that agree with the predictions, and the git commit in the provenance."""

import json
import re

import pandas as pd
import pytest
from project import VARIANTS
from workflow_helpers import JOB_START

JOB_ID = re.compile(r"^\s+jobid: (\d+)$")
FINISHED = re.compile(r"^Finished jobid: (\d+) ")
pytestmark = pytest.mark.e2e


def figures(flow) -> dict[str, bytes]:
    folder = flow.path("results/mnist/figures")
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_every_figure_is_rebuilt_bit_for_bit(base, uncached_committed_run):
    first, second = figures(base), figures(uncached_committed_run)
    # loss_comparison, filters of the 3 conv variants, predictions and confusion of all 4.
    assert len(first) == 2 * (1 + 3 + 4 + 4)
    assert {name.rsplit(".", 1)[1] for name in first} == {"png", "svg"}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def max_in_flight(output: str, rule: str) -> int:
    """Most jobs of ``rule`` started and not yet finished at once, in log order."""
    current_rule, rules, running, most = None, {}, set(), 0
    for line in output.splitlines():
        if start := JOB_START.match(line):
            current_rule = start.group(1)
        elif (job := JOB_ID.match(line)) and current_rule:
            rules[job.group(1)] = current_rule
            running.add(job.group(1))
            current_rule = None
        elif finished := FINISHED.match(line):
            running.discard(finished.group(1))
        most = max(most, sum(rules[job] == rule for job in running))
    return most


def test_cores_4_runs_two_trainings_side_by_side(base):
    most = max_in_flight(base.first_run.output, "train")
    assert most >= 2, f"at most {most} training(s) at a time with --cores 4"


def test_summary_accuracy_is_the_accuracy_of_the_predictions(base):
    summary = pd.read_csv(base.path("results/mnist/summary.csv")).set_index("variant")
    for variant in VARIANTS:
        predictions = pd.read_csv(base.path(f"results/mnist/predictions/{variant}/seed0.csv"))
        assert len(predictions) == 120
        accuracy = (predictions["predicted"] == predictions["label"]).mean()
        # Keras keeps accuracy in float32: k/120 rounded to float32 is within 1e-8.
        assert summary.at[variant, "test_accuracy_mean"] == pytest.approx(accuracy, abs=1e-6), (
            variant
        )


def test_train_script_records_the_commit_of_its_checkout(uncached_committed_run):
    flow = uncached_committed_run  # its empty cache: the training really ran there
    assert "epoch 1/1 loss=" in flow.path("logs/mnist/train/v2_relu/seed0.log").read_text()
    sidecar = json.loads(flow.path("results/mnist/histories/v2_relu/seed0.json").read_text())
    assert sidecar["git"] == {"commit": flow.head, "dirty": False}
