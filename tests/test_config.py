"""Bad configs are refused before any job runs, with the config key in one message."""

import copy
import re
import subprocess
import sys

import pytest
import yaml
from clones import Workflow, make_clone
from project import CONFIG_SCHEMA, REPO, default_config
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

from ablation.config import ConfigError, check_config, describe_schema_error
from ablation.reference import check_reference

DEFAULT = default_config()


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    base = tmp_path_factory.mktemp("config")
    (base / "cache").mkdir()
    return Workflow(make_clone(base / "clone"), base / "cache")


def with_variants(*variants):
    return {"variants": [{"name": "v1_sigmoid"}, *variants]}


def with_finding(**changes):
    """The default findings' first, then a copy of it with ``changes`` (None: key removed)."""
    first = DEFAULT["findings"][0]
    second = {
        key: value
        for key, value in (first | {"name": "second"} | changes).items()
        if value is not None
    }
    return {"findings": [first, second]}


CASES = {
    "unknown top-level key": (
        {"trainig": {"epochs": 1}},
        "config key (top level)",
        "'trainig' was unexpected",
    ),
    "typo in a variant": (
        with_variants({"name": "v9", "activaton": "relu"}),
        "config key variants[1]",
        "'activaton' was unexpected",
    ),
    "wrong type": (
        {"training": {"epochs": "ten"}},
        "config key training.epochs",
        "'ten' is not of type 'integer'",
    ),
    "unknown activation": (
        with_variants({"name": "v9", "activation": "sigmod"}),
        "config key variants[1].activation",
        "'sigmod' is not one of",
    ),
    "unknown pooling": (
        {"model": {"pooling": "mean"}},
        "config key model.pooling",
        "'mean' is not one of",
    ),
    "zero epochs": (
        {"training": {"epochs": 0}},
        "config key training.epochs",
        "0 is less than the minimum of 1",
    ),
    "negative batch size": (
        {"training": {"batch_size": -128}},
        "config key training.batch_size",
        "less than the minimum",
    ),
    "negative learning rate": (
        {"training": {"learning_rate": -0.001}},
        "config key training.learning_rate",
        "less than or equal to the minimum of 0",
    ),
    "empty variant list": ({"variants": []}, "config key variants", "should be non-empty"),
    "duplicate variant": (
        with_variants({"name": "v2"}, {"name": "v2", "activation": "relu"}),
        "config key variants[2].name",
        "duplicate variant name 'v2'",
    ),
    "negative seed": (
        {"training": {"seeds": [0, -1]}},
        "config key training.seeds[1]",
        "-1 is less than the minimum of 0",
    ),
    "prediction index outside the test set": (
        {"report": {"prediction_indices": [300, 10000]}},
        "config key report.prediction_indices",
        "10000 is outside the mnist test set",
    ),
    "mirror that is no URL or directory": (
        {"data": {"sources": {"mnist": {"mirrors": ["ftp://example.org/mnist/"]}}}},
        "config key data.sources.mnist.mirrors[0]",
        "neither an http(s):// or file:// URL nor an existing directory",
    ),
    "missing local mirror directory": (
        {"data": {"sources": {"mnist": {"mirrors": ["no/such/dir"]}}}},
        "config key data.sources.mnist.mirrors[0]",
        "existing directory",
    ),
    "unknown dataset": (
        {"data": {"datasets": ["kmnist"]}},
        "config key data.datasets",
        "'kmnist' has no entry under data.sources",
    ),
    "lecture sample outside the test set": (
        {"report": {"lecture_sample": 10000}},
        "config key report.lecture_sample",
        "10000 is outside the mnist test set",
    ),
    "too many conv stages": (
        with_variants(
            {
                "name": "v9",
                "conv_filters": [6, 16, 32, 64],
                "conv_padding": ["same", "valid", "valid", "valid"],
            }
        ),
        "config key variants[1] (v9)",
        "layer conv4 (3×3 conv, valid padding) needs an input of at least 3×3, but gets 2×2×32",
    ),
    "pool larger than its input": (
        with_variants({"name": "v9", "conv": False, "pool_size": 20}),
        "config key variants[1] (v9)",
        "layer pool2 (20×20 avg pooling) needs an input of at least 20×20, but gets 1×1×1",
    ),
    "kernel larger than its feature map": (
        with_variants({"name": "v9", "kernel_size": 30, "conv_padding": ["valid", "valid"]}),
        "config key variants[1] (v9)",
        "layer conv1 (30×30 conv, valid padding) needs an input of at least 30×30, but gets 28×28×1",
    ),
    "zero units": (
        with_variants({"name": "v9", "dense_units": [120, 0]}),
        "config key variants[1].dense_units[1]",
        "0 is less than the minimum of 1",
    ),
    "zero filters": (
        with_variants({"name": "v9", "conv_filters": [0, 16]}),
        "config key variants[1].conv_filters[0]",
        "0 is less than the minimum of 1",
    ),
    "unknown baseline": (
        {"report": {"baseline": "v0"}},
        "config key report.baseline",
        "'v0' is not a variant",
    ),
    "tuning: learning rate 0": (
        {"tuning": {"learning_rates": [0.001, 0]}},
        "config key tuning.learning_rates[1]",
        "less than or equal to the minimum of 0",
    ),
    "tuning: empty grid": (
        {"tuning": {"learning_rates": []}},
        "config key tuning.learning_rates",
        "should be non-empty",
    ),
    "tuning: validation as large as the training set": (
        {"tuning": {"validation_size": 60000}},
        "config key tuning.validation_size",
        "leaves no mnist training examples",
    ),
    "tuning: empty validation": (
        {"tuning": {"validation_size": 0}},
        "config key tuning.validation_size",
        "0 is less than the minimum of 1",
    ),
    "finding: unknown variant": (
        with_finding(variant="v9_relu"),
        "config key findings[1].variant",
        "finding 'second' names 'v9_relu', which is not a variant of this study",
    ),
    "finding: unknown reference": (
        with_finding(reference="v0"),
        "config key findings[1].reference",
        "'v0', which is not a variant",
    ),
    "finding: a variant the study does not train": (
        {"variants": [{"name": "v1_sigmoid"}, {"name": "v3_no_pooling", "pooling": "none"}]},
        "config key findings[0].variant",
        "'v2_relu', which is not a variant of this study (v1_sigmoid, v3_no_pooling)",
    ),
    "finding: a reference in a list that the study does not train": (
        with_finding(reference=["v1_sigmoid", "v0"]),
        "config key findings[1].reference",
        "'v0', which is not a variant",
    ),
    "finding: against itself in a list": (
        with_finding(reference=["v1_sigmoid", "v2_relu"]),
        "config key findings[1].reference",
        "compares a variant with itself",
    ),
    "evidence: alpha of 1": (
        {"evidence": {"alpha": 1}},
        "config key evidence.alpha",
        "greater than or equal to the maximum of 1",
    ),
    "evidence: no seeds": (
        {"evidence": {"min_seeds": 0}},
        "config key evidence.min_seeds",
        "0 is less than the minimum of 1",
    ),
    "finding: against itself": (
        with_finding(reference="v2_relu"),
        "config key findings[1].reference",
        "compares a variant with itself",
    ),
    "finding: unknown measure": (
        with_finding(measure="validation_loss"),
        "config key findings[1].measure",
        "'validation_loss' is not one of",
    ),
    "finding: unknown expectation": (
        with_finding(expect="faster"),
        "config key findings[1].expect",
        "'faster' is not one of",
    ),
    "finding: epoch beyond the run": (
        with_finding(epoch=12),
        "config key findings[1].epoch",
        "reads epoch 12, but the study trains epochs 1 to 10",
    ),
    "finding: epoch 0": (with_finding(epoch=0), "config key findings[1].epoch", "reads epoch 0"),
    "finding: epoch neither a number nor last": (
        with_finding(epoch="final"),
        "config key findings[1].epoch",
        "reads epoch 'final'",
    ),
    "finding: expectation that does not fit the measure": (
        with_finding(expect="flat", reference=None, max_drop=0.05, measure="test_accuracy"),
        "config key findings[1].expect",
        "expects flat, which does not fit measure test_accuracy; flat fits training_loss",
    ),
    "finding: near chance on a loss": (
        with_finding(expect="near_chance", reference=None, factor=2),
        "config key findings[1].expect",
        "near_chance fits test_accuracy",
    ),
    "finding: a parameter its expectation needs": (
        with_finding(expect="flat", reference=None),
        "config key findings[1].max_drop",
        "expects flat, which needs max_drop",
    ),
    "finding: a parameter its expectation does not take": (
        with_finding(factor=2),
        "config key findings[1].factor",
        "expects below, which takes no factor",
    ),
    "finding: both a reference and a threshold": (
        with_finding(threshold=0.5),
        "config key findings[1].threshold",
        "compares with exactly one of reference or threshold",
    ),
    "finding: neither a reference nor a threshold": (
        with_finding(reference=None),
        "config key findings[1].reference",
        "compares with exactly one of reference or threshold",
    ),
    "finding: duplicate name": (
        with_finding(name="relu_converges_fastest"),
        "config key findings[1].name",
        "'relu_converges_fastest' is declared twice",
    ),
    "finding: unknown dataset": (
        with_finding(datasets=["kmnist"]),
        "config key findings[1].datasets",
        "'kmnist', which has no entry under data.sources",
    ),
    "finding: unknown key": (
        with_finding(treshold=0.5),
        "config key findings[1]",
        "'treshold' was unexpected",
    ),
    "tuning: zero epochs": (
        {"tuning": {"epochs": 0}},
        "config key tuning.epochs",
        "0 is less than the minimum of 1",
    ),
    "reference: no tolerance": (
        {"reference": {"summary": "config/reference/ci-summary.csv", "tolerance": {}}},
        "config key reference.tolerance",
        "should be non-empty",
    ),
    "reference: negative tolerance": (
        {
            "reference": {
                "summary": "config/reference/ci-summary.csv",
                "tolerance": {"test_loss_mean": -0.1},
            }
        },
        "config key reference.tolerance.test_loss_mean",
        "less than the minimum of 0",
    ),
    "reference: no such number": (
        {
            "reference": {
                "summary": "config/reference/ci-summary.csv",
                "tolerance": {"test_acc_mean": 0.01},
            }
        },
        "config key reference.tolerance",
        "test_acc_mean is no number of summary.csv",
    ),
    "reference: missing table": (
        {
            "reference": {
                "summary": str(REPO / "config/reference/none.csv"),
                "tolerance": {"test_loss_mean": 0.1},
            }
        },
        "config key reference.summary",
        "config/reference/none.csv does not exist",
    ),
    "reference: a number the table lacks": (
        {
            "reference": {
                "summary": str(REPO / "config/README.md"),
                "tolerance": {"test_loss_mean": 0.1},
            }
        },
        "config key reference.summary",
        "config/README.md has no column dataset, variant, test_loss_mean",
    ),
    "reference: a variant's tolerance for no variant": (
        {
            "reference": {
                "summary": "config/reference/ci-summary.csv",
                "tolerance": {"test_loss_mean": 0.1},
                "tolerance_by_variant": {"v9_relu": {"test_loss_mean": 0.2}},
            }
        },
        "config key reference.tolerance_by_variant.v9_relu",
        "'v9_relu' is not a variant of this study",
    ),
    "reference: a variant's tolerance for a number not compared": (
        {
            "reference": {
                "summary": "config/reference/ci-summary.csv",
                "tolerance": {"test_loss_mean": 0.1},
                "tolerance_by_variant": {"v2_relu": {"test_accuracy_mean": 0.2}},
            }
        },
        "config key reference.tolerance_by_variant.v2_relu",
        "test_accuracy_mean is not compared",
    ),
    "reference: a negative tolerance of a variant": (
        {
            "reference": {
                "summary": "config/reference/ci-summary.csv",
                "tolerance": {"test_loss_mean": 0.1},
                "tolerance_by_variant": {"v2_relu": {"test_loss_mean": -1}},
            }
        },
        "config key reference.tolerance_by_variant.v2_relu.test_loss_mean",
        "less than the minimum of 0",
    ),
}


def refusal(override: dict) -> str:
    """The message of the checks workflow/rules/common.smk runs on a config given as
    config/config.yaml plus ``override`` (in this process: fast, for the edit loop)."""
    config = copy.deepcopy(DEFAULT)
    update_config(config, override)
    try:
        validate(config, str(CONFIG_SCHEMA))
    except WorkflowError as error:
        return describe_schema_error(error)
    with pytest.raises(ConfigError) as refused:
        check_config(config)
        check_reference(config)
    return str(refused.value)


@pytest.mark.parametrize("override, key, message", CASES.values(), ids=CASES.keys())
def test_bad_config_names_the_key_in_one_message(override, key, message):
    said = refusal(override)
    assert key in said and message in said, said
    assert "$defs" not in said  # one message, not the schema dump


# Through snakemake, one case of each way common.smk refuses a config: a schema error,
# a check of ablation.config (check_config: every other case of CASES above comes
# from the same call), and a mirror (a path the workflow resolves itself). Each is
# refused before any job, nothing written.
REFUSED_BY_SNAKEMAKE = ["wrong type", "duplicate variant", "missing local mirror directory"]


@pytest.mark.e2e
@pytest.mark.parametrize("case", REFUSED_BY_SNAKEMAKE)
def test_bad_config_is_refused_before_any_job(clone, case):
    override, key, message = CASES[case]
    clone.write_config(override, "bad.yaml")
    result = clone.run("-n", "--configfile", "config/bad.yaml", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert key in output and message in output, output[-3000:]
    assert "$defs" not in output  # one message, not the schema dump
    assert not clone.path("results").exists() and not clone.path("resources").exists()


@pytest.mark.e2e
def test_the_default_config_is_valid(clone):
    result = clone.run("-n")
    assert "train" in result.output
    # A dry run writes the jobs' settings files, and nothing else.
    written = {
        path.relative_to(clone.path("results")).parts[:2]
        for path in clone.path("results").rglob("*")
        if path.is_file()
    }
    assert written == {("mnist", "settings")}


def test_schema_fills_defaults_for_optional_keys():
    """The schema's defaults stand in for optional keys a config leaves out, and the
    checks after it accept the result. Checked on the config itself: a run of this
    workflow starts from config/config.yaml, which has these keys; a project that
    uses it as a module passes a config of its own."""
    config = copy.deepcopy(DEFAULT)
    del config["training"]["threads"], config["data"]["download_retries"]
    validate(config, str(CONFIG_SCHEMA))
    properties = yaml.safe_load(CONFIG_SCHEMA.read_text())["properties"]
    assert (
        config["training"]["threads"] == properties["training"]["properties"]["threads"]["default"]
    )
    assert (
        config["data"]["download_retries"]
        == properties["data"]["properties"]["download_retries"]["default"]
    )
    check_config(config)
    check_reference(config)


def test_what_snakemake_imports_to_check_the_config_leaves_pandas_out():
    # Every snakemake call, a no-op included, imports these modules; pandas would add a
    # quarter second to each. The modules are read from the workflow's own imports.
    sources = [REPO / "workflow" / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")]
    modules = sorted(
        {
            match
            for source in sources
            for match in re.findall(
                r"^from (ablation\.\w+) import", source.read_text(), flags=re.MULTILINE
            )
        }
    )
    assert "ablation.config" in modules
    code = f"import sys; import {', '.join(modules)}; print(sorted(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO / "workflow",
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "'pandas'" not in loaded, modules
