"""The study's tables from the trainings' histories: a history that differs from its
record is refused, the tables are tidy, and the summary's mean, spread and Welch
interval match SciPy, with no interval from a single seed."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats
from workflow_helpers import HISTORY_COLUMNS

from ablation.integrity import DamagedOutput, file_sha256
from ablation.stats import (
    collect_histories,
    compare_with_baseline,
    summarize,
    welch_interval,
    write_tables,
)


def write_run(directory, variant, seed, accuracies, losses, split="test"):
    history = directory / f"{variant}-{seed}.csv"
    pd.DataFrame(
        {
            "epoch": range(1, len(losses) + 1),
            "loss": losses,
            "accuracy": accuracies,
            f"{split}_loss": [value + 0.1 for value in losses],
            f"{split}_accuracy": accuracies,
        }
    ).to_csv(history, index=False)
    sidecar = directory / f"{variant}-{seed}.json"
    sidecar.write_text(
        json.dumps(
            {
                "epoch_seconds": [1.5] * len(losses),
                "parameters": 100,
                "data_sha256": "ab" * 32,
                "sha256": {"history": file_sha256(history)},
            }
        )
    )
    return {"variant": variant, "seed": seed, "history": history, "provenance": sidecar}


def test_a_history_that_differs_from_its_record_is_refused(tmp_path):
    run = write_run(tmp_path, "base", 0, [0.5, 0.80], [1.0, 0.5])
    run["history"].write_text(run["history"].read_text().replace("0.8", "0.9"))
    with pytest.raises(
        DamagedOutput, match=r"base-0.csv is damaged: .* recorded .* in .*base-0.json"
    ):
        collect_histories("mnist", [run])


def test_a_history_with_the_names_of_another_version_is_refused(tmp_path):
    """Test-set numbers were once called val_*: such a history, restored from
    somewhere, must not mix its names into the tables."""
    runs = [
        write_run(tmp_path, "base", 0, [0.8], [0.5]),
        write_run(tmp_path, "old", 0, [0.9], [0.4], split="val"),
    ]
    with pytest.raises(
        ValueError,
        match=r"old-0.csv: columns epoch,loss,accuracy,val_loss,"
        r"val_accuracy, but a training writes .*test_accuracy",
    ):
        collect_histories("mnist", runs)


@pytest.fixture
def runs(tmp_path):
    return [
        write_run(tmp_path, "base", 0, [0.5, 0.80], [1.0, 0.5]),
        write_run(tmp_path, "base", 1, [0.5, 0.82], [1.0, 0.4]),
        write_run(tmp_path, "base", 2, [0.5, 0.84], [1.0, 0.3]),
        write_run(tmp_path, "better", 0, [0.6, 0.90], [0.9, 0.2]),
        write_run(tmp_path, "better", 1, [0.6, 0.95], [0.9, 0.1]),
    ]


def test_histories_are_long_and_tidy(runs):
    histories = collect_histories("mnist", runs)
    assert list(histories.columns) == HISTORY_COLUMNS
    assert len(histories) == 10
    assert set(histories["dataset"]) == {"mnist"}


def test_summary_reports_mean_std_and_n_of_the_final_epoch(runs):
    summary = summarize(collect_histories("mnist", runs), ["base", "better"])
    base = summary.set_index("variant").loc["base"]
    assert base["n_seeds"] == 3
    assert base["test_accuracy_mean"] == pytest.approx(0.82)
    assert base["test_accuracy_std"] == pytest.approx(0.02)  # sample std of .80 .82 .84
    assert base["test_loss_mean"] == pytest.approx(0.5)
    assert base["training_seconds_mean"] == pytest.approx(3.0)
    assert list(summary["variant"]) == ["base", "better"]


def test_welch_interval_matches_scipy_and_a_hand_computation():
    a, b = [0.90, 0.95], [0.80, 0.82, 0.84]
    interval = welch_interval(a, b)
    reference = scipy_stats.ttest_ind(a, b, equal_var=False)
    assert interval["p_value"] == pytest.approx(reference.pvalue)
    se = np.sqrt(np.var(a, ddof=1) / 2 + np.var(b, ddof=1) / 3)
    df = se**4 / ((np.var(a, ddof=1) / 2) ** 2 / 1 + (np.var(b, ddof=1) / 3) ** 2 / 2)
    assert interval["df"] == pytest.approx(df)
    half = scipy_stats.t.ppf(0.975, df) * se
    assert interval["ci_low"] == pytest.approx(0.105 - half)
    assert interval["ci_high"] == pytest.approx(0.105 + half)


def test_one_seed_gives_no_interval_and_says_why(tmp_path):
    runs = [
        write_run(tmp_path, "base", 0, [0.8], [0.5]),
        write_run(tmp_path, "other", 0, [0.9], [0.4]),
    ]
    table = compare_with_baseline(collect_histories("mnist", runs), "base")
    row = table.iloc[0]
    assert row["mean_difference"] == pytest.approx(0.1)
    assert np.isnan(row["ci95_low"]) and np.isnan(row["p_value"])
    assert "at least 2 seeds" in row["note"]


def test_write_tables_writes_all_three(runs, tmp_path):
    outputs = {name: tmp_path / f"{name}.csv" for name in ("histories", "summary", "comparisons")}
    write_tables("mnist", runs, ["base", "better"], "base", outputs)
    comparisons = pd.read_csv(outputs["comparisons"])
    assert list(comparisons["variant"]) == ["better"]
    assert comparisons["ci95_low"][0] < 0.105 < comparisons["ci95_high"][0]
