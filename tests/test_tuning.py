"""The learning-rate sweep. Unit tests on constructed tables, and one tiny
end-to-end sweep with the real snakemake on generated data."""

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from clones import Workflow, make_clone, tiny_config
from conftest import TWO_VARIANT_FINDINGS
from project import TINY_CONFIG
from scipy import stats as scipy_stats
from shared_studies import shared_study
from workflow_helpers import dry_run, planned_jobs, planned_rules

from ablation import tuning, tuning_plots
from ablation.integrity import file_sha256
from ablation.splits import load_split_as_pixels, save_split
from ablation.training import NonFiniteLoss, write_history
from ablation.tuning_tables import (
    collect_sweep,
    compare_tuned,
    grid_edge,
    runs_to_test,
    select_rates,
    summarize_sweep,
    sweep_values,
    sweep_verdicts,
)

# --- the validation split --------------------------------------------------------


def test_the_split_is_disjoint_from_the_rest_and_fixed_by_its_seed(tmp_path):
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = np.arange(50)  # each image names its index
    labels = (np.arange(50) % 10).astype(np.uint8)
    save_split(tmp_path / "all.npz", images, labels)
    written = []
    for run in ("first", "second"):
        outputs = {
            "train": tmp_path / f"{run}-train.npz",
            "validation": tmp_path / f"{run}-validation.npz",
            "indices": tmp_path / f"{run}-indices.csv",
        }
        tuning.split_training_set(tmp_path / "all.npz", 12, 3, outputs)
        written.append(outputs)
    held_out = pd.read_csv(written[0]["indices"])["index"].to_numpy()
    assert len(held_out) == 12 and len(set(held_out)) == 12
    validation, _ = load_split_as_pixels(written[0]["validation"])
    rest, rest_labels = load_split_as_pixels(written[0]["train"])
    assert validation[:, 0, 0, 0].tolist() == held_out.tolist()
    # Disjoint, together the whole training set, the rest in its original order.
    assert rest[:, 0, 0, 0].tolist() == sorted(set(range(50)) - set(held_out.tolist()))
    assert rest_labels.tolist() == labels[rest[:, 0, 0, 0]].tolist()
    # The same seed gives the same split on every run; another seed another one.
    assert written[0]["indices"].read_bytes() == written[1]["indices"].read_bytes()
    assert (tuning.validation_indices(50, 12, 3) == held_out).all()
    assert not (tuning.validation_indices(50, 12, 4) == held_out).all()


# --- selection -------------------------------------------------------------------


def finals(rows):
    return pd.DataFrame(
        [
            {
                "variant": v,
                "learning_rate": lr,
                "seed": s,
                "epochs": 1,
                "diverged": d,
                "val_accuracy": math.nan if d else acc,
                "val_loss": math.nan if d else 1 - acc,
            }
            for v, lr, s, acc, d in rows
        ]
    )


SWEEP = finals(
    [
        # a: 0.001 and 0.01 tie on the mean; the smaller rate wins.
        ("a", 0.001, 0, 0.90, False),
        ("a", 0.001, 1, 0.92, False),
        ("a", 0.01, 0, 0.91, False),
        ("a", 0.01, 1, 0.91, False),
        ("a", 0.1, 0, 0.20, False),
        ("a", 0.1, 1, 0.30, False),
        # b: its best seed ever is at 0.1, but the other seed diverged there.
        ("b", 0.001, 0, 0.50, False),
        ("b", 0.001, 1, 0.60, False),
        ("b", 0.01, 0, 0.70, False),
        ("b", 0.01, 1, 0.80, False),
        ("b", 0.1, 0, 0.99, False),
        ("b", 0.1, 1, 0.0, True),
    ]
)


def test_selection_takes_the_best_validation_mean_the_smaller_rate_on_ties_and_skips_divergence():
    sweep = summarize_sweep(SWEEP, ["b", "a"])
    assert sweep["variant"].tolist()[:3] == ["b", "b", "b"]
    diverged = sweep[sweep["diverged"]]
    assert diverged[["variant", "learning_rate", "n_diverged"]].values.tolist() == [["b", 0.1, 1]]
    assert math.isnan(diverged["val_accuracy_mean"].iloc[0])
    selected = select_rates(sweep, default_rate=0.001).set_index("variant")
    assert selected.loc["a", "learning_rate"] == 0.001
    assert selected.loc["b", "learning_rate"] == 0.01
    assert selected.loc["b", "val_accuracy_mean"] == pytest.approx(0.75)
    assert selected.loc["b", "default_val_accuracy_mean"] == pytest.approx(0.55)


def test_a_variant_that_diverged_at_every_rate_is_named():
    sweep = summarize_sweep(finals([("c", 0.1, 0, 0.0, True), ("c", 1.0, 0, 0.0, True)]), ["c"])
    with pytest.raises(ValueError, match="variant c diverged at every learning rate"):
        select_rates(sweep, default_rate=0.1)


def test_the_test_set_is_read_for_the_default_and_selected_rates_only():
    selected = select_rates(summarize_sweep(SWEEP, ["a", "b"]), default_rate=0.001)
    runs = runs_to_test(selected, [0, 1])
    assert sorted({(r["variant"], r["setting"], r["learning_rate"]) for r in runs}) == [
        ("a", "default", 0.001),
        ("a", "tuned", 0.001),
        ("b", "default", 0.001),
        ("b", "tuned", 0.01),
    ]


# --- divergence is a result ------------------------------------------------------


def test_a_diverged_point_is_recorded_not_failed(tmp_path, monkeypatch):
    checkpoint = tmp_path / "checkpoint"
    row = {"epoch": 1, "loss": 2.0, "accuracy": 0.3, "val_loss": 2.1, "val_accuracy": 0.25}

    def train_until_nan(**job):
        checkpoint.mkdir()
        (checkpoint / "model.keras").write_bytes(b"the model after epoch 1")
        (checkpoint / "state.json").write_text(
            json.dumps({"identity": {}, "rows": [row], "epoch_seconds": [4.0]})
        )
        raise NonFiniteLoss("loss became nan in epoch 2")

    monkeypatch.setattr(tuning, "train", train_until_nan)
    outputs = {
        name: tmp_path / f"seed0.{ext}"
        for name, ext in (("model", "keras"), ("history", "csv"), ("provenance", "json"))
    }
    tuning.train_sweep_point(
        spec={"name": "v2_relu"},
        settings={"learning_rate": 10.0},
        seed=0,
        dataset={"name": "mnist", "digest": "ab" * 32, "num_classes": 10},
        train_path=None,
        validation_path=None,
        checkpoint_dir=checkpoint,
        tensorboard_dir=tmp_path / "curves",
        outputs=outputs,
        source_directory=tmp_path,
    )
    sidecar = json.loads(outputs["provenance"].read_text())
    assert (sidecar["diverged"], sidecar["diverged_in_epoch"]) == (True, 2)
    assert sidecar["sha256"]["history"] == file_sha256(outputs["history"])
    assert outputs["model"].read_bytes() == b"the model after epoch 1"
    assert not checkpoint.exists()
    histories, run_rows = collect_sweep(
        [
            {
                "variant": "v2_relu",
                "learning_rate": 10.0,
                "seed": 0,
                "history": outputs["history"],
                "provenance": outputs["provenance"],
            }
        ]
    )
    assert histories["val_accuracy"].tolist() == [0.25]
    assert run_rows["diverged"].tolist() == [True]
    assert math.isnan(run_rows["val_accuracy"].iloc[0])


def test_a_finished_point_counts_as_not_diverged(tmp_path):
    history = tmp_path / "h.csv"
    write_history(
        history,
        [{"epoch": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.4}],
        "val",
    )
    sidecar = tmp_path / "h.json"
    sidecar.write_text(
        json.dumps({"epoch_seconds": [1.0], "sha256": {"history": file_sha256(history)}})
    )
    _, run_rows = collect_sweep(
        [
            {
                "variant": "a",
                "learning_rate": 0.001,
                "seed": 0,
                "history": history,
                "provenance": sidecar,
            }
        ]
    )
    assert run_rows[["diverged", "val_accuracy"]].values.tolist() == [[False, 0.4]]


def test_the_sweep_figure_marks_diverged_points_selected_rates_and_the_default(
    tmp_path, monkeypatch
):
    drawn = []
    monkeypatch.setattr(tuning_plots, "save_figure", lambda figure, paths: drawn.append(figure))
    sweep = summarize_sweep(SWEEP, ["a", "b"])
    tuning_plots.plot_learning_rate_sweep(
        sweep, select_rates(sweep, 0.001), 0.001, ["a", "b"], [tmp_path / "sweep.png"]
    )
    (axis,) = drawn[0].axes
    labels = axis.get_legend_handles_labels()[1]
    assert labels == ["a", "b", "diverged (loss NaN)", "default rate 0.001", "selected rate"]
    diverged = [
        collection
        for collection in axis.collections
        if collection.get_label() == "diverged (loss NaN)"
    ]
    assert diverged[0].get_offsets().tolist() == [[0.1, 0.0]]
    assert axis.get_xscale() == "log"


# --- the fair comparison and the verdicts ----------------------------------------


def results_on_test_set(accuracies: dict) -> pd.DataFrame:
    """(variant, setting) -> (rate, [test accuracy per seed])."""
    return pd.DataFrame(
        [
            {
                "variant": variant,
                "setting": setting,
                "learning_rate": rate,
                "seed": seed,
                "diverged": False,
                "test_loss": 1.0,
                "test_accuracy": accuracy,
            }
            for (variant, setting), (rate, values) in accuracies.items()
            for seed, accuracy in enumerate(values)
        ]
    )


TEST = results_on_test_set(
    {
        ("v1_sigmoid", "default"): (0.001, [0.90, 0.91, 0.93]),
        ("v2_relu", "default"): (0.001, [0.97, 0.975, 0.98]),
        ("v3_no_pooling", "default"): (0.001, [0.11, 0.10, 0.12]),
        ("v4_no_conv", "default"): (0.001, [0.85, 0.86, 0.84]),
        ("v1_sigmoid", "tuned"): (0.01, [0.975, 0.978, 0.976]),
        ("v2_relu", "tuned"): (0.003, [0.979, 0.975, 0.980]),
        ("v3_no_pooling", "tuned"): (0.0001, [0.96, 0.95, 0.97]),
        ("v4_no_conv", "tuned"): (0.01, [0.93, 0.94, 0.92]),
    }
)
VARIANTS = ["v1_sigmoid", "v2_relu", "v3_no_pooling", "v4_no_conv"]


def test_welch_intervals_match_scipy():
    comparisons = compare_tuned(TEST, "v1_sigmoid", VARIANTS).set_index(["setting", "variant"])
    for setting in ("default", "tuned"):
        base = TEST[(TEST["variant"] == "v1_sigmoid") & (TEST["setting"] == setting)][
            "test_accuracy"
        ]
        for variant in VARIANTS[1:]:
            sample = TEST[(TEST["variant"] == variant) & (TEST["setting"] == setting)][
                "test_accuracy"
            ]
            expected = scipy_stats.ttest_ind(sample, base, equal_var=False)
            interval = expected.confidence_interval(0.95)
            row = comparisons.loc[(setting, variant)]
            assert row["ci95_low"] == pytest.approx(interval.low)
            assert row["ci95_high"] == pytest.approx(interval.high)
            assert row["p_value"] == pytest.approx(expected.pvalue)
            assert row["test_accuracy_mean"] == pytest.approx(sample.mean())
            assert row["test_accuracy_std"] == pytest.approx(sample.std())
    assert comparisons.loc[("tuned", "v2_relu"), "baseline_learning_rate"] == 0.01


# The sweep's training losses at epochs 1 and 2 of each run in TEST, per seed.
SWEEP_LOSSES = {
    ("v1_sigmoid", "default"): [(2.0, 0.50), (2.1, 0.55), (2.2, 0.60)],
    ("v2_relu", "default"): [(0.4, 0.10), (0.55, 0.12), (0.6, 0.14)],
    ("v1_sigmoid", "tuned"): [(0.4, 0.20), (0.5, 0.25), (0.6, 0.30)],
    ("v2_relu", "tuned"): [(0.3, 0.10), (0.5, 0.12), (0.7, 0.14)],
}
SWEEP_HISTORIES = pd.DataFrame(
    [
        {
            "variant": variant,
            "learning_rate": TEST.set_index(["variant", "setting"])
            .loc[(variant, setting), "learning_rate"]
            .iloc[0],
            "seed": seed,
            "epoch": epoch,
            "loss": loss,
        }
        for (variant, setting), per_seed in SWEEP_LOSSES.items()
        for seed, losses in enumerate(per_seed)
        for epoch, loss in enumerate(losses, start=1)
    ]
)
SWEEP_FINDINGS = [
    {
        "name": "relu_above",
        "sentence": "s",
        "variant": "v2_relu",
        "reference": "v1_sigmoid",
        "measure": "test_accuracy",
        "epoch": "last",
        "expect": "above",
    },
    {
        "name": "no_pooling_near_chance",
        "sentence": "s",
        "variant": "v3_no_pooling",
        "measure": "test_accuracy",
        "epoch": "last",
        "expect": "near_chance",
        "factor": 2,
    },
    {
        "name": "relu_loss_below",
        "sentence": "s",
        "variant": "v2_relu",
        "reference": "v1_sigmoid",
        "measure": "training_loss",
        "epoch": 1,
        "expect": "below",
    },
    {
        "name": "accuracy_after_epoch_1",
        "sentence": "s",
        "variant": "v2_relu",
        "reference": "v1_sigmoid",
        "measure": "test_accuracy",
        "epoch": 1,
        "expect": "above",
    },
    {
        "name": "loss_at_epoch_3",
        "sentence": "s",
        "variant": "v2_relu",
        "reference": "v1_sigmoid",
        "measure": "training_loss",
        "epoch": 3,
        "expect": "below",
    },
]


def test_sweep_values_are_the_losses_of_each_epoch_and_the_test_accuracy_after_the_last():
    runs = TEST[(TEST["setting"] == "tuned") & TEST["variant"].isin(["v1_sigmoid", "v2_relu"])]
    values = sweep_values(runs, SWEEP_HISTORIES, epochs=2).set_index(["variant", "seed", "epoch"])
    assert values.loc[("v2_relu", 2, 1), "loss"] == 0.7
    assert math.isnan(values.loc[("v2_relu", 2, 1), "test_accuracy"])
    assert values.loc[("v2_relu", 2, 2), "test_accuracy"] == 0.980


RULES = {"alpha": 0.05, "min_seeds": 2}
# What tuning_select says of the rates: v3_no_pooling's best is the smallest swept.
SELECTED = pd.DataFrame(
    {
        "variant": VARIANTS,
        "grid_edge": [
            math.nan,
            math.nan,
            "the smallest rate swept: the optimum may lie beyond the grid",
            math.nan,
        ],
    }
)


def test_verdicts_at_the_default_and_the_tuned_rates():
    table = sweep_verdicts(TEST, SWEEP_HISTORIES, SWEEP_FINDINGS, 10, 2, RULES, SELECTED)
    assert table[["finding", "setting"]].values.tolist() == [
        [finding["name"], setting] for finding in SWEEP_FINDINGS for setting in ("default", "tuned")
    ]
    table = table.set_index(["finding", "setting"])
    states = table["verdict"].to_dict()
    assert {key: states[key] for key in list(states)[:6]} == {
        ("relu_above", "default"): "holds",
        # ReLU's edge vanishes once the sigmoid net gets its own rate.
        ("relu_above", "tuned"): "inconclusive",
        ("no_pooling_near_chance", "default"): "holds",
        ("no_pooling_near_chance", "tuned"): "contradicted",
        ("relu_loss_below", "default"): "holds",
        # Means 0.5 and 0.5 after the first epoch at the tuned rates.
        ("relu_loss_below", "tuned"): "inconclusive",
    }
    row = table.loc[("relu_above", "tuned")]
    assert (row["learning_rate"], row["reference_learning_rate"]) == (0.003, 0.01)
    assert row["value"] == pytest.approx((0.979 + 0.975 + 0.980) / 3)
    # The same seeds on both sides: paired by seed.
    result = scipy_stats.ttest_rel([0.979, 0.975, 0.980], [0.975, 0.978, 0.976])
    interval = result.confidence_interval(0.95)
    assert (row["ci95_low"], row["ci95_high"], row["p_value"]) == pytest.approx(
        (interval.low, interval.high, result.pvalue)
    )
    # Both settings are one family: 6 tests (the others cannot be evaluated).
    assert table["p_value"].notna().sum() == 6 and "Holm over the 6 tests" in row["reason"]
    row = table.loc[("relu_loss_below", "default")]
    assert (row["value"], row["against_value"]) == (
        pytest.approx(0.5167, abs=1e-4),
        pytest.approx(2.1),
    )
    # The tuned rate at the grid's edge is named; the default rate is no selection.
    assert table.loc[("no_pooling_near_chance", "tuned"), "grid_edge"].endswith(
        "the optimum may lie beyond the grid"
    )
    assert table.loc[("no_pooling_near_chance", "default"), "grid_edge"] == ""
    # The test set is read once, after the last epoch; the sweep trains 2 epochs.
    for finding, reason in [
        ("accuracy_after_epoch_1", "did not measure the test accuracy at epoch 1"),
        ("loss_at_epoch_3", "epoch 3 is beyond this run's 2 epochs"),
    ]:
        for setting in ("default", "tuned"):
            assert table.loc[(finding, setting), "verdict"] == "inconclusive"
            assert reason in table.loc[(finding, setting), "reason"]


def test_with_one_seed_no_verdict_rests_on_a_point_estimate():
    one_seed = TEST[TEST["seed"] == 0]
    table = sweep_verdicts(one_seed, SWEEP_HISTORIES, SWEEP_FINDINGS[:1], 10, 2, RULES, SELECTED)
    row = table.set_index(["finding", "setting"]).loc[("relu_above", "tuned")]
    assert row["verdict"] == "inconclusive"
    assert row["reason"] == "one seed: no seed-to-seed spread to judge a test accuracy by"
    assert math.isnan(row["ci95_low"])


def test_a_diverged_seed_of_the_sweep_is_left_out_by_name():
    diverged = TEST.copy()
    lost = (
        (diverged["variant"] == "v2_relu")
        & (diverged["setting"] == "default")
        & (diverged["seed"] == 2)
    )
    diverged.loc[lost, ["diverged", "test_accuracy"]] = [True, math.nan]
    table = sweep_verdicts(diverged, SWEEP_HISTORIES, SWEEP_FINDINGS[:1], 10, 2, RULES, SELECTED)
    row = table.set_index(["finding", "setting"]).loc[("relu_above", "default")]
    assert row["seeds_left_out"] == "v2_relu seed 2 (diverged)" and row["n"] == 2
    assert row["test"].startswith("Welch")


def test_a_rate_at_an_end_of_the_grid_is_flagged():
    selected = select_rates(summarize_sweep(SWEEP, ["a", "b"]), 0.001).set_index("variant")
    assert selected.loc["a", "grid_edge"] == (
        "the smallest rate swept: the optimum may lie beyond the grid"
    )
    assert selected.loc["b", "grid_edge"] == ""  # 0.01, between 0.001 and 0.1
    assert grid_edge(0.1, [0.001, 0.01, 0.1]).startswith("the largest rate swept")
    assert grid_edge(0.01, [0.01]) == ""  # one rate: no grid to lie beyond


# --- end to end ------------------------------------------------------------------

TUNING = {
    "learning_rates": [0.001, 0.01],
    "epochs": 1,
    "seeds": [0],
    "validation_size": 60,
    "split_seed": 0,
}


@shared_study
def sweep(root):
    """2 variants x 2 rates x 1 seed, 1 epoch, on the tiny generated data."""
    (root / "cache").mkdir()
    config = tiny_config()
    config["variants"] = [{"name": "v1_sigmoid"}, {"name": "v2_relu", "activation": "relu"}]
    config["findings"] = TWO_VARIANT_FINDINGS
    config["tuning"] = TUNING
    flow = Workflow(make_clone(root / "clone"), root / "cache")
    flow.write_config(config)
    flow.first_run = flow.run("--cores", "4", "tuning", "--configfile", TINY_CONFIG)
    return flow


@pytest.mark.e2e
def test_the_sweep_writes_tables_figures_and_verdicts(sweep):
    tuned = sweep.path("results/mnist/tuning")
    trained = sorted(
        (w["variant"], w["lr"])
        for rule, w in planned_jobs(sweep.first_run.output)
        if rule == "tune"
    )
    assert trained == [
        ("v1_sigmoid", "0.001"),
        ("v1_sigmoid", "0.01"),
        ("v2_relu", "0.001"),
        ("v2_relu", "0.01"),
    ]
    assert not any(rule == "train" for rule, _ in planned_jobs(sweep.first_run.output))
    sweep_table = pd.read_csv(tuned / "sweep.csv")
    assert len(sweep_table) == 4 and not sweep_table["diverged"].any()
    selected = pd.read_csv(tuned / "selected.csv")
    assert selected["variant"].tolist() == ["v1_sigmoid", "v2_relu"]
    assert set(selected["learning_rate"]) <= {0.001, 0.01}
    comparisons = pd.read_csv(tuned / "comparisons.csv")
    assert comparisons[["setting", "variant"]].values.tolist() == [
        ["default", "v1_sigmoid"],
        ["default", "v2_relu"],
        ["tuned", "v1_sigmoid"],
        ["tuned", "v2_relu"],
    ]
    findings = pd.read_csv(tuned / "findings.csv")
    assert findings[["finding", "setting"]].values.tolist() == [
        [finding["name"], setting]
        for finding in TWO_VARIANT_FINDINGS
        for setting in ("default", "tuned")
    ]
    assert set(findings["verdict"]) <= {"holds", "contradicted", "inconclusive"}
    for figure in ("learning_rate_sweep", "loss_at_selected_rates"):
        for extension in ("png", "svg"):
            assert (tuned / "figures" / f"{figure}.{extension}").stat().st_size > 5000
    # One split, the seeded one, for every variant; the jobs trained on the rest.
    held_out = pd.read_csv(tuned / "validation_indices.csv")["index"].to_numpy()
    assert (held_out == tuning.validation_indices(300, 60, 0)).all()
    sidecar = json.loads((tuned / "runs/v2_relu/lr0.01/seed0.json").read_text())
    assert sidecar["train_examples"] == 240
    # Each number named by its data: the sweep's trainings measure the validation
    # split, its one evaluation the test set.
    history = (tuned / "runs/v2_relu/lr0.01/seed0.csv").read_text().splitlines()
    assert history[0] == "epoch,loss,accuracy,val_loss,val_accuracy"
    assert "val_accuracy_mean" in sweep_table.columns
    test = pd.read_csv(tuned / "test.csv")
    assert {"test_loss", "test_accuracy"} <= set(test.columns)
    assert not [column for column in test.columns if column.startswith("val_")]
    assert (sidecar["training"]["learning_rate"], sidecar["training"]["epochs"]) == (0.01, 1)


@pytest.mark.e2e
def test_ci_checks_the_sweep_against_the_config(sweep):
    check = [sys.executable, ".ci/check_tuning.py", "--configfile", TINY_CONFIG]
    result = subprocess.run(check, cwd=sweep.directory, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for finding in TWO_VARIANT_FINDINGS:
        assert finding["name"] in result.stdout
    # A config that declares another finding than the sweep evaluated fails, naming it.
    other = sweep.write_config({"findings": TWO_VARIANT_FINDINGS[:1]}, "one_finding.yaml")
    result = subprocess.run(
        [*check, str(other), "--report", "no/report.html"],
        cwd=sweep.directory,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "check_tuning: no/report.html is missing" in result.stderr
    assert "mnist findings.csv has the rows" in result.stderr


@pytest.mark.e2e
def test_adding_a_rate_trains_only_that_rate(sweep):
    config = sweep.path(TINY_CONFIG)
    extra = sweep.write_config(
        {"tuning": TUNING | {"learning_rates": [0.001, 0.003, 0.01]}}, "more_rates.yaml"
    )
    output = sweep.run("-n", "tuning", "--configfile", str(config), str(extra)).output
    trained = sorted((w["variant"], w["lr"]) for rule, w in planned_jobs(output) if rule == "tune")
    assert trained == [("v1_sigmoid", "0.003"), ("v2_relu", "0.003")]
    assert "tuning_split" not in {rule for rule, _ in planned_jobs(output)}


def jobs(output: str) -> list:
    """The planned jobs in a fixed order (a dry run lists them in no particular one)."""
    return sorted((rule, sorted(wildcards.items())) for rule, wildcards in planned_jobs(output))


@pytest.mark.e2e
def test_the_tuning_section_leaves_the_default_study_alone(base):
    """The study's jobs and their settings are the same whatever the tuning section says."""
    assert "tune" not in planned_rules(base.first_run.output)  # `snakemake` alone: no sweep
    settings = sorted(base.path("results/mnist/settings").rglob("*.json"))
    before = {path: path.read_bytes() for path in settings}
    other = base.write_config(
        {
            "tuning": {
                "learning_rates": [0.5],
                "epochs": 7,
                "seeds": [3],
                "validation_size": 10,
                "split_seed": 9,
            }
        },
        "other_tuning.yaml",
    )
    assert "Nothing to be done" in dry_run(base, str(other))
    forced = dry_run(base, "--forceall")
    forced_other = dry_run(base, str(other), "--forceall")
    assert any(rule == "train" for rule, _ in jobs(forced))
    assert jobs(forced) == jobs(forced_other)
    assert {path: path.read_bytes() for path in settings} == before


@shared_study
def sweep_clone(root, sweep):
    """A fresh clone that has run sweep's tuning with sweep's cache."""
    clone = Workflow(make_clone(root / "clone"), sweep.cache)
    clone.write_config(yaml.safe_load(sweep.path(TINY_CONFIG).read_text()))
    clone.run("--cores", "4", "tuning", "--configfile", TINY_CONFIG)
    return clone


@pytest.mark.e2e
def test_another_clone_with_the_same_cache_trains_no_sweep_point(sweep, sweep_clone):
    clone = sweep_clone
    logs = list(clone.path("logs/mnist/tuning/runs").rglob("*.log"))
    # Snakemake creates the log files of jobs restored from the cache, but nothing runs.
    assert len(logs) == 4 and all(log.stat().st_size == 0 for log in logs)
    assert all(
        model.is_symlink() for model in clone.path("results/mnist/tuning/runs").rglob("*.keras")
    )
    for table in ("selected", "findings"):
        assert (
            clone.path(f"results/mnist/tuning/{table}.csv").read_text()
            == sweep.path(f"results/mnist/tuning/{table}.csv").read_text()
        )
