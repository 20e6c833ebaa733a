"""The figures: the loss comparison with its band across seeds, whole-epoch axes and
panels named after their data, reproducible SVGs, the filter, prediction, confusion and
cross-dataset figures, and no TensorFlow import to draw one."""

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from clones import Workflow
from project import TINY_CONFIG
from workflow_helpers import planned_rules

from ablation import plots, tuning_plots
from ablation.evaluate import read_predictions

CLASSES = [str(digit) for digit in range(10)]


def check_figures(paths, min_bytes=5000):
    for path in paths:
        assert path.stat().st_size > min_bytes, path
    png = paths[0].read_bytes()
    assert png.startswith(b"\x89PNG")
    assert paths[1].read_text().lstrip().startswith("<?xml")


def figure_paths(tmp_path, name):
    return [tmp_path / f"{name}.png", tmp_path / f"{name}.svg"]


def histories(seeds, epochs=3, split="test"):
    rows = []
    for variant, scale in (("v1", 1.0), ("v2", 0.5)):
        for seed in seeds:
            for epoch in range(1, epochs + 1):
                rows.append(
                    {
                        "variant": variant,
                        "seed": seed,
                        "epoch": epoch,
                        "loss": scale / epoch + 0.01 * seed,
                        f"{split}_accuracy": 1 - scale / (epoch + 1),
                    }
                )
    return pd.DataFrame(rows)


def drawn_figure(monkeypatch, draw):
    """The figure that ``draw()`` saves, kept open and drawn."""
    figures = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, paths: figures.append(figure))
    draw()
    (figure,) = figures
    figure.canvas.draw()
    return figure


def visible_tick_labels(axis) -> list[str]:
    low, high = sorted(axis.get_xlim())
    return [
        tick.get_text() for tick in axis.get_xticklabels() if low <= tick.get_position()[0] <= high
    ]


def test_mean_and_band_is_one_std_across_seeds():
    band = plots.mean_and_band(histories([0, 1, 2])[lambda d: d["variant"] == "v1"], "loss")
    first = band.iloc[0]
    assert first["mean"] == pytest.approx(1.01)
    assert first["high"] - first["mean"] == pytest.approx(0.01)
    assert (band["count"] == 3).all()


@pytest.mark.parametrize("seeds", [[0], [0, 1, 2]])
def test_loss_comparison(tmp_path, seeds):
    paths = figure_paths(tmp_path, "loss")
    plots.plot_loss_comparison(histories(seeds), ["v1", "v2"], paths, split="test")
    check_figures(paths)


@pytest.mark.parametrize("epochs", [1, 2, 30])
def test_epoch_axes_show_whole_epochs(monkeypatch, epochs):
    figure = drawn_figure(
        monkeypatch,
        lambda: plots.plot_loss_comparison(histories([0], epochs), ["v1", "v2"], [], split="test"),
    )
    for axis in figure.axes:
        labels = visible_tick_labels(axis)
        assert labels and all(re.fullmatch(r"\d+", label) for label in labels), labels
    if epochs == 1:
        assert visible_tick_labels(figure.axes[0]) == ["1"]


def test_the_accuracy_panel_is_named_after_the_data_it_was_measured_on(monkeypatch):
    study = drawn_figure(
        monkeypatch,
        lambda: plots.plot_loss_comparison(histories([0]), ["v1", "v2"], [], split="test"),
    )
    assert (study.axes[1].get_title(), study.axes[1].get_ylabel()) == (
        "Test accuracy",
        "test accuracy",
    )
    sweep = histories([0], split="val").assign(learning_rate=0.01)
    selected = pd.DataFrame({"variant": ["v1", "v2"], "learning_rate": [0.01, 0.01]})
    tuned = drawn_figure(
        monkeypatch, lambda: tuning_plots.plot_tuned_loss(sweep, selected, ["v1", "v2"], [])
    )
    assert (tuned.axes[1].get_title(), tuned.axes[1].get_ylabel()) == (
        "Validation accuracy",
        "validation accuracy",
    )


def test_svg_is_reproducible(tmp_path):
    first, second = figure_paths(tmp_path, "a"), figure_paths(tmp_path, "b")
    plots.plot_loss_comparison(histories([0]), ["v1", "v2"], first, split="test")
    plots.plot_loss_comparison(histories([0]), ["v1", "v2"], second, split="test")
    assert first[1].read_bytes() == second[1].read_bytes()
    assert first[0].read_bytes() == second[0].read_bytes()


def test_loss_comparison_ignores_training_time(tmp_path):
    """histories.csv carries each epoch's seconds, which differ between runs."""
    first, second = figure_paths(tmp_path, "a"), figure_paths(tmp_path, "b")
    plots.plot_loss_comparison(
        histories([0]).assign(seconds=1.0), ["v1", "v2"], first, split="test"
    )
    plots.plot_loss_comparison(
        histories([0]).assign(seconds=2.5), ["v1", "v2"], second, split="test"
    )
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]


def test_filter_grid_draws_every_conv_layer(tmp_path):
    rng = np.random.default_rng(0)
    weights = {
        "conv1/0": rng.normal(size=(3, 3, 1, 6)),
        "conv1/1": np.zeros(6),
        "conv2/0": rng.normal(size=(3, 3, 6, 16)),
        "dense1/0": np.zeros((5, 5)),
    }
    assert [name for name, _ in plots.conv_kernels(weights)] == ["conv1", "conv2"]
    paths = figure_paths(tmp_path, "filters")
    plots.plot_filter_grid(weights, "v1", paths)
    check_figures(paths)


def test_a_layers_kernels_sit_in_its_mosaic_by_input_channel_and_filter():
    kernel = np.arange(3 * 3 * 2 * 4, dtype=float).reshape(3, 3, 2, 4)
    mosaic = plots.kernel_mosaic(kernel)
    assert mosaic.shape == (2 * 4 - 1, 4 * 4 - 1)
    assert np.array_equal(mosaic[4:7, 8:11], kernel[:, :, 1, 2])  # channel 2, filter 3
    assert np.isnan(mosaic[3]).all() and np.isnan(mosaic[:, 3]).all()  # the blank lines


def test_filter_grid_refuses_a_model_without_conv_layers(tmp_path):
    with pytest.raises(ValueError, match="no conv layers"):
        plots.plot_filter_grid({"dense1/0": np.zeros((2, 2))}, "v4", figure_paths(tmp_path, "x"))


def predictions(labels, predicted):
    return pd.DataFrame(
        {"index": range(len(labels)), "label": labels, "predicted": predicted, "confidence": 0.9}
    )


def test_confusion_counts():
    counts = plots.confusion_counts(predictions([0, 0, 1, 2], [0, 1, 1, 2]), 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_prediction_grid_and_confusion(tmp_path):
    labels = np.arange(20) % 10
    table = predictions(labels, np.roll(labels, 1))
    images = np.random.default_rng(0).random((20, 28, 28, 1), dtype=np.float32)
    paths = figure_paths(tmp_path, "predictions")
    plots.plot_prediction_grid(images, table, [0, 3, 7], CLASSES, "v1", paths)
    check_figures(paths)
    paths = figure_paths(tmp_path, "confusion")
    plots.plot_confusion(table, CLASSES, "v1", paths)
    check_figures(paths)


def test_a_predictions_file_read_without_pandas_draws_what_its_table_draws(tmp_path):
    labels = np.arange(20) % 10
    table = predictions(labels, np.roll(labels, 1))
    table.to_csv(tmp_path / "seed0.csv", index=False)
    columns = read_predictions(tmp_path / "seed0.csv")
    images = np.random.default_rng(0).random((20, 28, 28, 1), dtype=np.float32)
    for name, source in (("table", table), ("file", columns)):
        plots.plot_prediction_grid(
            images, source, [0, 3, 7], CLASSES, "v1", [tmp_path / f"{name}.svg"]
        )
        plots.plot_confusion(source, CLASSES, "v1", [tmp_path / f"{name}-confusion.svg"])
    for suffix in (".svg", "-confusion.svg"):
        assert (tmp_path / f"table{suffix}").read_bytes() == (
            tmp_path / f"file{suffix}"
        ).read_bytes()


def test_a_predictions_file_of_other_columns_is_refused_by_name(tmp_path):
    path = tmp_path / "seed0.csv"
    path.write_text("index,label,predicted\n0,1,1\n")
    with pytest.raises(ValueError, match=f"{path}: columns .* not a predictions file"):
        read_predictions(path)


def test_accuracy_across_datasets(tmp_path):
    summary = pd.DataFrame(
        {
            "dataset": ["mnist", "mnist", "fashion_mnist", "fashion_mnist"],
            "variant": ["v1", "v2", "v1", "v2"],
            "test_accuracy_mean": [0.9, 0.98, 0.8, 0.88],
            "test_accuracy_std": [0.01, None, 0.02, 0.01],
        }
    )
    paths = figure_paths(tmp_path, "datasets")
    plots.plot_accuracy_across_datasets(summary, ["v1", "v2"], paths)
    check_figures(paths)


@pytest.mark.e2e
def test_drawing_a_figure_never_imports_tensorflow(base, tmp_path):
    """Checked in the figure jobs' own processes: each figure of a model is drawn again
    with a tensorflow and a keras first on the path that refuse to be imported."""
    flow = Workflow(tmp_path / "copy", base.cache)
    shutil.copytree(base.directory, flow.directory, symlinks=True)
    blockers = tmp_path / "blockers"
    for name in ("tensorflow", "keras"):
        (blockers / name).mkdir(parents=True)
        (blockers / name / "__init__.py").write_text(f"raise ImportError('{name} imported')\n")
    env = {"PYTHONPATH": str(blockers)}
    refused = subprocess.run(
        [sys.executable, "-c", "import keras"], env=os.environ | env, capture_output=True, text=True
    )
    assert "keras imported" in refused.stderr
    figures = [
        f"results/mnist/figures/{kind}/v1_sigmoid.png"
        for kind in ("filters", "predictions", "confusion")
    ]
    figures.append("results/mnist/figures/loss_comparison.png")
    output = flow.run(
        "--cores", "2", "--configfile", TINY_CONFIG, "--forcerun", *figures, "--", *figures, env=env
    ).output
    assert {
        "plot_filters",
        "plot_predictions",
        "plot_confusion",
        "plot_loss_comparison",
    } == planned_rules(output)
    for figure in figures:
        assert flow.path(figure).read_bytes() == base.path(figure).read_bytes(), figure
