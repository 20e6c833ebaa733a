"""The metrics diff against a committed reference (config reference:, rule metrics_diff,
.ci/check_metrics_diff.py): hand-made tables, and the rule in the shared tiny study."""

import contextlib
import importlib.util
import io
import math
import subprocess
import sys
from unittest import mock

import pandas as pd
import pytest
import yaml
from project import CONFIG_SCHEMA, REPO, TINY_CONFIG, default_config
from workflow_helpers import planned_rules

from ablation.reference import SUMMARY_NUMBERS, metrics_diff, write_metrics_diff
from ablation.stats import summarize

CHECK = REPO / ".ci" / "check_metrics_diff.py"
TOLERANCE = {"parameters": 0, "test_accuracy_mean": 0.01, "test_loss_mean": 0.05}


def summary(rows) -> pd.DataFrame:
    """A summary.csv of (dataset, variant, parameters, test_accuracy_mean, test_loss_mean)."""
    return pd.DataFrame(rows, columns=["dataset", "variant", *TOLERANCE])


REFERENCE = summary(
    [
        ["mnist", "v1", 100, 0.90, 0.30],
        ["mnist", "v2", 120, 0.97, 0.10],
        ["other", "v1", 100, 0.50, 1.00],
    ]
)


def status(table) -> dict:
    return {(row.variant, row.metric): row.status for row in table.itertuples()}


def test_the_summary_numbers_are_those_summarize_writes():
    histories = pd.DataFrame(
        {
            "dataset": "mnist",
            "variant": "v1",
            "seed": [0, 0],
            "epoch": [1, 2],
            "test_loss": [0.5, 0.4],
            "test_accuracy": [0.8, 0.9],
            "parameters": 100,
            "data_sha256": "ab" * 32,
            "seconds": 1.0,
        }
    )
    columns = summarize(histories, ["v1"]).columns
    assert [
        name for name in columns if name not in ("dataset", "variant", "data_sha256")
    ] == SUMMARY_NUMBERS


def test_numbers_within_the_tolerance_pass():
    run = summary([["mnist", "v1", 100, 0.905, 0.33], ["mnist", "v2", 120, 0.961, 0.149]])
    table = metrics_diff(run, REFERENCE, "mnist", TOLERANCE, {})
    assert set(status(table).values()) == {"ok"}
    assert len(table) == 2 * len(TOLERANCE)  # the other dataset's rows are not this one's
    row = table.set_index(["variant", "metric"]).loc[("v1", "test_accuracy_mean")]
    assert (row.run, row.reference, row.tolerance) == (0.905, 0.90, 0.01)
    assert row.difference == pytest.approx(0.005)


def test_a_moved_number_is_named_by_variant_and_metric():
    run = summary([["mnist", "v1", 100, 0.90, 0.30], ["mnist", "v2", 121, 0.95, 0.10]])
    table = metrics_diff(run, REFERENCE, "mnist", TOLERANCE, {})
    assert {key for key, said in status(table).items() if said != "ok"} == {
        ("v2", "parameters"),
        ("v2", "test_accuracy_mean"),
    }
    assert status(table)[("v2", "test_accuracy_mean")] == "beyond tolerance"


def test_a_variant_with_its_own_tolerance_is_held_to_it_and_the_others_are_not():
    run = summary([["mnist", "v1", 100, 0.92, 0.30], ["mnist", "v2", 120, 0.99, 0.10]])
    table = metrics_diff(run, REFERENCE, "mnist", TOLERANCE, {"v2": {"test_accuracy_mean": 0.03}})
    assert {key for key, said in status(table).items() if said != "ok"} == {
        ("v1", "test_accuracy_mean")
    }  # both moved by 0.02; v1 is held to 0.01
    tolerances = table.set_index(["variant", "metric"])["tolerance"]
    assert tolerances[("v2", "test_accuracy_mean")] == 0.03
    assert tolerances[("v2", "test_loss_mean")] == tolerances[("v1", "test_loss_mean")] == 0.05


def ci_config() -> dict:
    """config/ci.yaml as the workflow reads it: over config/config.yaml, the schema's
    defaults filled in."""
    from snakemake.utils import update_config, validate

    config = default_config()
    update_config(config, yaml.safe_load((REPO / "config" / "ci.yaml").read_text()))
    validate(config, str(CONFIG_SCHEMA))
    return config


# CI's numbers on 2026-12-03 (an AMD EPYC with AVX2 only; the table was written with
# AVX-512): another CPU kind, no change to the science. The MNIST ones are from the
# same run repeated on such a machine, to the six decimals metrics_diff.md prints.
OTHER_CPU_KIND = {
    ("mnist", "v2_relu"): (0.9736, 0.079495),
    ("fashion_mnist", "v2_relu"): (0.8468, 0.4209649860858917),
}


def test_the_ci_tolerances_pass_another_cpu_kind_and_fail_a_moved_sigmoid_variant():
    reference = ci_config()["reference"]
    table = pd.read_csv(REPO / reference["summary"])
    run = table.copy()
    for (dataset, variant), numbers in OTHER_CPU_KIND.items():
        row = run["dataset"].eq(dataset) & run["variant"].eq(variant)
        run.loc[row, ["test_accuracy_mean", "test_loss_mean"]] = numbers

    def moved(run):
        return {
            (dataset, *key)
            for dataset in ("mnist", "fashion_mnist")
            for key, said in status(
                metrics_diff(
                    run, table, dataset, reference["tolerance"], reference["tolerance_by_variant"]
                )
            ).items()
            if said != "ok"
        }

    assert moved(run) == set()
    sigmoid = run["dataset"].eq("mnist") & run["variant"].eq("v1_sigmoid")
    run.loc[sigmoid, "test_accuracy_mean"] += 0.006
    assert moved(run) == {("mnist", "v1_sigmoid", "test_accuracy_mean")}


def test_a_variant_on_one_side_only_is_no_pass():
    run = summary([["mnist", "v1", 100, 0.90, 0.30], ["mnist", "v9", 100, 0.90, 0.30]])
    table = metrics_diff(run, REFERENCE, "mnist", TOLERANCE, {})
    said = status(table)
    assert said[("v9", "test_loss_mean")] == "no reference"
    assert said[("v2", "test_loss_mean")] == "not in this run"
    assert math.isnan(table.set_index(["variant", "metric"]).loc[("v9", "parameters")].reference)


def test_an_empty_std_matches_an_empty_std_only():
    """With one seed summary.csv's std is empty, in the reference too."""
    tolerance = {"test_accuracy_std": 0.01}
    reference = pd.DataFrame(
        {
            "dataset": ["mnist"] * 2,
            "variant": ["v1", "v2"],
            "test_accuracy_std": [math.nan, math.nan],
        }
    )
    run = reference.assign(test_accuracy_std=[math.nan, 0.002])
    assert status(metrics_diff(run, reference, "mnist", tolerance, {})) == {
        ("v1", "test_accuracy_std"): "ok",
        ("v2", "test_accuracy_std"): "beyond tolerance",
    }


def ci_check():
    """.ci/check_metrics_diff.py as a module: in this process, no Python start-up."""
    spec = importlib.util.spec_from_file_location("check_metrics_diff", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(results, *datasets, update=False, reference=None):
    """Run the CI check as from the command line: (exit status, stdout, stderr)."""
    argv = [str(CHECK), "--results", str(results), *datasets]
    if update:
        argv += ["--update", "--reference", str(reference)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        mock.patch.object(sys, "argv", argv),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        try:
            status = ci_check().main()
        except SystemExit as exit:  # sys.exit(message): status 1, the message on stderr
            print(exit.code, file=sys.stderr)
            status = 1
    return subprocess.CompletedProcess(argv, status, stdout.getvalue(), stderr.getvalue())


def write_diff(results, dataset, run):
    folder = results / dataset
    folder.mkdir(parents=True)
    run.to_csv(folder / "summary.csv", index=False)
    REFERENCE.to_csv(results / "reference.csv", index=False)
    write_metrics_diff(
        dataset,
        folder / "summary.csv",
        results / "reference.csv",
        TOLERANCE,
        {},
        {"table": folder / "metrics_diff.csv", "markdown": folder / "metrics_diff.md"},
    )


def test_the_ci_check_prints_the_tables_and_fails_naming_what_moved(tmp_path):
    write_diff(
        tmp_path,
        "mnist",
        summary([["mnist", "v1", 100, 0.90, 0.30], ["mnist", "v2", 120, 0.97, 0.10]]),
    )
    write_diff(tmp_path, "other", summary([["other", "v1", 100, 0.50, 1.20]]))
    passed = check(tmp_path, "mnist")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "| v2 | test_accuracy_mean | 0.970000 | 0.970000 | +0 | 0.01 | ok |" in passed.stdout
    assert "| v2 | parameters | 120 | 120 | +0 | 0 | ok |" in passed.stdout
    failed = check(tmp_path, "mnist", "other")
    assert failed.returncode == 1
    assert "FAIL other v1 test_loss_mean: beyond tolerance" in failed.stdout
    assert (
        "| v1 | test_loss_mean | 1.200000 | 1 | +0.200000 | 0.05 | **beyond tolerance** |"
        in failed.stdout
    )
    assert failed.stdout.count("FAIL") == 1
    assert "If nothing changed but the machine" in failed.stdout
    assert "reference.tolerance_by_variant in config/ci.yaml" in failed.stdout


def test_the_ci_check_without_a_table_says_how_to_make_it(tmp_path):
    result = check(tmp_path, "mnist")
    assert result.returncode != 0
    assert "metrics_diff.csv is missing" in result.stderr and "config/ci.yaml" in result.stderr


def test_update_replaces_the_rows_of_the_datasets_run_and_keeps_the_others(tmp_path):
    (tmp_path / "mnist").mkdir()
    moved = summary([["mnist", "v1", 100, 0.80, 0.50], ["mnist", "v2", 120, 0.99, 0.05]])
    moved.assign(n_seeds=1, data_sha256="ab" * 32).to_csv(
        tmp_path / "mnist" / "summary.csv", index=False
    )
    reference = tmp_path / "reference.csv"
    REFERENCE.to_csv(reference, index=False)
    result = check(tmp_path, "mnist", update=True, reference=reference)
    assert result.returncode == 0, result.stdout + result.stderr
    assert pd.read_csv(reference).to_dict("records") == [
        *REFERENCE[REFERENCE["dataset"] == "other"].to_dict("records"),
        *moved.to_dict("records"),
    ]


def test_the_committed_reference_covers_the_ci_study():
    """Every dataset and variant that config/ci.yaml runs has its reference row and numbers."""
    config = ci_config()
    reference = config["reference"]
    table = pd.read_csv(REPO / reference["summary"])
    expected = {
        (dataset, variant["name"])
        for dataset in config["data"]["datasets"]
        for variant in config["variants"]
    }
    assert set(zip(table["dataset"], table["variant"])) == expected
    assert table[list(reference["tolerance"])].notna().all().all()


@pytest.mark.e2e
def test_the_rule_writes_the_diff_of_a_study(study):
    """In the shared study: a reference equal to its own summary on MNIST passes, one
    with a moved number on Fashion-MNIST is named; nothing but metrics_diff runs."""
    own = pd.concat(
        pd.read_csv(study.path(f"results/{dataset}/summary.csv"))
        for dataset in ("mnist", "fashion_mnist")
    )
    moved = own["dataset"].eq("fashion_mnist") & own["variant"].eq("v2_relu")
    accuracy = own.loc[moved, "test_accuracy_mean"].item()
    own.loc[moved, "test_accuracy_mean"] = accuracy + 0.02
    own.to_csv(study.path("config/reference.csv"), index=False)
    study.write_config(
        {
            "reference": {
                "summary": "config/reference.csv",
                "tolerance": {"test_accuracy_mean": 0.01, "test_loss_mean": 0.0},
            }
        },
        "reference.yaml",
    )
    run = study.run("--cores", "2", "--configfile", TINY_CONFIG, "config/reference.yaml")
    assert planned_rules(run.output) == {"metrics_diff"}
    result = check(study.path("results"), "mnist", "fashion_mnist")
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if line.startswith("FAIL")] == [
        f"FAIL fashion_mnist v2_relu test_accuracy_mean: beyond tolerance (this run {accuracy}, "
        f"reference {accuracy + 0.02}, tolerance 0.01)"
    ]
