"""Several studies in one config, and their comparison (docs/studies.md)."""

import json

import pandas as pd
import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from ablation.config import ConfigError, check_config, describe_schema_error
from ablation.studies import (compare_studies, compare_study_files, plot_study_losses,
                              study_configs)
from conftest import REPO, Workflow, make_clone, tiny_config
from workflow_helpers import dry_run, planned_jobs

SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())
DEFAULT = yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def check(config):
    """What workflow/rules/studies.smk checks each study's config with."""
    try:
        validate(config, str(SCHEMA_PATH))
    except WorkflowError as error:
        raise ConfigError(describe_schema_error(error)) from None
    check_config(config)


def expand(studies: dict) -> dict:
    return study_configs(DEFAULT | {"studies": studies}, SCHEMA, check)


def test_a_grid_names_its_points_the_paramspace_way_and_sets_their_keys():
    configs = expand({"grid": {"training.epochs": [2, 10], "model.pooling": ["avg", "max"]}})
    assert list(configs) == ["epochs~2_pooling~avg", "epochs~2_pooling~max",
                             "epochs~10_pooling~avg", "epochs~10_pooling~max"]
    study = configs["epochs~10_pooling~max"]
    assert (study["training"]["epochs"], study["model"]["pooling"]) == (10, "max")
    # Everything else is the base's; the studies section is not part of a study.
    assert study["variants"] == DEFAULT["variants"] and "studies" not in study


def test_named_overrides_come_first_and_keys_sharing_a_last_part_keep_their_whole_name():
    configs = expand({"overrides": {"long": {"training.epochs": 20}},
                      "grid": {"training.epochs": [2], "tuning.epochs": [3]}})
    assert list(configs) == ["long", "training.epochs~2_tuning.epochs~3"]
    assert configs["long"]["training"]["epochs"] == 20


@pytest.mark.parametrize("studies, message", [
    ({"grid": {"training.epoch": [2]}},
     "config key studies.grid.training.epoch: 'training.epoch' is not a config key"),
    ({"grid": {}}, "config key studies.grid: the grid is empty"),
    ({"grid": {"training.epochs": []}}, "config key studies.grid.training.epochs: no values"),
    ({"grid": {"variants": [1]}}, "config key studies.grid.variants: 'variants' cannot differ"),
    ({"grid": {"data.sources.mnist.train_size": [10]}},
     "config key studies.grid.data.sources.mnist.train_size: 'data.sources.mnist.train_size' "
     "cannot differ"),
    ({"overrides": {"epochs~2": {"training.epochs": 5}}, "grid": {"training.epochs": [2]}},
     "config key studies.grid: its point 'epochs~2' has the name of the study"),
    ({"overrides": {"a": {"training.epochs": 2}, "b": {"training.epochs": 2}}},
     "the studies 'a' and 'b' have the same settings"),
    ({"overrides": {"a": {"report.lecture": True}}},  # the base's own value
     "the studies"),
    ({"grid": {"training.epochs": [0]}}, "study 'epochs~0': config key training.epochs:"),
    ({"grid": {"model.pooling": ["mean"]}}, "study 'pooling~mean': config key model.pooling:"),
    ({"overrides": {"a/b": {"training.epochs": 2}}}, "config key studies.overrides.a/b"),
])
def test_a_bad_declaration_is_refused_naming_the_key(studies, message):
    if message == "the studies":  # a study equal to the base is fine alone: pair it
        studies["overrides"]["b"] = {"report.lecture": True}
        message = "the studies 'a' and 'b' have the same settings"
    with pytest.raises(ConfigError) as refused:
        expand(studies)
    assert message in str(refused.value)


def summary(accuracy: float, seconds: float) -> pd.DataFrame:
    return pd.DataFrame({
        "dataset": ["mnist", "mnist"], "variant": ["v1_sigmoid", "v2_relu"], "n_seeds": [2, 2],
        "parameters": [100, 100],
        "test_accuracy_mean": [accuracy, accuracy + 0.1], "test_accuracy_std": [0.01, 0.02],
        "test_loss_mean": [1.0, 0.5], "test_loss_std": [0.1, 0.05],
        "data_sha256": ["x", "x"], "training_seconds_mean": [seconds, seconds],
    })


def test_the_comparison_shows_only_the_settings_that_differ():
    table = compare_studies({
        "a": {"settings": {"training.epochs": 2, "model.pooling": "avg"},
              "summary": summary(0.5, 3.0)},
        "b": {"settings": {"training.epochs": 10, "model.pooling": "avg"},
              "summary": summary(0.7, 9.0)},
    })
    assert list(table.columns) == [
        "study", "training.epochs", "dataset", "variant", "test_accuracy_mean",
        "test_accuracy_std", "test_loss_mean", "test_loss_std", "n_seeds",
        "training_seconds_mean"]
    assert table["study"].tolist() == ["a", "a", "b", "b"]
    assert table["training.epochs"].tolist() == [2, 2, 10, 10]
    assert table["test_accuracy_mean"].tolist() == pytest.approx([0.5, 0.6, 0.7, 0.8])
    assert table["training_seconds_mean"].tolist() == [3.0, 3.0, 9.0, 9.0]


def test_the_loss_chart_has_a_panel_per_study_on_shared_axes(tmp_path):
    histories = pd.DataFrame({
        "dataset": "mnist", "variant": ["v1_sigmoid"] * 2 + ["v2_relu"] * 2, "seed": 0,
        "epoch": [1, 2, 1, 2], "loss": [2.0, 1.5, 1.0, 0.5]})
    paths = [tmp_path / "loss.png", tmp_path / "loss.svg"]
    plot_study_losses({"a": histories, "b": histories.assign(loss=histories["loss"] / 2)},
                      ["v1_sigmoid", "v2_relu"], paths)
    svg = paths[1].read_text()
    assert all(path.stat().st_size for path in paths)
    assert svg.count("training loss") == 1  # one y label: the axes are shared
    assert "a" in svg and "b" in svg


def test_each_row_comes_from_its_own_studys_files_in_declared_order(tmp_path):
    """Rule compare's settings list the studies and their inputs in the order the
    config declares them, which is not alphabetical here."""
    histories = pd.DataFrame({"dataset": "mnist", "variant": "v1_sigmoid", "seed": 0,
                              "epoch": [1], "loss": [1.0]})
    inputs = {"summaries": [], "histories": []}
    for study, accuracy in [("zeta", 0.2), ("alpha", 0.9)]:
        inputs["summaries"].append(tmp_path / f"{study}-summary.csv")
        summary(accuracy, 1.0).to_csv(inputs["summaries"][-1], index=False)
        inputs["histories"].append(tmp_path / f"{study}-histories.csv")
        histories.to_csv(inputs["histories"][-1], index=False)
    settings = {"studies": [["zeta", [["training.epochs", 10], ["model.pooling", "max"]]],
                            ["alpha", [["training.epochs", 2], ["model.pooling", "avg"]]]],
                "runs": [["zeta", "mnist"], ["alpha", "mnist"]], "variants": ["v1_sigmoid"]}
    outputs = type("Outputs", (), {name: tmp_path / f"out.{name}" for name in ("png", "svg")}
                   | {"table": tmp_path / "studies.csv"})
    compare_study_files(settings, type("Inputs", (), inputs), outputs)
    table = pd.read_csv(outputs.table)
    assert list(table.columns[:3]) == ["study", "training.epochs", "model.pooling"]
    rows = table[table["variant"] == "v1_sigmoid"]
    assert rows[["study", "training.epochs", "test_accuracy_mean"]].values.tolist() == [
        ["zeta", 10, 0.2], ["alpha", 2, 0.9]]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    root = tmp_path_factory.mktemp("studies")
    return Workflow(make_clone(root / "clone"), root / "cache")


def plan_compare(flow, studies) -> list[tuple[str, dict]]:
    config = tiny_config()
    config["studies"] = studies
    flow.write_config(config)
    return planned_jobs(flow.run("compare", "-n", "--configfile", "config/tiny.yaml").output)


def train_settings(flow, study) -> dict[str, str]:
    folder = flow.path(f"results/studies/{study}/mnist/settings/train")
    return {path.name: path.read_text() for path in sorted(folder.iterdir())}


@pytest.mark.e2e
def test_studies_that_differ_only_in_a_figure_share_every_training(clone):
    jobs = plan_compare(clone, {"grid": {"report.lecture_sample": [3, 5]}})
    assert [rule for rule, _ in jobs].count("compare") == 1
    assert {rule for rule, _ in jobs if rule.endswith("_train")} == {
        "lecture_sample_3_train", "lecture_sample_5_train"}
    # The same settings, so the same cache key: the second study's trainings come
    # from the cache, trained once.
    first, second = (train_settings(clone, f"lecture_sample~{value}") for value in (3, 5))
    assert len(first) == 4 and first == second


@pytest.mark.e2e
def test_studies_over_epochs_plan_distinct_trainings(clone):
    plan_compare(clone, {"grid": {"training.epochs": [1, 2]}})
    first, second = (train_settings(clone, f"epochs~{value}") for value in (1, 2))
    assert first.keys() == second.keys()
    for name in first:
        assert json.loads(first[name])["settings"]["epochs"] == 1
        assert json.loads(second[name])["settings"]["epochs"] == 2


@pytest.mark.e2e
def test_plain_snakemake_builds_only_the_default_study(clone):
    config = tiny_config()
    config["studies"] = {"grid": {"training.epochs": [1, 2]}}
    clone.write_config(config)
    rules = {rule for rule, _ in planned_jobs(dry_run(clone))}
    assert "train" in rules and "compare" not in rules
    assert not any(rule.startswith("epochs") for rule in rules)


@pytest.mark.e2e
def test_compare_needs_studies_and_a_bad_declaration_stops_before_any_job(clone):
    clone.write_config(tiny_config())
    refused = clone.run("compare", "-n", "--configfile", "config/tiny.yaml", check=False)
    assert refused.returncode != 0
    assert "compare needs studies: declare them in the config's studies: section" in refused.output
    config = tiny_config()
    config["studies"] = {"grid": {"training.epoch": [1, 2]}}
    clone.write_config(config)
    refused = clone.run("--cores", "1", "--configfile", "config/tiny.yaml", check=False)
    assert refused.returncode != 0
    assert "config key studies.grid.training.epoch: 'training.epoch' is not a config key" \
        in refused.output
    assert not clone.path("results/mnist/raw").exists()
