"""Findings declared in the config, checked on hand-made histories and per-image
results (ablation/findings.py), each test against a reference implementation written
here or SciPy's own (ablation/evidence.py)."""

import math
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from project import CONFIG_SCHEMA, REPO, TEST_CONFIG, default_config
from scipy import stats as scipy_stats

from ablation import evidence
from ablation.findings import (
    EXPECTATIONS,
    LAST,
    MEASURES,
    applying,
    correct_per_image,
    references,
    verdicts,
)

LN10 = math.log(10)  # the training loss of a uniform guess over ten classes
RULES = {"alpha": 0.05, "min_seeds": 2}
# (variant) -> per seed: (loss at epoch 1, loss at epoch 2, test accuracy at epoch 2);
# seed to seed, each variant moves its own way, so paired differences have a spread.
RUNS = {
    "base": [(2.0, 0.5, 0.90), (2.1, 0.6, 0.91), (2.2, 0.7, 0.92)],
    "better": [(0.4, 0.10, 0.97), (0.55, 0.12, 0.98), (0.6, 0.22, 0.99)],
    "flat": [(2.31, 2.30, 0.10), (2.30, 2.29, 0.11), (2.32, 2.31, 0.12)],
    "slow": [(1.5, 0.8, 0.85), (1.6, 0.95, 0.86), (1.75, 0.99, 0.87)],
}


def histories(runs=RUNS, seeds=None) -> pd.DataFrame:
    rows = []
    for variant, per_seed in runs.items():
        for seed, (first, second, accuracy) in enumerate(per_seed):
            if seeds is None or seed in seeds:
                rows += [
                    {
                        "variant": variant,
                        "seed": seed,
                        "epoch": 1,
                        "loss": first,
                        "test_accuracy": accuracy - 0.05,
                    },
                    {
                        "variant": variant,
                        "seed": seed,
                        "epoch": 2,
                        "loss": second,
                        "test_accuracy": accuracy,
                    },
                ]
    return pd.DataFrame(rows)


def finding(expect, variant, measure="training_loss", epoch=LAST, **parameters):
    return {
        "name": f"{variant}_{expect}",
        "sentence": f"{variant} {expect}",
        "variant": variant,
        "measure": measure,
        "epoch": epoch,
        "expect": expect,
    } | parameters


def rows_of(declared, values=None, last_epoch=2, predictions=None, rules=RULES):
    declared = declared if isinstance(declared, list) else [declared]
    table = verdicts(
        declared, histories() if values is None else values, 10, last_epoch, rules, predictions
    )
    return [row for _, row in table.iterrows()]


def paired(sample, reference):
    result = scipy_stats.ttest_rel(sample, reference)
    return result.confidence_interval(0.95), result.pvalue


def one_sample(sample, value):
    """SciPy's 95% interval of the mean, less ``value``, and the p-value."""
    result = scipy_stats.ttest_1samp(sample, value)
    interval = result.confidence_interval(0.95)
    return interval.low - value, interval.high - value, result.pvalue


def reference_holm(p_values):
    """Holm (1979) step by step: the i-th smallest of m p-values times (m - i + 1), each
    at least the one before, at most 1."""
    order = sorted(range(len(p_values)), key=lambda index: p_values[index])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


# --- the tests, each against a reference ---------------------------------------------


def test_mcnemar_on_one_seed_is_the_exact_binomial_test_of_the_disagreeing_images():
    # 10 images: both right on 4, both wrong on 1 (ties, dropped), the variant alone
    # right on 4, the reference alone right on 1.
    variant = np.array([[1, 1, 1, 1, 0, 1, 1, 1, 1, 0]], dtype=bool)
    against = np.array([[1, 1, 1, 1, 0, 0, 0, 0, 0, 1]], dtype=bool)
    result = evidence.images_against_images(variant, against)
    binomial = scipy_stats.binomtest(4, 5, 0.5)
    assert result["p_value"] == pytest.approx(binomial.pvalue)
    assert (result["images"], result["difference"]) == (5, pytest.approx(0.3))
    won = binomial.proportion_ci(0.95, method="exact")  # Clopper-Pearson
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(
        (0.5 * (2 * won.low - 1), 0.5 * (2 * won.high - 1))
    )
    assert result["covers"] == evidence.IMAGES


def test_mcnemar_with_as_many_disagreements_each_way_finds_nothing():
    variant = np.array([[1, 0, 1, 0, 1]], dtype=bool)
    against = np.array([[0, 1, 0, 1, 1]], dtype=bool)
    result = evidence.images_against_images(variant, against)
    assert result["p_value"] == 1.0 and result["difference"] == 0
    agreeing = evidence.images_against_images(variant, variant)
    assert agreeing["cannot_judge"] == "the two agree on every test image"


def test_several_seeds_vote_per_image_and_tied_votes_are_dropped():
    # Two seeds: per image, the variant's right seeds minus the reference's.
    variant = np.array([[1, 1, 1, 0, 1, 1], [1, 1, 0, 0, 1, 1]], dtype=bool)
    against = np.array([[0, 0, 1, 1, 1, 0], [1, 0, 1, 0, 1, 0]], dtype=bool)
    votes = variant.mean(axis=0) - against.mean(axis=0)  # .5 1 -.5 -.5 0 1
    result = evidence.images_against_images(variant, against)
    assert result["images"] == 5  # the image with a tied vote dropped
    assert result["p_value"] == pytest.approx(scipy_stats.binomtest(3, 5, 0.5).pvalue)
    interval = scipy_stats.ttest_1samp(votes, 0).confidence_interval(0.95)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((interval.low, interval.high))
    assert result["difference"] == pytest.approx(votes.mean())


def test_accuracy_against_a_number_is_the_exact_binomial_test_per_seed():
    seed0 = np.array([1] * 90 + [0] * 10, dtype=bool)
    seed1 = np.array([1] * 85 + [0] * 15, dtype=bool)
    one = evidence.images_against_number([seed0], 0.8)
    binomial = scipy_stats.binomtest(90, 100, 0.8)
    interval = binomial.proportion_ci(0.95, method="exact")
    assert one["p_value"] == pytest.approx(binomial.pvalue)
    assert (one["ci_low"], one["ci_high"]) == pytest.approx(
        (interval.low - 0.8, interval.high - 0.8)
    )
    both = evidence.images_against_number([seed0, seed1], 0.8)
    # The claim on the images holds only as far as every seed's test: the largest p.
    assert both["p_value"] == pytest.approx(scipy_stats.binomtest(85, 100, 0.8).pvalue)
    assert both["difference"] == pytest.approx(0.075)
    # Seeds on both sides of the number: no side is shown.
    assert evidence.images_against_number([seed0, ~seed0], 0.5)["p_value"] == 1.0


def test_seeds_are_paired_where_both_variants_have_the_same_seeds_and_welch_otherwise():
    sample, against = {0: 0.97, 1: 0.985, 2: 0.99}, {0: 0.90, 1: 0.91, 2: 0.925}
    result = evidence.seeds_against_seeds(sample, against)
    interval, p_value = paired(list(sample.values()), list(against.values()))
    assert result["test"] == "t test paired by seed" and result["covers"] == evidence.SEEDS
    assert (result["ci_low"], result["ci_high"], result["p_value"]) == pytest.approx(
        (interval.low, interval.high, p_value)
    )
    del against[2]
    against[3] = 0.93
    result = evidence.seeds_against_seeds(sample, against)
    welch = scipy_stats.ttest_ind(list(sample.values()), list(against.values()), equal_var=False)
    assert result["test"].startswith("Welch")
    assert (result["ci_low"], result["ci_high"], result["p_value"]) == pytest.approx(
        (*welch.confidence_interval(0.95), welch.pvalue)
    )


def test_seeds_that_agree_to_rounding_give_no_test():
    # Three equal accuracies: a t test would divide by a spread of 1e-16.
    equal = {0: 0.1 + 0.2, 1: 0.3, 2: 0.3}
    assert "no seed-to-seed spread" in evidence.seeds_against_number(equal, 0.2)["cannot_judge"]
    assert (
        "no seed-to-seed spread"
        in evidence.seeds_against_seeds(equal, {0: 0.2, 1: 0.2, 2: 0.2})["cannot_judge"]
    )


def test_holm_adjusts_a_family_as_holm_did():
    p_values = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
    assert evidence.holm(p_values) == pytest.approx(reference_holm(p_values))
    assert evidence.holm([]) == []


# --- verdicts ------------------------------------------------------------------------


def test_below_a_reference_variant_holds_by_the_test_paired_by_seed():
    [row] = rows_of(finding("below", "better", reference="base", epoch=1))
    assert (row["value"], row["against_value"]) == (
        pytest.approx(0.5167, abs=1e-4),
        pytest.approx(2.1),
    )
    interval, p_value = paired([0.4, 0.55, 0.6], [2.0, 2.1, 2.2])
    assert (row["ci95_low"], row["ci95_high"]) == (
        pytest.approx(interval.low),
        pytest.approx(interval.high),
    )
    assert row["p_value"] == pytest.approx(p_value) == row["p_holm"]  # a family of one
    assert row["verdict"] == row["check_verdict"] == "holds"
    assert row["test"] == "t test paired by seed" and row["covers"] == "the seeds"
    assert (row["epoch"], row["n"], row["n_against"]) == (1, 3, 3)
    assert row["reason"].startswith("the seeds: difference -1.58, 95% interval")


def test_the_other_side_is_contradicted_and_too_little_evidence_inconclusive():
    [row] = rows_of(finding("above", "better", reference="base", epoch=1))
    assert row["verdict"] == "contradicted"
    declared = finding("above", "better", measure="test_accuracy", threshold=0.96)
    [row] = rows_of(declared)
    # Mean 0.98 is above 0.96, but with a spread of 0.01 over 3 seeds the 95% interval
    # of the mean reaches below it.
    low, high, p_value = one_sample([0.97, 0.98, 0.99], 0.96)
    assert (row["ci95_low"], row["ci95_high"], row["p_value"]) == pytest.approx(
        (low, high, p_value)
    )
    assert (
        row["verdict"] == "inconclusive"
        and f"the interval from {low:.3g} to {high:.3g} reaches 0" in row["reason"]
    )


def test_one_seed_cannot_judge_a_training_loss():
    [row] = rows_of(finding("below", "better", reference="base", epoch=1), histories(seeds={0}))
    assert row["verdict"] == "inconclusive" and pd.isna(row["p_value"])
    assert row["reason"] == (
        "one seed: no seed-to-seed spread to judge a training loss "
        "(mean over the epoch's batches) by"
    )


def test_one_seed_judges_a_test_accuracy_on_the_test_images():
    images = 200
    rng = np.random.default_rng(0)
    predictions = {("better", 0): rng.random(images) < 0.97, ("base", 0): rng.random(images) < 0.6}
    declared = finding("above", "better", measure="test_accuracy", reference="base")
    [row] = rows_of(declared, histories(seeds={0}), predictions=predictions)
    assert row["covers"] == "the test images" and row["test"] == "McNemar's exact test"
    assert row["verdict"] == "holds" and row["n"] == 1
    # With three seeds, the seeds' test beside it.
    predictions |= {
        (variant, seed): predictions[(variant, 0)]
        for variant in ("better", "base")
        for seed in (1, 2)
    }
    on_images, on_seeds = rows_of(declared, predictions=predictions)
    assert (on_images["covers"], on_seeds["covers"]) == ("the test images", "the seeds")
    assert on_images["test"] == "McNemar's exact test on each image's vote over the seeds"


def test_seeds_that_did_not_vary_weigh_neither_way():
    # A net that collapsed to one class scores the same on every seed: the test images
    # decide; with a training loss alone, nothing does.
    collapsed = {"flat": [(2.30, 2.30, 0.1135)] * 3, "base": RUNS["base"]}
    predictions = {("flat", seed): np.arange(1000) < 113 for seed in range(3)}
    declared = finding("near_chance", "flat", measure="test_accuracy", factor=2)
    on_images, on_seeds = rows_of(declared, histories(collapsed), predictions=predictions)
    assert on_images["check_verdict"] == "holds"
    assert on_seeds["check_verdict"] == "inconclusive"
    assert on_seeds["reason"] == (
        "no seed-to-seed spread: the 3 seeds agree to rounding: weighs neither way"
    )
    assert on_images["verdict"] == on_seeds["verdict"] == "holds"
    [row] = rows_of(finding("flat", "flat", max_drop=0.05), histories(collapsed))
    assert row["verdict"] == "inconclusive"


def test_a_family_is_every_test_of_one_table():
    declared = [
        finding("below", "better", reference="base", epoch=1),
        finding("flat", "flat", max_drop=0.05),
        finding("above", "better", measure="test_accuracy", threshold=0.96),
    ]
    rows = rows_of(declared)
    p_values = [row["p_value"] for row in rows]
    assert [row["p_holm"] for row in rows] == pytest.approx(reference_holm(p_values))
    assert all("after Holm over the 3 tests of this table" in row["reason"] for row in rows)


def test_a_diverged_seed_is_listed_and_too_few_left_is_inconclusive():
    values = histories()
    values.loc[(values["variant"] == "better") & (values["seed"] == 2), "loss"] = math.nan
    [row] = rows_of(finding("below", "better", reference="base", epoch=1), values)
    assert row["seeds_left_out"] == "better seed 2 (diverged)" and row["n"] == 2
    assert row["test"].startswith("Welch")  # the variants' seeds now differ
    assert "left out: better seed 2 (diverged)" in row["reason"]
    [row] = rows_of(
        finding("below", "better", reference="base", epoch=1),
        values,
        rules=RULES | {"min_seeds": 3},
    )
    assert row["verdict"] == "inconclusive"
    assert row["reason"].startswith(
        "1 of better's 3 seeds left out: 2 left, fewer than evidence.min_seeds (3)"
    )
    # A seed without the finding's epoch (a run that stopped early) is listed as such.
    values = histories().query("not (variant == 'slow' and seed == 0 and epoch == 2)")
    [row] = rows_of(finding("flat", "slow", max_drop=0.05), values)
    assert row["seeds_left_out"] == "slow seed 0 (no epoch 2)"


def test_a_side_without_numbers_is_inconclusive():
    values = histories()
    values.loc[values["variant"] == "better", "loss"] = math.nan  # every seed diverged
    [row] = rows_of(finding("below", "better", reference="base"), values)
    assert row["verdict"] == "inconclusive"
    assert row["reason"].startswith("no seed of better has a value (all 3 left out)")


def test_near_chance_is_below_factor_times_chance():
    [row] = rows_of(finding("near_chance", "flat", measure="test_accuracy", factor=2))
    assert (row["value"], row["against_value"]) == (pytest.approx(0.11), pytest.approx(0.2))
    low, high, _ = one_sample([0.10, 0.11, 0.12], 0.2)
    assert row["ci95_high"] == pytest.approx(high) and high < 0 and row["verdict"] == "holds"
    [row] = rows_of(finding("near_chance", "slow", measure="test_accuracy", factor=2))
    assert row["value"] == pytest.approx(0.86) and row["verdict"] == "contradicted"


def test_flat_is_a_small_drop_below_a_uniform_guess():
    [row] = rows_of(finding("flat", "flat", max_drop=0.05))
    assert row["value"] == pytest.approx((LN10 - 2.30) / LN10)
    assert row["against_value"] == 0.05 and row["verdict"] == "holds"
    assert row["epoch"] == 2  # last: the run's last epoch
    [row] = rows_of(finding("flat", "slow", max_drop=0.05))
    assert row["value"] == pytest.approx((LN10 - 0.9133) / LN10, abs=1e-4)
    assert row["verdict"] == "contradicted"


def test_falls_but_above_needs_both_checks():
    falls, above = rows_of(finding("falls_but_above", "slow", reference="base", min_drop=0.25))
    assert falls["against_value"] == 0.25 and above["against_value"] == pytest.approx(0.6)
    assert falls["check_verdict"] == above["check_verdict"] == "holds" == falls["verdict"]
    # ReLU-like: its loss falls, but below the reference's: contradicted.
    falls, above = rows_of(finding("falls_but_above", "better", reference="base", min_drop=0.25))
    assert (falls["check_verdict"], above["check_verdict"]) == ("holds", "contradicted")
    assert falls["verdict"] == above["verdict"] == "contradicted"


def test_a_finding_may_name_several_references():
    declared = finding("below", "better", reference=["base", "slow"], epoch=1)
    assert references(declared) == ["base", "slow"]
    base, slow = rows_of(declared)
    assert (base["against"], slow["against"]) == ("base", "slow")
    assert base["verdict"] == "holds" and slow["check_verdict"] == "holds"
    # Two seeds only: the larger p-value is not adjusted further, the smaller doubled.
    base, flat = rows_of(
        finding("below", "better", reference=["base", "flat"], epoch=1), histories(seeds={0, 1})
    )
    assert (base["p_holm"], flat["p_holm"]) == pytest.approx(
        reference_holm([base["p_value"], flat["p_value"]])
    )
    assert base["n"] == flat["n_against"] == 2


def test_what_a_run_cannot_measure_is_inconclusive_as_not_evaluated():
    [row] = rows_of(finding("below", "better", reference="missing"))
    assert row["verdict"] == "inconclusive"
    assert row["reason"] == "not evaluated: variant missing not in this study"
    [row] = rows_of(finding("below", "better", reference="base", epoch=3))
    assert "epoch 3 is beyond this run's 2 epochs" in row["reason"]
    values = histories()
    values.loc[values["epoch"] == 1, "test_accuracy"] = math.nan
    [row] = rows_of(
        finding("above", "better", measure="test_accuracy", epoch=1, reference="base"), values
    )
    assert row["reason"] == "not evaluated: this run did not measure the test accuracy at epoch 1"


def test_findings_apply_to_their_datasets_with_the_last_epoch_by_default():
    declared = [{"name": "everywhere"}, {"name": "only_b", "datasets": ["b"], "epoch": 1}]
    assert applying(declared, "a") == [{"epoch": LAST, "name": "everywhere"}]
    assert [item["name"] for item in applying(declared, "b")] == ["everywhere", "only_b"]
    assert applying(declared, "b")[1]["epoch"] == 1


def test_the_schema_names_the_measures_and_expectations_that_the_code_knows():
    schema = yaml.safe_load(CONFIG_SCHEMA.read_text())
    item = schema["properties"]["findings"]["items"]["properties"]
    assert item["measure"]["enum"] == list(MEASURES)
    assert item["expect"]["enum"] == list(EXPECTATIONS)


# --- the tiny study's findings.csv, and CI's check of it -----------------------------

CHECK_FINDINGS = [
    sys.executable,
    ".ci/check_findings.py",
    "--configfile",
    str(TEST_CONFIG.relative_to(REPO)),
]


def base_predictions(base, variants) -> dict:
    return {
        (variant, 0): correct_per_image(base.path(f"results/mnist/predictions/{variant}/seed0.csv"))
        for variant in variants
    }


@pytest.mark.e2e
def test_the_study_writes_every_declared_finding_with_the_histories_numbers(base):
    declared = default_config()["findings"]
    table = pd.read_csv(base.path("results/mnist/findings.csv"))
    assert list(dict.fromkeys(table["finding"])) == [
        item["name"] for item in applying(declared, "mnist")
    ]
    histories = pd.read_csv(base.path("results/mnist/histories.csv")).set_index(
        ["variant", "epoch"]
    )
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
                histories.loc[(row.against, 1), MEASURES[item["measure"]][0]]
            )
        # .test/: one seed. Test accuracy is judged on the test images, a training
        # loss cannot be judged.
        if item["measure"] == "test_accuracy":
            assert row.covers == "the test images" and 0 <= row.p_value <= row.p_holm <= 1
        else:
            assert row.check_verdict == "inconclusive" and row.reason.startswith("one seed")
    # A claim against several variants is checked against each.
    fastest = table[table["finding"] == "relu_converges_fastest"]
    assert fastest["against"].tolist() == references(
        next(item for item in declared if item["name"] == "relu_converges_fastest")
    )


@pytest.mark.e2e
def test_each_verdict_on_the_tiny_studys_own_histories_and_predictions(base):
    values = pd.read_csv(base.path("results/mnist/histories.csv"))
    predictions = base_predictions(base, sorted(set(values["variant"])))
    accuracy = values.set_index("variant").loc["v2_relu", "test_accuracy"]
    assert accuracy > 0.3  # the tiny data's label is a bright patch: ReLU finds it
    # A third of its accuracy: far below it, on 120 test images.
    low = round(accuracy / 3, 3)
    declared = [
        finding("above", "v2_relu", measure="test_accuracy", threshold=low),
        finding("below", "v2_relu", measure="test_accuracy", threshold=low),
        finding("below", "v2_relu", reference="v1_sigmoid", epoch=1) | {"name": "loss"},
    ]
    table = verdicts(declared, values, 10, 1, RULES, predictions)
    assert table["verdict"].tolist() == ["holds", "contradicted", "inconclusive"]
    binomial = scipy_stats.binomtest(int(predictions[("v2_relu", 0)].sum()), 120, low)
    assert table["p_value"].iloc[0] == pytest.approx(binomial.pvalue)
    assert table["test"].iloc[0] == "exact binomial test"


@pytest.mark.e2e
def test_ci_checks_the_findings_from_findings_csv(base, tmp_path):
    table = pd.read_csv(base.path("results/mnist/findings.csv"))
    result = subprocess.run(CHECK_FINDINGS, cwd=base.directory, capture_output=True, text=True)
    for name in dict.fromkeys(table["finding"]):
        assert f"mnist: {name}: " in result.stdout
    assert "ok   mnist: every variant trained for 1 epochs" in result.stdout
    # Nothing is required here: only a contradicted finding fails, and the
    # inconclusive ones (one seed: every training-loss finding) are listed.
    contradicted = (table["verdict"] == "contradicted").any()
    assert result.returncode == (1 if contradicted else 0), result.stdout + result.stderr
    assert "inconclusive here (not required" in result.stdout
    assert "mnist: no_pooling_barely_learns: inconclusive:" in result.stdout

    def check(verdicts: dict, required=()):
        """check_findings on base's findings.csv with the given findings' verdicts and
        the required findings named in an overlay."""
        results = tmp_path / "results"
        (results / "mnist").mkdir(parents=True, exist_ok=True)
        shutil.copy(base.path("results/mnist/histories.csv"), results / "mnist")
        changed = table.copy()
        changed["verdict"] = [verdicts.get(name, "holds") for name in changed["finding"]]
        changed.to_csv(results / "mnist/findings.csv", index=False)
        overlay = tmp_path / "required.yaml"
        overlay.write_text(yaml.safe_dump({"required_findings": list(required)}))
        return subprocess.run(
            [*CHECK_FINDINGS, str(overlay), "--results", str(results)],
            cwd=base.directory,
            capture_output=True,
            text=True,
        )

    result = check({})
    assert (
        result.returncode == 0
        and "every required finding holds and none is contradicted" in result.stdout
    )
    # A required finding must hold; inconclusive is not enough.
    result = check(
        {"no_pooling_barely_learns": "inconclusive"}, required=["no_pooling_barely_learns"]
    )
    assert result.returncode == 1
    assert "FAIL mnist: no_pooling_barely_learns (required): inconclusive: " in result.stdout
    # One not required fails only when contradicted.
    result = check({"no_pooling_barely_learns": "inconclusive"})
    assert (
        result.returncode == 0 and "mnist: no_pooling_barely_learns: inconclusive" in result.stdout
    )
    result = check({"no_pooling_barely_learns": "contradicted"})
    assert (
        result.returncode == 1
        and "FAIL mnist: no_pooling_barely_learns: contradicted: " in result.stdout
    )
    # A required name that no finding has is a typo to fix.
    result = check({}, required=["no_such_finding"])
    assert result.returncode == 1 and "['no_such_finding'] not under findings:" in result.stdout

    # A finding the config declares but findings.csv lacks fails, naming both lists.
    results = tmp_path / "results"
    table[table["finding"] != table["finding"].iloc[0]].to_csv(
        results / "mnist/findings.csv", index=False
    )
    result = subprocess.run(
        [*CHECK_FINDINGS, "--results", str(results)],
        cwd=base.directory,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert (
        f"FAIL mnist: findings.csv has the declared findings: declared ['{table['finding'].iloc[0]}'"
        in result.stdout
    )
