"""Findings declared in the config, checked on hand-made histories against numbers
worked out here (ablation/findings.py); the intervals against SciPy's own."""

import math
import shutil
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from scipy import stats as scipy_stats

from ablation.findings import EXPECTATIONS, LAST, MEASURES, applying, verdicts
from conftest import REPO

LN10 = math.log(10)  # the training loss of a uniform guess over ten classes
# (variant) -> per seed: (loss at epoch 1, loss at epoch 2, test accuracy at epoch 2)
RUNS = {
    "base": [(2.0, 0.5, 0.90), (2.1, 0.6, 0.91), (2.2, 0.7, 0.92)],
    "better": [(0.4, 0.10, 0.97), (0.5, 0.15, 0.98), (0.6, 0.20, 0.99)],
    "flat": [(2.31, 2.30, 0.10), (2.30, 2.29, 0.11), (2.32, 2.31, 0.12)],
    "slow": [(1.5, 0.8, 0.85), (1.6, 0.9, 0.86), (1.7, 1.0, 0.87)],
}


def histories(runs=RUNS, seeds=None) -> pd.DataFrame:
    rows = []
    for variant, per_seed in runs.items():
        for seed, (first, second, accuracy) in enumerate(per_seed):
            if seeds is None or seed in seeds:
                rows += [{"variant": variant, "seed": seed, "epoch": 1, "loss": first,
                          "test_accuracy": accuracy - 0.05},
                         {"variant": variant, "seed": seed, "epoch": 2, "loss": second,
                          "test_accuracy": accuracy}]
    return pd.DataFrame(rows)


def finding(expect, variant, measure="training_loss", epoch=LAST, **parameters):
    return {"name": f"{variant}_{expect}", "sentence": f"{variant} {expect}", "variant": variant,
            "measure": measure, "epoch": epoch, "expect": expect} | parameters


def rows_of(declared, values=None, last_epoch=2):
    table = verdicts([declared], histories() if values is None else values, 10, last_epoch)
    return [row for _, row in table.iterrows()]


def welch(sample, reference):
    return scipy_stats.ttest_ind(sample, reference, equal_var=False).confidence_interval(0.95)


def one_sample(sample, value):
    """SciPy's 95% interval of the mean, less ``value``."""
    interval = scipy_stats.ttest_1samp(sample, value).confidence_interval(0.95)
    return interval.low - value, interval.high - value


def test_below_a_reference_variant_by_the_whole_welch_interval():
    [row] = rows_of(finding("below", "better", reference="base", epoch=1))
    assert (row["value"], row["against_value"]) == (pytest.approx(0.5), pytest.approx(2.1))
    assert row["difference"] == pytest.approx(-1.6)
    low, high = welch([0.4, 0.5, 0.6], [2.0, 2.1, 2.2])
    assert (row["ci95_low"], row["ci95_high"]) == (pytest.approx(low), pytest.approx(high))
    assert row["holds"] and row["check_holds"] and "Welch" in row["decided_by"]
    assert (row["epoch"], row["n"], row["n_against"]) == (1, 3, 3)


def test_above_a_number_counts_only_with_the_whole_interval_above_it():
    declared = finding("above", "better", measure="test_accuracy", threshold=0.96)
    [row] = rows_of(declared)
    # Mean 0.98 is above 0.96, but with a spread of 0.01 over 3 seeds the 95% interval
    # of the mean reaches below it: not shown.
    assert row["value"] == pytest.approx(0.98) and row["difference"] == pytest.approx(0.02)
    low, high = one_sample([0.97, 0.98, 0.99], 0.96)
    assert (row["ci95_low"], row["ci95_high"]) == (pytest.approx(low), pytest.approx(high))
    assert low < 0 < high and not row["holds"]
    # With one seed (0.97) the point estimate decides, and says so.
    [row] = rows_of(declared, histories(seeds={0}))
    assert row["holds"] and row["decided_by"] == "point estimate (one seed)"
    assert math.isnan(row["ci95_low"]) and row["difference"] == pytest.approx(0.01)


def test_near_chance_is_below_factor_times_chance():
    [row] = rows_of(finding("near_chance", "flat", measure="test_accuracy", factor=2))
    assert (row["value"], row["against_value"]) == (pytest.approx(0.11), pytest.approx(0.2))
    low, high = one_sample([0.10, 0.11, 0.12], 0.2)
    assert row["ci95_high"] == pytest.approx(high) and high < 0 and row["holds"]
    [row] = rows_of(finding("near_chance", "slow", measure="test_accuracy", factor=2))
    assert row["value"] == pytest.approx(0.86) and not row["holds"]


def test_flat_is_a_small_drop_below_a_uniform_guess():
    [row] = rows_of(finding("flat", "flat", max_drop=0.05))
    assert row["value"] == pytest.approx((LN10 - 2.30) / LN10)
    assert row["against_value"] == 0.05 and row["holds"]
    assert row["epoch"] == 2  # last: the run's last epoch
    [row] = rows_of(finding("flat", "slow", max_drop=0.05))
    assert row["value"] == pytest.approx((LN10 - 0.9) / LN10) and not row["holds"]


def test_falls_but_above_needs_both_checks():
    falls, above = rows_of(finding("falls_but_above", "slow", reference="base", min_drop=0.25))
    assert falls["value"] == pytest.approx((LN10 - 0.9) / LN10) and falls["against_value"] == 0.25
    assert (above["value"], above["against_value"]) == (pytest.approx(0.9), pytest.approx(0.6))
    assert falls["check_holds"] and above["check_holds"] and falls["holds"] and above["holds"]
    # ReLU-like: its loss falls, but below the reference's, so the finding fails.
    falls, above = rows_of(finding("falls_but_above", "better", reference="base", min_drop=0.25))
    assert falls["check_holds"] and not above["check_holds"]
    assert not falls["holds"] and not above["holds"]


def test_seeds_without_spread_leave_the_point_estimate_to_decide():
    same = {"base": [(2.0, 0.5, 0.9)] * 2, "better": [(0.5, 0.2, 0.95)] * 2}
    [row] = rows_of(finding("below", "better", reference="base"), histories(same))
    assert row["holds"] and row["decided_by"] == "point estimate (no spread across seeds)"


def test_a_side_without_numbers_does_not_hold():
    values = histories()
    values.loc[values["variant"] == "better", "loss"] = math.nan  # every seed diverged
    [row] = rows_of(finding("below", "better", reference="base"), values)
    assert not row["holds"] and row["decided_by"].startswith("no value")


def test_what_a_run_cannot_measure_is_listed_as_not_evaluated():
    [row] = rows_of(finding("below", "better", reference="missing"))
    assert pd.isna(row["holds"]) and row["note"] == "not evaluated: variant missing not in this study"
    [row] = rows_of(finding("below", "better", reference="base", epoch=3))
    assert pd.isna(row["holds"]) and "epoch 3 is beyond this run's 2 epochs" in row["note"]
    values = histories()
    values.loc[values["epoch"] == 1, "test_accuracy"] = math.nan
    [row] = rows_of(finding("above", "better", measure="test_accuracy", epoch=1, reference="base"), values)
    assert row["note"] == "not evaluated: this run did not measure the test accuracy at epoch 1"


def test_findings_apply_to_their_datasets_with_the_last_epoch_by_default():
    declared = [{"name": "everywhere"}, {"name": "only_b", "datasets": ["b"], "epoch": 1}]
    assert applying(declared, "a") == [{"epoch": LAST, "name": "everywhere"}]
    assert [item["name"] for item in applying(declared, "b")] == ["everywhere", "only_b"]
    assert applying(declared, "b")[1]["epoch"] == 1


def test_the_schema_names_the_measures_and_expectations_that_the_code_knows():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    item = schema["properties"]["findings"]["items"]["properties"]
    assert item["measure"]["enum"] == list(MEASURES)
    assert item["expect"]["enum"] == list(EXPECTATIONS)


# --- the tiny study's findings.csv, and CI's check of it -----------------------------

CHECK_FINDINGS = [sys.executable, ".ci/check_findings.py", "--configfile", ".test/config/config.yaml"]


@pytest.mark.e2e
def test_the_study_writes_every_declared_finding_with_the_histories_numbers(base):
    declared = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["findings"]
    table = pd.read_csv(base.path("results/mnist/findings.csv"))
    assert list(dict.fromkeys(table["finding"])) == [item["name"] for item in applying(declared, "mnist")]
    assert table["holds"].notna().all()
    assert set(table["decided_by"]) == {"point estimate (one seed)"}  # .test/: one seed
    histories = pd.read_csv(base.path("results/mnist/histories.csv")).set_index(["variant", "epoch"])
    for row in table.itertuples():
        item = next(item for item in declared if item["name"] == row.finding)
        assert row.epoch == 1  # 1 epoch: epoch 1 and last alike
        measured = histories.loc[(item["variant"], 1), MEASURES[item["measure"]][0]]
        if "as a drop relative to ln(10)" in row.check:
            assert row.value == pytest.approx((LN10 - measured) / LN10)
        else:
            assert row.value == pytest.approx(measured)
        if row.against in histories.index.get_level_values("variant"):
            assert row.against_value == pytest.approx(
                histories.loc[(row.against, 1), MEASURES[item["measure"]][0]])
        above = " above " in row.check
        assert row.check_holds == (row.value > row.against_value if above
                                   else row.value < row.against_value)


@pytest.mark.e2e
def test_ci_checks_the_findings_from_findings_csv(base, tmp_path):
    table = pd.read_csv(base.path("results/mnist/findings.csv"))
    result = subprocess.run(CHECK_FINDINGS, cwd=base.directory, capture_output=True, text=True)
    for name in dict.fromkeys(table["finding"]):
        assert f"mnist: {name}: " in result.stdout
    assert "ok   mnist: every variant trained for 1 epochs" in result.stdout
    assert result.returncode == (0 if table["holds"].all() else 1), result.stdout + result.stderr

    # A finding the config declares but findings.csv lacks fails, naming both lists.
    results = tmp_path / "results"
    (results / "mnist").mkdir(parents=True)
    shutil.copy(base.path("results/mnist/histories.csv"), results / "mnist")
    table[table["finding"] != table["finding"].iloc[0]].to_csv(results / "mnist/findings.csv", index=False)
    result = subprocess.run([*CHECK_FINDINGS, "--results", str(results)], cwd=base.directory,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"FAIL mnist: findings.csv has the declared findings: declared ['{table['finding'].iloc[0]}'" in result.stdout

    # Every finding holding passes; one that does not hold fails, naming it.
    table["holds"] = True
    table.to_csv(results / "mnist/findings.csv", index=False)
    result = subprocess.run([*CHECK_FINDINGS, "--results", str(results)], cwd=base.directory,
                            capture_output=True, text=True)
    assert result.returncode == 0 and "every finding holds on mnist" in result.stdout
    table.loc[table["finding"] == "no_pooling_barely_learns", "holds"] = False
    table.to_csv(results / "mnist/findings.csv", index=False)
    result = subprocess.run([*CHECK_FINDINGS, "--results", str(results)], cwd=base.directory,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "FAIL mnist: no_pooling_barely_learns: " in result.stdout
