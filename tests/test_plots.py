import numpy as np
import pandas as pd
import pytest

from ablation import plots

CLASSES = [str(digit) for digit in range(10)]


def check_figures(paths, min_bytes=5000):
    for path in paths:
        assert path.stat().st_size > min_bytes, path
    png = paths[0].read_bytes()
    assert png.startswith(b"\x89PNG")
    assert paths[1].read_text().lstrip().startswith("<?xml")


def figure_paths(tmp_path, name):
    return [tmp_path / f"{name}.png", tmp_path / f"{name}.svg"]


def histories(seeds):
    rows = []
    for variant, scale in (("v1", 1.0), ("v2", 0.5)):
        for seed in seeds:
            for epoch in (1, 2, 3):
                rows.append(
                    {"variant": variant, "seed": seed, "epoch": epoch,
                     "loss": scale / epoch + 0.01 * seed, "val_accuracy": 1 - scale / (epoch + 1)}
                )
    return pd.DataFrame(rows)


def test_mean_and_band_is_one_std_across_seeds():
    band = plots.mean_and_band(histories([0, 1, 2])[lambda d: d["variant"] == "v1"], "loss")
    first = band.iloc[0]
    assert first["mean"] == pytest.approx(1.01)
    assert first["high"] - first["mean"] == pytest.approx(0.01)
    assert (band["count"] == 3).all()


@pytest.mark.parametrize("seeds", [[0], [0, 1, 2]])
def test_loss_comparison(tmp_path, seeds):
    paths = figure_paths(tmp_path, "loss")
    plots.plot_loss_comparison(histories(seeds), ["v1", "v2"], paths)
    check_figures(paths)


def test_svg_is_reproducible(tmp_path):
    first, second = figure_paths(tmp_path, "a"), figure_paths(tmp_path, "b")
    plots.plot_loss_comparison(histories([0]), ["v1", "v2"], first)
    plots.plot_loss_comparison(histories([0]), ["v1", "v2"], second)
    assert first[1].read_bytes() == second[1].read_bytes()
    assert first[0].read_bytes() == second[0].read_bytes()


def test_loss_comparison_ignores_training_time(tmp_path):
    """histories.csv carries each epoch's seconds, which differ between runs."""
    first, second = figure_paths(tmp_path, "a"), figure_paths(tmp_path, "b")
    plots.plot_loss_comparison(histories([0]).assign(seconds=1.0), ["v1", "v2"], first)
    plots.plot_loss_comparison(histories([0]).assign(seconds=2.5), ["v1", "v2"], second)
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]


def test_filter_grid_draws_every_conv_layer(tmp_path):
    rng = np.random.default_rng(0)
    weights = {"conv1/0": rng.normal(size=(3, 3, 1, 6)), "conv1/1": np.zeros(6),
               "conv2/0": rng.normal(size=(3, 3, 6, 16)), "dense1/0": np.zeros((5, 5))}
    assert [name for name, _ in plots.conv_kernels(weights)] == ["conv1", "conv2"]
    paths = figure_paths(tmp_path, "filters")
    plots.plot_filter_grid(weights, "v1", paths)
    check_figures(paths)


def test_filter_grid_refuses_a_model_without_conv_layers(tmp_path):
    with pytest.raises(ValueError, match="no conv layers"):
        plots.plot_filter_grid({"dense1/0": np.zeros((2, 2))}, "v4", figure_paths(tmp_path, "x"))


def predictions(labels, predicted):
    return pd.DataFrame({"index": range(len(labels)), "label": labels,
                         "predicted": predicted, "confidence": 0.9})


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


def test_accuracy_across_datasets(tmp_path):
    summary = pd.DataFrame({
        "dataset": ["mnist", "mnist", "fashion_mnist", "fashion_mnist"],
        "variant": ["v1", "v2", "v1", "v2"],
        "test_accuracy_mean": [0.9, 0.98, 0.8, 0.88],
        "test_accuracy_std": [0.01, None, 0.02, 0.01],
    })
    paths = figure_paths(tmp_path, "datasets")
    plots.plot_accuracy_across_datasets(summary, ["v1", "v2"], paths)
    check_figures(paths)
