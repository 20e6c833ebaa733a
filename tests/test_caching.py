"""Content-hash caching, exact reruns, bit-identical results, provenance."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from clones import Workflow
from conftest import UNCACHED_MODEL
from project import SNAKEMAKE, TINY_CONFIG, VARIANTS
from workflow_helpers import dry_run, planned_jobs, planned_rules, weights_digest

from ablation.integrity import file_sha256
from ablation.provenance import cpu_model

pytestmark = pytest.mark.e2e


def dry_run_with(flow, override: dict) -> str:
    flow.write_config(override, "change.yaml")
    return flow.run("-n", "--configfile", TINY_CONFIG, "config/change.yaml").output


def trained(output: str) -> list[str]:
    return sorted(w["variant"] for rule, w in planned_jobs(output) if rule == "train")


def test_the_dag_check_never_imports_tensorflow(base):
    env = os.environ | {"SNAKEMAKE_OUTPUT_CACHE": str(base.cache)}
    result = subprocess.run(
        [
            str(Path(SNAKEMAKE).with_name("python")),
            "-X",
            "importtime",
            "-m",
            "snakemake",
            "-n",
            "--configfile",
            TINY_CONFIG,
        ],
        cwd=base.directory,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "ablation.codehash" in imported
    assert not {name for name in imported if name.split(".")[0] in ("tensorflow", "keras")}


def test_touching_every_input_intermediate_and_source_file_reruns_nothing(base):
    for folder in ("resources", "results", "workflow"):
        for path in base.path(folder).rglob("*"):
            if path.is_file():
                os.utime(path)  # follows symlinks into the cache, like touch
    assert "Nothing to be done" in dry_run(base)


def test_editing_one_variant_reruns_only_that_variant(base):
    config = yaml.safe_load(base.path("config/config.yaml").read_text())
    config["variants"][3]["pooling"] = "max"
    output = dry_run_with(base, {"variants": config["variants"]})
    assert trained(output) == ["v4_no_conv"]
    per_variant = {w.get("variant") for rule, w in planned_jobs(output) if rule != "all"}
    assert per_variant == {"v4_no_conv", None}  # None: the tables, the loss chart, the lecture
    assert planned_rules(output) == {
        "train",
        "aggregate",
        "findings",
        "plot_loss_comparison",
        "plot_predictions",
        "plot_confusion",
        "lecture",
        "render_lecture",
    }


def test_editing_a_finding_reruns_only_the_findings_and_the_lecture(base):
    findings = yaml.safe_load(base.path("config/config.yaml").read_text())["findings"]
    findings[2]["factor"] = 3
    output = dry_run_with(base, {"findings": findings})
    assert planned_rules(output) == {"findings", "lecture", "render_lecture"}


@pytest.mark.parametrize(
    "change",
    [{"epochs": 2}, {"learning_rate": 0.01}, {"batch_size": 64}, {"threads": 1}, {"fast": True}],
)
def test_global_training_settings_rerun_every_training(base, change):
    assert trained(dry_run_with(base, {"training": change})) == VARIANTS


def test_adding_a_seed_trains_only_that_seed(base):
    output = dry_run_with(base, {"training": {"seeds": [0, 1]}})
    assert sorted(
        (w["variant"], w["seed"]) for rule, w in planned_jobs(output) if rule == "train"
    ) == [(variant, "1") for variant in VARIANTS]


def a_statement(text: str) -> str:
    """Code that runs: a statement appended at the module's end."""
    return text + "\nEDITED_BY_A_TEST = None\n"


def a_comment_and_blank_lines(text: str) -> str:
    """No code: a comment first, blank lines after."""
    return "# a comment only\n\n" + text + "\n\n"


def edit(path: Path, change) -> str:
    """Rewrites ``path`` with ``change`` applied to its text; returns the original text."""
    text = path.read_text()
    path.write_text(change(text))
    return text


@pytest.mark.parametrize(
    "module, change, expected",
    [
        ("model.py", a_statement, "all trainings"),
        ("model.py", a_comment_and_blank_lines, "nothing"),
        ("plots.py", a_statement, "figures only"),
    ],
    ids=["model code", "model whitespace and comment", "plotting code"],
)
def test_code_edits_rerun_exactly_what_depends_on_them(base, module, change, expected):
    path = base.path("workflow/ablation") / module
    original = edit(path, change)
    try:
        output = dry_run(base)
    finally:
        path.write_text(original)
    if expected == "all trainings":
        assert trained(output) == VARIANTS
    elif expected == "nothing":
        assert "Nothing to be done" in output
    else:
        assert planned_rules(output) == {
            "plot_loss_comparison",
            "plot_filters",
            "plot_predictions",
            "plot_confusion",
        }


@pytest.mark.parametrize(
    "source, change, rerun",
    [
        # plot_predictions' script and the lecture notebook load the test images
        # through ablation.splits themselves.
        (
            "workflow/ablation/splits.py",
            a_statement,
            {"normalize", "train", "plot_predictions", "lecture"},
        ),
        # The study's tables and its findings: both judge with ablation/evidence.py
        # (comparisons.csv with its rounding check, findings.csv with all its tests).
        ("workflow/ablation/evidence.py", a_statement, {"aggregate", "findings"}),
        ("workflow/scripts/plot_confusion.py", a_statement, {"plot_confusion"}),
        ("workflow/scripts/plot_confusion.py", a_comment_and_blank_lines, set()),
    ],
    ids=[
        "module reached by several scripts",
        "module of two rules",
        "script code",
        "script comment",
    ],
)
def test_code_reruns_follow_what_each_script_imports(base, source, change, rerun):
    def settings():
        return {path: path.read_text() for path in base.path("results").rglob("settings/*/*.json")}

    dry_run(base)  # settings files as of the unedited code (other tests edit code too)
    before = settings()
    path = base.path(source)
    original = edit(path, change)
    try:
        output = dry_run(base)
    finally:
        path.write_text(original)
    changed = {path.parent.name for path, text in settings().items() if before[path] != text}
    assert changed == rerun
    assert rerun <= planned_rules(output)
    if not rerun:
        assert "Nothing to be done" in output


def test_another_mirror_with_the_same_content_reruns_nothing(base, served_tiny):
    url, _ = served_tiny
    mirror = {"data": {"sources": {"mnist": {"mirrors": ["https://example.invalid/mnist/", url]}}}}
    assert "Nothing to be done" in dry_run_with(base, mirror)


def test_a_different_data_hash_reruns_everything_downstream(base, served_tiny):
    _, sha256 = served_tiny
    changed = sha256 | {"t10k-labels-idx1-ubyte": "1" * 64}
    output = dry_run_with(base, {"data": {"sources": {"mnist": {"sha256": changed}}}})
    fetched = [w["file"] for rule, w in planned_jobs(output) if rule == "fetch"]
    assert fetched == ["t10k-labels-idx1-ubyte"]
    assert {"normalize", "train", "aggregate"} <= planned_rules(output)
    assert trained(output) == VARIANTS


def fingerprints(flow) -> dict:
    results = flow.path("results/mnist")
    return {
        variant: (
            (results / "histories" / variant / "seed0.csv").read_bytes(),
            weights_digest(results / "weights" / variant / "seed0.npz"),
        )
        for variant in VARIANTS
    }


def test_clean_reruns_are_bit_identical(base, uncached_committed_run):
    """Histories and weights; the figures: tests/test_claims.py. Two runs from scratch
    in two clones, one with --cores 4, one with --cores 1: results depend on neither."""
    assert "--cores 1 " in " ".join(uncached_committed_run.first_run.args)
    assert fingerprints(base) == fingerprints(uncached_committed_run)
    path = "results/mnist/histories.csv"  # seconds differ between runs; the metrics may not
    columns = ["variant", "seed", "epoch", "loss", "accuracy", "test_loss", "test_accuracy"]
    assert pd.read_csv(base.path(path))[columns].equals(
        pd.read_csv(uncached_committed_run.path(path))[columns]
    )


def copy_of(flow, destination) -> Workflow:
    """Another checkout holding the same files (mtimes kept, cache links kept)."""
    shutil.copytree(flow.directory, destination, symlinks=True)
    return Workflow(destination, flow.cache)


def test_settings_files_made_anew_with_the_same_content_rerun_nothing(
    uncached_committed_run, tmp_path
):
    # A clean run nobody has touched: without metadata, a touched input is stale.
    copy = copy_of(uncached_committed_run, tmp_path / "copy")
    shutil.rmtree(copy.path(".snakemake"))  # no recorded checksums to fall back on
    shutil.rmtree(copy.path("results/mnist/settings"))
    assert "Nothing to be done" in dry_run(copy)
    assert any(copy.path("results/mnist/settings").rglob("*.json"))


MODEL = UNCACHED_MODEL


def test_the_documented_retrain_command_really_trains(base, tmp_path):
    """docs/caching.md: --forcerun alone would restore the model from the cache again."""
    copy = copy_of(base, tmp_path / "copy")
    log = copy.path("logs/mnist/train/v2_relu/seed0.log")
    log.write_text("before the forced run\n")
    copy.run(
        "--cores",
        "2",
        "--workflow-profile",
        "none",
        "--forcerun",
        "train",
        "--configfile",
        TINY_CONFIG,
        "--",
        MODEL,
    )
    assert "epoch 1/1" in log.read_text().split("before the forced run")[-1]
    assert not copy.path(MODEL).is_symlink()
    history = "results/mnist/histories/v2_relu/seed0.csv"
    assert copy.path(history).read_bytes() == base.path(history).read_bytes()


def test_the_documented_run_without_the_cache_leaves_it_empty(uncached_committed_run):
    flow = uncached_committed_run
    assert flow.path(MODEL).is_file() and not flow.path(MODEL).is_symlink()
    assert list(flow.cache.iterdir()) == []


def test_fresh_clone_with_warm_cache_trains_nothing(base, warm_clone):
    clone = warm_clone
    # Snakemake creates the log files of jobs restored from the cache, but nothing runs.
    for stage in ("train", "fetch"):
        logs = list(clone.path(f"logs/mnist/{stage}").rglob("*.log"))
        assert logs and all(log.stat().st_size == 0 for log in logs), stage
    assert all(model.is_symlink() for model in clone.path("results/mnist/models").rglob("*.keras"))
    # The predictions and weights come back with their training; the figures check
    # them against its record before using them.
    assert all(path.is_symlink() for path in clone.path("results/mnist/predictions").rglob("*.csv"))
    assert not clone.path("resources").exists()  # nothing was downloaded
    assert fingerprints(clone) == fingerprints(base)


def test_each_variant_and_seed_has_its_own_cache_entry(base):
    models = {path.resolve() for path in base.path("results/mnist/models").rglob("*.keras")}
    assert len(models) == 4 and all(str(path).startswith(str(base.cache)) for path in models)
    weights = {weights_digest(base.path(f"results/mnist/weights/{v}/seed0.npz")) for v in VARIANTS}
    assert len(weights) == 4


def test_provenance_sidecar(base):
    sidecar = json.loads(base.path("results/mnist/histories/v2_relu/seed0.json").read_text())
    assert len(sidecar["data_sha256"]) == 64
    assert sidecar["variant"]["activation"] == "relu" and sidecar["seed"] == 0
    assert sidecar["training"] == {
        "epochs": 1,
        "batch_size": 128,
        "learning_rate": 0.001,
        "threads": 2,
        "train_subset": 0,
        "fast": False,
    }
    assert 100 < sidecar["peak_rss_mb"] < 4000
    assert {"python", "keras", "numpy", "snakemake"} <= set(sidecar["versions"])
    assert any(name.startswith("tensorflow") for name in sidecar["versions"])
    assert sidecar["machine"]["cpu_count"] == os.cpu_count() and sidecar["machine"]["threads"] == 2
    assert "git" in sidecar and sidecar["wall_seconds"] > 0
    # The lock this environment comes from, and the device the training ran on.
    assert sidecar["environment_lock"]["sha256"] == file_sha256(base.path("requirements.lock"))
    assert sidecar["machine"]["cpu"] == cpu_model()
    if "tensorflow-cpu" in sidecar["versions"]:
        assert sidecar["machine"]["gpus"] == [] and sidecar["machine"]["device"] == cpu_model()
    outputs = {
        "model": "models/v2_relu/seed0.keras",
        "history": "histories/v2_relu/seed0.csv",
        "predictions": "predictions/v2_relu/seed0.csv",
        "weights": "weights/v2_relu/seed0.npz",
    }
    assert sidecar["sha256"] == {
        name: file_sha256(base.path(f"results/mnist/{path}")) for name, path in outputs.items()
    }
    summary = pd.read_csv(base.path("results/mnist/summary.csv"))
    assert (summary["data_sha256"] == sidecar["data_sha256"]).all()
