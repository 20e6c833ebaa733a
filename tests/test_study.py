"""Several seeds and two datasets, end to end on tiny generated data
(the `study` fixture of tests/conftest.py)."""

import json

import pandas as pd
import pytest

from ablation.stats import welch_interval
from conftest import TWO_VARIANT_FINDINGS
from workflow_helpers import planned_jobs

pytestmark = pytest.mark.e2e


def test_one_training_per_dataset_variant_and_seed(study):
    trained = sorted(
        (w["dataset"], w["variant"], w["seed"])
        for rule, w in planned_jobs(study.first_run.output) if rule == "train"
    )
    assert trained == [
        (dataset, variant, seed)
        for dataset in ("fashion_mnist", "mnist")
        for variant in ("v1_sigmoid", "v2_relu")
        for seed in ("0", "1")
    ]


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_summary_has_mean_std_and_n_over_seeds(study, dataset):
    summary = pd.read_csv(study.path(f"results/{dataset}/summary.csv")).set_index("variant")
    assert summary["n_seeds"].tolist() == [2, 2]
    histories = pd.read_csv(study.path(f"results/{dataset}/histories.csv"))
    final = histories[histories["epoch"] == 2].groupby("variant")["test_accuracy"]
    assert summary["test_accuracy_mean"].to_dict() == pytest.approx(final.mean().to_dict())
    assert summary["test_accuracy_std"].to_dict() == pytest.approx(final.std().to_dict())


def test_comparisons_have_welch_intervals(study):
    comparisons = pd.read_csv(study.path("results/mnist/comparisons.csv"))
    row = comparisons.iloc[0]
    assert (row["variant"], row["baseline"], row["n"], row["n_baseline"]) == ("v2_relu", "v1_sigmoid", 2, 2)
    assert row["ci95_low"] <= row["mean_difference"] <= row["ci95_high"]
    assert 0 <= row["p_value"] <= 1


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_findings_with_two_seeds_decide_by_the_welch_interval(study, dataset):
    findings = pd.read_csv(study.path(f"results/{dataset}/findings.csv"))
    assert findings["finding"].tolist() == [item["name"] for item in TWO_VARIANT_FINDINGS]
    final = pd.read_csv(study.path(f"results/{dataset}/histories.csv")).query("epoch == 2")
    accuracy = final.groupby("variant")["test_accuracy"].apply(list)
    row = findings.set_index("finding").loc["relu_beats_sigmoid"]
    interval = welch_interval(accuracy["v2_relu"], accuracy["v1_sigmoid"])
    if interval is None:  # identical seeds: no spread
        assert row["decided_by"] == "point estimate (no spread across seeds)"
    else:
        assert (row["ci95_low"], row["ci95_high"]) == pytest.approx((interval["ci_low"], interval["ci_high"]))
        assert row["holds"] == (interval["ci_low"] > 0)
        assert row["decided_by"].startswith("whole 95% Welch interval")


def test_cross_dataset_figure_and_class_names(study):
    for extension in ("png", "svg"):
        assert study.path(f"results/accuracy_by_dataset.{extension}").stat().st_size > 5000
    settings = json.loads(study.path(
        "results/fashion_mnist/settings/plot_predictions/v2_relu.json").read_text())
    assert settings["class_names"][:2] == ["T-shirt/top", "Trouser"]


def test_the_two_datasets_train_different_models(study):
    first = study.path("results/mnist/histories/v2_relu/seed0.csv").read_text()
    second = study.path("results/fashion_mnist/histories/v2_relu/seed0.csv").read_text()
    assert first != second
