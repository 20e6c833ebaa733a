"""Several seeds and two datasets, end to end on tiny generated data (the `study`
fixture of tests/conftest.py)."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import TWO_VARIANT_FINDINGS
from scipy import stats as scipy_stats
from workflow_helpers import planned_jobs

pytestmark = pytest.mark.e2e


def test_one_training_per_dataset_variant_and_seed(study):
    trained = sorted(
        (w["dataset"], w["variant"], w["seed"])
        for rule, w in planned_jobs(study.first_run.output)
        if rule == "train"
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
    assert (row["variant"], row["baseline"], row["n"], row["n_baseline"]) == (
        "v2_relu",
        "v1_sigmoid",
        2,
        2,
    )
    assert row["ci95_low"] <= row["mean_difference"] <= row["ci95_high"]
    assert 0 <= row["p_value"] <= 1


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_findings_with_two_seeds_test_the_images_and_the_seeds_paired(study, dataset):
    findings = pd.read_csv(study.path(f"results/{dataset}/findings.csv"))
    assert list(dict.fromkeys(findings["finding"])) == [
        item["name"] for item in TWO_VARIANT_FINDINGS
    ]
    final = pd.read_csv(study.path(f"results/{dataset}/histories.csv")).query("epoch == 2")
    accuracy = final.set_index(["variant", "seed"])["test_accuracy"]
    on_images, on_seeds = findings[findings["finding"] == "relu_beats_sigmoid"].itertuples()
    assert (on_images.covers, on_seeds.covers) == ("the test images", "the seeds")

    # The seeds: both variants trained seeds 0 and 1, so the test pairs them.
    relu, sigmoid = (
        [accuracy[(variant, seed)] for seed in (0, 1)] for variant in ("v2_relu", "v1_sigmoid")
    )
    assert on_seeds.test == "t test paired by seed"
    differences = np.subtract(relu, sigmoid)
    if differences[0] == differences[1]:
        assert (
            on_seeds.check_verdict == "inconclusive" and "no seed-to-seed spread" in on_seeds.reason
        )
    else:
        result = scipy_stats.ttest_rel(relu, sigmoid)
        assert (on_seeds.ci95_low, on_seeds.ci95_high, on_seeds.p_value) == pytest.approx(
            (*result.confidence_interval(0.95), result.pvalue)
        )

    # The test images: each image's vote over the two seeds, ties dropped.
    def right(variant):
        return np.mean(
            [
                pd.read_csv(
                    study.path(f"results/{dataset}/predictions/{variant}/seed{seed}.csv")
                ).eval("label == predicted")
                for seed in (0, 1)
            ],
            axis=0,
        )

    votes = right("v2_relu") - right("v1_sigmoid")
    better, worse = int((votes > 0).sum()), int((votes < 0).sum())
    assert on_images.images == better + worse
    assert on_images.p_value == pytest.approx(scipy_stats.binomtest(better, better + worse).pvalue)
    assert on_images.difference == pytest.approx(np.mean(relu) - np.mean(sigmoid), abs=1e-6)
    # One family: every p-value of this findings.csv, adjusted together.
    tested = findings["p_value"].notna()
    assert f"Holm over the {tested.sum()} tests of this table" in on_images.reason
    assert (findings.loc[tested, "p_holm"] >= findings.loc[tested, "p_value"]).all()


def test_cross_dataset_figure_and_class_names(study):
    for extension in ("png", "svg"):
        assert study.path(f"results/accuracy_by_dataset.{extension}").stat().st_size > 5000
    settings = json.loads(
        study.path("results/fashion_mnist/settings/plot_predictions/v2_relu.json").read_text()
    )
    assert settings["class_names"][:2] == ["T-shirt/top", "Trouser"]


def test_the_two_datasets_train_different_models(study):
    first = study.path("results/mnist/histories/v2_relu/seed0.csv").read_text()
    second = study.path("results/fashion_mnist/histories/v2_relu/seed0.csv").read_text()
    assert first != second
