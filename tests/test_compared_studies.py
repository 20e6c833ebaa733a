"""Several studies in one config, and their comparison (docs/studies.md)."""

import json
import re

import pandas as pd
import pytest
import yaml
from clones import Workflow, make_clone, tiny_config
from conftest import COMPARED_STUDIES
from project import CONFIG_SCHEMA, TINY_CONFIG, VARIANTS, default_config
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate
from workflow_helpers import dry_run, planned_jobs

from ablation.config import ConfigError, check_config, describe_schema_error
from ablation.findings import COLUMNS as FINDING_COLUMNS
from ablation.studies import grid_studies, rule_prefix, study_configs
from ablation.study_comparison import compare_studies, compare_study_files, plot_study_losses

# The columns of a verdict, in results/compare/findings.csv as in each study's findings.csv.
VERDICT_COLUMNS = [
    "finding",
    "verdict",
    "check",
    "covers",
    "check_verdict",
    "difference",
    "ci95_low",
    "ci95_high",
    "p_value",
    "p_holm",
    "reason",
]
# The columns of each study's summary.csv.
SUMMARY_COLUMNS = [
    "dataset",
    "variant",
    "test_accuracy_mean",
    "test_accuracy_std",
    "test_loss_mean",
    "test_loss_std",
    "n_seeds",
    "training_seconds_mean",
]

SCHEMA = yaml.safe_load(CONFIG_SCHEMA.read_text())
DEFAULT = default_config()


def check(config):
    """What workflow/rules/studies_helpers.smk checks each study's config with."""
    try:
        validate(config, str(CONFIG_SCHEMA))
    except WorkflowError as error:
        raise ConfigError(describe_schema_error(error)) from None
    check_config(config)


def expand(studies: dict) -> dict:
    return study_configs(DEFAULT | {"studies": studies}, SCHEMA, check)


def test_a_grid_names_its_points_the_paramspace_way_and_sets_their_keys():
    configs = expand({"grid": {"training.epochs": [2, 10], "model.pooling": ["avg", "max"]}})
    assert list(configs) == [
        "epochs~2_pooling~avg",
        "epochs~2_pooling~max",
        "epochs~10_pooling~avg",
        "epochs~10_pooling~max",
    ]
    study = configs["epochs~10_pooling~max"]
    assert (study["training"]["epochs"], study["model"]["pooling"]) == (10, "max")
    # Everything else is the base's; the studies section is not part of a study.
    assert study["variants"] == DEFAULT["variants"] and "studies" not in study


def test_named_overrides_come_first_and_keys_sharing_a_last_part_keep_their_whole_name():
    configs = expand(
        {
            "overrides": {"long": {"training.epochs": 20}},
            "grid": {"training.epochs": [2], "tuning.epochs": [3]},
        }
    )
    assert list(configs) == ["long", "training.epochs~2_tuning.epochs~3"]
    assert configs["long"]["training"]["epochs"] == 20


@pytest.mark.parametrize(
    "studies, message",
    [
        (
            {"grid": {"training.epoch": [2]}},
            "config key studies.grid.training.epoch: 'training.epoch' is not a config key",
        ),
        ({"grid": {}}, "config key studies.grid: the grid is empty"),
        ({"grid": {"training.epochs": []}}, "config key studies.grid.training.epochs: no values"),
        ({"grid": {"variants": [1]}}, "config key studies.grid.variants: 'variants' cannot differ"),
        (
            {"grid": {"data.sources.mnist.train_size": [10]}},
            "config key studies.grid.data.sources.mnist.train_size: 'data.sources.mnist.train_size' "
            "cannot differ",
        ),
        (
            {"overrides": {"epochs~2": {"training.epochs": 5}}, "grid": {"training.epochs": [2]}},
            "config key studies.grid: its point 'epochs~2' has the name of the study",
        ),
        (
            {"overrides": {"a": {"training.epochs": 2}, "b": {"training.epochs": 2}}},
            "the studies 'a' and 'b' have the same settings",
        ),
        (
            {"overrides": {"a": {"report.lecture": True}}},  # the base's own value
            "the studies",
        ),
        ({"grid": {"training.epochs": [0]}}, "study 'epochs~0': config key training.epochs:"),
        ({"grid": {"model.pooling": ["mean"]}}, "study 'pooling~mean': config key model.pooling:"),
        ({"overrides": {"a/b": {"training.epochs": 2}}}, "config key studies.overrides.a/b"),
    ],
)
def test_a_bad_declaration_is_refused_naming_the_key(studies, message):
    if message == "the studies":  # a study equal to the base is fine alone: pair it
        studies["overrides"]["b"] = {"report.lecture": True}
        message = "the studies 'a' and 'b' have the same settings"
    with pytest.raises(ConfigError) as refused:
        expand(studies)
    assert message in str(refused.value)


def summary(accuracy: float, seconds: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dataset": ["mnist", "mnist"],
            "variant": ["v1_sigmoid", "v2_relu"],
            "n_seeds": [2, 2],
            "parameters": [100, 100],
            "test_accuracy_mean": [accuracy, accuracy + 0.1],
            "test_accuracy_std": [0.01, 0.02],
            "test_loss_mean": [1.0, 0.5],
            "test_loss_std": [0.1, 0.05],
            "data_sha256": ["x", "x"],
            "training_seconds_mean": [seconds, seconds],
        }
    )


def test_the_comparison_shows_only_the_settings_that_differ():
    table = compare_studies(
        {
            "a": {
                "settings": {"training.epochs": 2, "model.pooling": "avg"},
                "summary": summary(0.5, 3.0),
            },
            "b": {
                "settings": {"training.epochs": 10, "model.pooling": "avg"},
                "summary": summary(0.7, 9.0),
            },
        }
    )
    assert list(table.columns) == ["study", "training.epochs", *SUMMARY_COLUMNS]
    assert table["study"].tolist() == ["a", "a", "b", "b"]
    assert table["training.epochs"].tolist() == [2, 2, 10, 10]
    assert table["test_accuracy_mean"].tolist() == pytest.approx([0.5, 0.6, 0.7, 0.8])
    assert table["training_seconds_mean"].tolist() == [3.0, 3.0, 9.0, 9.0]


def test_the_loss_chart_has_a_panel_per_study_on_shared_axes(tmp_path):
    histories = pd.DataFrame(
        {
            "dataset": "mnist",
            "variant": ["v1_sigmoid"] * 2 + ["v2_relu"] * 2,
            "seed": 0,
            "epoch": [1, 2, 1, 2],
            "loss": [2.0, 1.5, 1.0, 0.5],
        }
    )
    paths = [tmp_path / "loss.png", tmp_path / "loss.svg"]
    plot_study_losses(
        {"a": histories, "b": histories.assign(loss=histories["loss"] / 2)},
        ["v1_sigmoid", "v2_relu"],
        paths,
    )
    svg = paths[1].read_text()
    assert all(path.stat().st_size for path in paths)
    assert svg.count("training loss") == 1  # one y label: the axes are shared
    assert "a" in svg and "b" in svg


def findings(verdict: str, difference: float) -> pd.DataFrame:
    """A study's findings.csv (ablation.findings.COLUMNS, no dataset column): one
    finding judged on the test images."""
    row = dict.fromkeys(FINDING_COLUMNS, "") | {
        "finding": "relu_beats_sigmoid",
        "verdict": verdict,
        "check_verdict": verdict,
        "check": "v2_relu's test accuracy above v1_sigmoid's",
        "covers": "the test images",
        "difference": difference,
        "reason": f"difference {difference:+.3g}",
    }
    return pd.DataFrame([row])


def test_each_row_comes_from_its_own_studys_files_in_declared_order(tmp_path):
    """Rule compare's settings list the studies and their inputs in the order the
    config declares them, which is not alphabetical here."""
    histories = pd.DataFrame(
        {"dataset": "mnist", "variant": "v1_sigmoid", "seed": 0, "epoch": [1], "loss": [1.0]}
    )
    inputs = {"summaries": [], "findings": [], "histories": []}
    for study, accuracy, verdict in [("zeta", 0.2, "contradicted"), ("alpha", 0.9, "holds")]:
        for kind, table in [
            ("summaries", summary(accuracy, 1.0)),
            ("histories", histories),
            ("findings", findings(verdict, accuracy - 0.5)),
        ]:
            inputs[kind].append(tmp_path / f"{study}-{kind}.csv")
            table.to_csv(inputs[kind][-1], index=False)
    settings = {
        "studies": [
            ["zeta", [["training.epochs", 10], ["model.pooling", "max"]]],
            ["alpha", [["training.epochs", 2], ["model.pooling", "avg"]]],
        ],
        "runs": [["zeta", "mnist"], ["alpha", "mnist"]],
        "variants": ["v1_sigmoid"],
    }
    outputs = type(
        "Outputs",
        (),
        {name: tmp_path / f"out.{name}" for name in ("png", "svg")}
        | {"table": tmp_path / "studies.csv", "findings": tmp_path / "findings.csv"},
    )
    compare_study_files(settings, type("Inputs", (), inputs), outputs)
    table = pd.read_csv(outputs.table)
    assert list(table.columns[:3]) == ["study", "training.epochs", "model.pooling"]
    rows = table[table["variant"] == "v1_sigmoid"]
    assert rows[["study", "training.epochs", "test_accuracy_mean"]].values.tolist() == [
        ["zeta", 10, 0.2],
        ["alpha", 2, 0.9],
    ]
    verdicts = pd.read_csv(outputs.findings)
    assert list(verdicts.columns) == [
        "study",
        "training.epochs",
        "model.pooling",
        "dataset",
        *VERDICT_COLUMNS,
    ]
    assert verdicts[
        ["study", "model.pooling", "dataset", "verdict", "difference", "reason"]
    ].values.tolist() == [
        ["zeta", "max", "mnist", "contradicted", pytest.approx(-0.3), "difference -0.3"],
        ["alpha", "avg", "mnist", "holds", pytest.approx(0.4), "difference +0.4"],
    ]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    root = tmp_path_factory.mktemp("studies")
    return Workflow(make_clone(root / "clone"), root / "cache")


def train_settings(flow, study) -> dict[str, str]:
    folder = flow.path(f"results/studies/{study}/mnist/settings/train")
    return {path.name: path.read_text() for path in sorted(folder.iterdir())}


@pytest.mark.e2e
def test_a_training_is_shared_by_key_and_a_later_copy_starts_after_every_other(clone):
    """docs/studies.md, What is trained once: studies that differ in a report key have
    the same trainings (the same settings, so the same cache key); studies over
    epochs have trainings of their own. With the cache empty when the run starts,
    each study's copy of a shared training is planned to train and to be written to
    the cache (Snakemake looks into the cache only when a job starts), and the later
    study's copy has the lowest priority, so that it starts after every other
    training: by then the earlier copy is usually in the cache."""
    config = tiny_config()
    config["studies"] = {
        "overrides": {"figure": {"report.lecture_sample": 3}},
        "grid": {"training.epochs": [1, 2]},
    }
    clone.write_config(config)
    output = clone.run("compare", "-n", "--configfile", TINY_CONFIG).output
    trains = [rule for rule, _ in planned_jobs(output) if rule.endswith("_train")]
    assert sorted(set(trains)) == ["epochs_1_train", "epochs_2_train", "figure_train"]
    assert len(trains) == 12
    for study in ("figure", "epochs~1", "epochs~2"):
        for variant in VARIANTS:
            assert (
                f"Output file results/studies/{study}/mnist/models/{variant}/seed0.keras "
                "will be written to global between-workflow cache"
            ) in output
    assert "will be obtained from" not in output
    priorities = {}
    for job in re.split(r"\n(?=(?:local)?rule \w+:)", output):
        if rule := re.match(r"(?:local)?rule (\w+_train):", job):
            variant = re.search(r"variant=(\w+)", job).group(1)
            priorities[rule.group(1), variant] = float(re.search(r"priority: (\S+)", job).group(1))
    # Declared first, so the trainings' own: their cost (see test_scheduling).
    assert all(priorities["figure_train", variant] > 0 for variant in VARIANTS)
    assert all(
        priorities["epochs_2_train", variant] == 2 * priorities["figure_train", variant]
        for variant in VARIANTS
    )
    # The same as figure's: below every other job.
    assert all(priorities["epochs_1_train", variant] < 0 for variant in VARIANTS)
    figure, first, second = (
        train_settings(clone, study) for study in ("figure", "epochs~1", "epochs~2")
    )
    assert len(figure) == 4 and figure == first
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
    refused = clone.run("compare", "-n", "--configfile", TINY_CONFIG, check=False)
    assert refused.returncode != 0
    assert "compare needs studies: declare them in the config's studies: section" in refused.output
    config = tiny_config()
    config["studies"] = {"grid": {"training.epoch": [1, 2]}}
    clone.write_config(config)
    refused = clone.run("--cores", "1", "--configfile", TINY_CONFIG, check=False)
    assert refused.returncode != 0
    assert (
        "config key studies.grid.training.epoch: 'training.epoch' is not a config key"
        in refused.output
    )
    assert not clone.path("results/mnist/raw").exists()


# The real comparison: conftest's `compared`, two studies over report.lecture_sample
# that start from base's cache.
COMPARED = grid_studies(COMPARED_STUDIES["grid"])


@pytest.mark.e2e
def test_a_study_restores_every_training_that_an_earlier_run_made(base, compared):
    """docs/studies.md, What is trained once: base's run made the trainings, and
    compare restores each study's from the cache; nothing trains."""
    assert list(COMPARED) == ["lecture_sample~3", "lecture_sample~5"]
    output = compared.first_run.output
    trains = [
        (rule, wildcards) for rule, wildcards in planned_jobs(output) if rule.endswith("train")
    ]
    assert sorted({rule for rule, _ in trains}) == [
        f"{rule_prefix(study)}train" for study in COMPARED
    ]
    assert len(trains) == 4 * len(COMPARED)
    for study in COMPARED:
        for variant in VARIANTS:
            model = f"results/studies/{study}/mnist/models/{variant}/seed0.keras"
            assert f"Symlinking output file {model} from cache" in output
            assert compared.path(model).resolve().parent == base.cache.resolve()
            # Snakemake creates the log file of a restored job; only a training writes to it.
            log = compared.path(f"logs/studies/{study}/mnist/train/{variant}/seed0.log")
            assert log.read_text() == ""
    assert train_settings(compared, "lecture_sample~3") == train_settings(
        compared, "lecture_sample~5"
    )


@pytest.mark.e2e
def test_the_table_has_the_differing_setting_then_each_studys_summary(compared):
    table = pd.read_csv(compared.path("results/compare/studies.csv"))
    assert list(table.columns) == ["study", "report.lecture_sample", *SUMMARY_COLUMNS]
    assert table["study"].unique().tolist() == list(COMPARED)
    for study, keys in COMPARED.items():
        rows = table[table["study"] == study]
        assert (rows["report.lecture_sample"] == keys["report.lecture_sample"]).all()
        summary = pd.read_csv(compared.path(f"results/studies/{study}/mnist/summary.csv"))
        pd.testing.assert_frame_equal(
            rows[SUMMARY_COLUMNS].reset_index(drop=True), summary[SUMMARY_COLUMNS]
        )


@pytest.mark.e2e
def test_the_findings_table_gives_each_studys_own_verdicts(compared):
    table = pd.read_csv(compared.path("results/compare/findings.csv"))
    assert list(table.columns) == ["study", "report.lecture_sample", "dataset", *VERDICT_COLUMNS]
    assert table["study"].unique().tolist() == list(COMPARED)
    assert (table["dataset"] == "mnist").all()
    for study, keys in COMPARED.items():
        rows = table[table["study"] == study]
        assert (rows["report.lecture_sample"] == keys["report.lecture_sample"]).all()
        own = pd.read_csv(compared.path(f"results/studies/{study}/mnist/findings.csv"))
        assert len(own) > 0 and own["verdict"].isin(["holds", "contradicted", "inconclusive"]).all()
        pd.testing.assert_frame_equal(
            rows[VERDICT_COLUMNS].reset_index(drop=True), own[VERDICT_COLUMNS]
        )


@pytest.mark.e2e
def test_the_loss_chart_has_one_panel_per_study_and_dataset(compared):
    assert compared.path("results/compare/loss_comparison.png").read_bytes().startswith(b"\x89PNG")
    svg = compared.path("results/compare/loss_comparison.svg").read_text()
    assert len(re.findall(r'<g id="axes_\d+">', svg)) == len(COMPARED) * 1  # 1 dataset


@pytest.mark.e2e
def test_the_comparison_is_in_the_html_report_under_studies(compared):
    compared.run("compare", "--configfile", TINY_CONFIG, "--report", "results/compare/report.html")
    html = compared.path("results/compare/report.html").read_text()
    categories = json.loads(re.search(r"var categories = (.*);\n", html).group(1))
    assert sorted(path for paths in categories["Studies"].values() for path in paths) == [
        "results/compare/findings.csv",
        "results/compare/loss_comparison.png",
        "results/compare/studies.csv",
    ]
