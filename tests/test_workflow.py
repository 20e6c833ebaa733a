"""End to end: the real snakemake on a tiny MNIST-shaped dataset served from 127.0.0.1."""

import shutil

import pandas as pd
import pytest
from project import TINY_CONFIG
from workflow_helpers import HISTORY_COLUMNS, dry_run, planned_jobs

VARIANTS = ["v1_sigmoid", "v2_relu", "v3_no_pooling", "v4_no_conv"]
pytestmark = pytest.mark.e2e


def test_every_final_target_exists_and_is_well_formed(base):
    results = base.path("results/mnist")
    histories = pd.read_csv(results / "histories.csv")
    assert list(histories.columns) == HISTORY_COLUMNS
    assert sorted(histories["variant"]) == VARIANTS and set(histories["epoch"]) == {1}
    summary = pd.read_csv(results / "summary.csv")
    assert list(summary["variant"]) == VARIANTS
    assert summary.set_index("variant")["parameters"].to_dict() == {
        "v1_sigmoid": 81194,
        "v2_relu": 81194,
        "v3_no_pooling": 1309994,
        "v4_no_conv": 17014,
    }
    assert (results / "comparisons.csv").read_text().count("no interval") == 3
    for variant in VARIANTS:
        for kind in ["predictions", "confusion"] + (["filters"] if variant != "v4_no_conv" else []):
            for extension in ("png", "svg"):
                assert (results / "figures" / kind / f"{variant}.{extension}").stat().st_size > 5000
        history = (results / "histories" / variant / "seed0.csv").read_text().splitlines()
        assert history[0] == "epoch,loss,accuracy,test_loss,test_accuracy" and len(history) == 2
    assert not (results / "figures/filters/v4_no_conv.png").exists()
    assert (results / "figures/loss_comparison.png").stat().st_size > 10000
    log = base.path("logs/mnist/train/v2_relu/seed0.log").read_text()
    assert "epoch 1/1 loss=" in log and "\r" not in log and "━" not in log


def test_no_filter_target_for_a_variant_without_conv_layers(base):
    result = base.run(
        "-n",
        "results/mnist/figures/filters/v4_no_conv.png",
        "--configfile",
        TINY_CONFIG,
        check=False,
    )
    assert result.returncode != 0
    assert "MissingRuleException" in result.output


def test_models_load_in_safe_mode_and_predict_like_the_csv(base):
    import keras
    import numpy as np

    model = keras.models.load_model(
        base.path("results/mnist/models/v2_relu/seed0.keras"), safe_mode=True
    )
    with np.load(base.path("results/mnist/data/test.npz"), allow_pickle=False) as test:
        predicted = model.predict(test["images"], verbose=0).argmax(axis=1)
    table = pd.read_csv(base.path("results/mnist/predictions/v2_relu/seed0.csv"))
    assert (table["predicted"].to_numpy() == predicted).all()


def test_second_run_does_nothing(base):
    assert "Nothing to be done" in dry_run(base)


def test_one_variant_rebuilds_alone(base):
    shutil.rmtree(base.path("results/mnist/models/v2_relu"))
    output = base.run(
        "--cores", "2", "results/mnist/models/v2_relu/seed0.keras", "--configfile", TINY_CONFIG
    ).output
    assert [(rule, jobs.get("variant")) for rule, jobs in planned_jobs(output)] == [
        ("train", "v2_relu")
    ]


def test_html_report(base):
    base.run("--configfile", TINY_CONFIG, "--report", "results/report.html")
    html = base.path("results/report.html").read_text()
    assert len(html) > 100_000
    for name in (
        "loss_comparison.png",
        "summary.csv",
        "seed0.json",
        "v1_sigmoid.png",
        "lecture.html",
    ):
        assert name in html
