"""The study's figures. Inputs are CSV and NumPy files only: no TensorFlow here."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from PIL import Image

from ablation import metrics

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pandas import DataFrame

    # A table as columns: a DataFrame, or a predictions file as read_predictions gives it.
    Columns = DataFrame | Mapping[str, np.ndarray]

# Figures are made with matplotlib's Figure, not pyplot, and nothing here imports
# pandas (its callers pass tables in): a figure job is mostly imports, and these two
# were a fifth of them.

# Fixed SVG ids and no timestamps: the same data gives the same bytes.
matplotlib.rcParams["svg.hashsalt"] = "mnist-ablation"
METADATA = {".svg": {"Date": None}, ".png": {}}


def figure_labels(figure) -> list[str]:
    """The words on ``figure``: titles, axis labels, legends and the tick labels set by
    name. Numeric ticks are placed only when the figure is drawn, so they are not among
    them."""
    return [
        text.get_text() for text in figure.findobj(Text) if text.get_visible() and text.get_text()
    ]


def save_figure(figure, paths) -> None:
    """Writes ``figure`` to each path; a .png carries its words (figure_labels) as the
    text chunk "Labels", so that a copy of it says which titles it was drawn with."""
    labels = {"Labels": json.dumps(figure_labels(figure))}  # ASCII, as a PNG text chunk needs
    for path in paths:
        suffix = str(path)[str(path).rfind(".") :]
        metadata = METADATA[suffix] | (labels if suffix == ".png" else {})
        figure.savefig(path, dpi=120, bbox_inches="tight", metadata=metadata)


def png_labels(path) -> list[str] | None:
    """The words a .png that save_figure wrote was drawn with (None for any other .png)."""
    with Image.open(path) as image:
        labels = image.text.get("Labels")
    return None if labels is None else json.loads(labels)


def mean_and_band(histories: DataFrame, metric: str) -> DataFrame:
    """Per epoch: mean and ±1 sample std of ``metric`` across seeds (std 0 for one seed)."""
    stats = histories.groupby("epoch")[metric].agg(["mean", "std", "count"])
    stats["std"] = stats["std"].fillna(0.0)
    stats["low"] = stats["mean"] - stats["std"]
    stats["high"] = stats["mean"] + stats["std"]
    return stats.reset_index()


def whole_epochs(axis) -> None:
    """Ticks at whole epochs only, even for a single epoch (where matplotlib's integer
    ticks would need two in view and fall back to 0.96 … 1.04)."""
    axis.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def plot_loss_comparison(
    histories: DataFrame,
    variant_order,
    paths,
    *,
    split: str,
    labels=None,
    loss_title="Training loss",
    legend_columns=None,
) -> None:
    """The lecture's chart: training loss per epoch, one line per variant, plus a panel
    of the accuracy on ``split``, the data the histories were evaluated on; shaded bands
    are ±1 std across seeds. ``labels`` maps variants to legend entries (default: the
    variant names)."""
    evaluated = metrics.SPLIT_WORDS[split]
    panels = ("loss", metrics.on(split, "accuracy"))
    figure = Figure(figsize=(11, 4.2))
    loss_axis, accuracy_axis = figure.subplots(1, 2)
    seeds = histories["seed"].nunique()
    for variant in variant_order:
        runs = histories[histories["variant"] == variant]
        label = (labels or {}).get(variant, variant)
        for axis, metric in zip((loss_axis, accuracy_axis), panels):
            stats = mean_and_band(runs, metric)
            (line,) = axis.plot(stats["epoch"], stats["mean"], marker="o", label=label)
            if seeds > 1:
                axis.fill_between(
                    stats["epoch"],
                    stats["low"],
                    stats["high"],
                    color=line.get_color(),
                    alpha=0.2,
                    linewidth=0,
                )
    loss_axis.set(
        xlabel="epoch", ylabel="training loss (mean over the epoch's batches)", title=loss_title
    )
    accuracy_axis.set(
        xlabel="epoch", ylabel=f"{evaluated} accuracy", title=f"{evaluated.capitalize()} accuracy"
    )
    for axis in (loss_axis, accuracy_axis):
        axis.grid(alpha=0.3)
        whole_epochs(axis)
    band = f"mean ± 1 std over {seeds} seeds" if seeds > 1 else "one seed"
    handles, legend_labels = loss_axis.get_legend_handles_labels()
    columns = legend_columns or len(legend_labels)
    rows = -(-len(legend_labels) // columns)
    figure.legend(
        handles,
        legend_labels,
        loc="lower center",
        ncol=columns,
        title=band,
        bbox_to_anchor=(0.5, -0.17 - 0.08 * (rows - 1)),
    )
    save_figure(figure, paths)


def conv_kernels(weights: dict) -> list[tuple[str, np.ndarray]]:
    """(layer name, kernel of shape h×w×in×out) for each conv layer, in order."""
    names = sorted(
        (key.split("/")[0] for key in weights if key.startswith("conv") and key.endswith("/0")),
        key=lambda name: int(name.removeprefix("conv")),
    )
    return [(name, weights[f"{name}/0"]) for name in names]


def kernel_mosaic(kernel: np.ndarray) -> np.ndarray:
    """One conv layer's kernels (h×w×in×out) side by side: the kernel from input
    channel c to filter f at row c, column f, with a blank (NaN) line between them."""
    height, width, in_channels, filters = kernel.shape
    mosaic = np.full((in_channels * (height + 1) - 1, filters * (width + 1) - 1), np.nan)
    for channel in range(in_channels):
        for index in range(filters):
            top, left = channel * (height + 1), index * (width + 1)
            mosaic[top : top + height, left : left + width] = kernel[:, :, channel, index]
    return mosaic


def plot_filter_grid(weights: dict, title: str, paths) -> None:
    """Every conv layer's 3×3 kernels: one row per input channel, one column per filter.
    Each layer is one image (a mosaic), not an axes per kernel: a hundred axes would
    take seconds to draw."""
    kernels = conv_kernels(weights)
    if not kernels:
        raise ValueError(f"{title}: this model has no conv layers, so no filters to draw")
    heights = [kernel.shape[2] for _, kernel in kernels]
    figure = Figure(
        figsize=(
            max(k.shape[3] for _, k in kernels) * 0.7,
            sum(heights) * 0.7 + 1.2 * len(kernels),
        )
    )
    axes = figure.subplots(
        len(kernels), 1, squeeze=False, height_ratios=[height + 1.5 for height in heights]
    )
    colours = matplotlib.colormaps["coolwarm"].with_extremes(bad="white")
    for axis, (name, kernel) in zip(axes[:, 0], kernels):
        height, width, in_channels, filters = kernel.shape
        limit = float(np.abs(kernel).max()) or 1.0
        image = axis.imshow(kernel_mosaic(kernel), cmap=colours, vmin=-limit, vmax=limit)
        axis.set_xticks(np.arange(filters) * (width + 1) + (width - 1) / 2, range(1, filters + 1))
        axis.set_yticks(
            np.arange(in_channels) * (height + 1) + (height - 1) / 2, range(1, in_channels + 1)
        )
        axis.tick_params(length=0, labelsize=7)
        axis.xaxis.tick_top()
        axis.set_ylabel("input channel", fontsize=8)
        axis.set_title(f"{name}: {filters} filters × {in_channels} input channel(s)", fontsize=9)
        axis.spines[:].set_visible(False)
        figure.colorbar(image, ax=axis, shrink=0.8, fraction=0.02)
    figure.suptitle(title, fontsize=10)
    save_figure(figure, paths)


def plot_prediction_grid(
    images, predictions: Columns, indices, class_names, title: str, paths
) -> None:
    """Chosen test images, each titled 'predicted / true'; wrong ones in red."""
    columns = min(len(indices), 6)
    rows = -(-len(indices) // columns)
    figure = Figure(figsize=(columns * 2.1, rows * 2.3))
    axes = figure.subplots(rows, columns, squeeze=False)
    by_index = dict(zip(predictions["index"], zip(predictions["predicted"], predictions["label"])))
    for axis in axes.flat:
        axis.axis("off")
    for axis, index in zip(axes.flat, indices):
        predicted, true = (class_names[label] for label in by_index[index])
        axis.imshow(images[index].squeeze(), cmap="gray_r")
        axis.set_title(
            f"#{index}\n{predicted} / {true}",
            fontsize=8,
            color="black" if predicted == true else "red",
        )
    figure.suptitle(f"{title} — predicted / true", fontsize=10)
    save_figure(figure, paths)


def confusion_counts(predictions: Columns, num_classes: int) -> np.ndarray:
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (predictions["label"], predictions["predicted"]), 1)
    return counts


def plot_confusion(predictions: Columns, class_names, title: str, paths) -> None:
    counts = confusion_counts(predictions, len(class_names))
    accuracy = np.trace(counts) / counts.sum()
    figure = Figure(figsize=(6.5, 5.5))
    axis = figure.subplots()
    image = axis.imshow(counts, cmap="Blues")
    for (true, predicted), count in np.ndenumerate(counts):
        axis.text(
            predicted,
            true,
            str(count),
            ha="center",
            va="center",
            fontsize=6,
            color="white" if count > counts.max() / 2 else "black",
        )
    ticks = range(len(class_names))
    axis.set_xticks(ticks, class_names, rotation=45, ha="right", fontsize=7)
    axis.set_yticks(ticks, class_names, fontsize=7)
    axis.set(xlabel="predicted", ylabel="true", title=f"{title} (accuracy {accuracy:.4f})")
    figure.colorbar(image, ax=axis)
    save_figure(figure, paths)


def plot_accuracy_across_datasets(summary: DataFrame, variant_order, paths) -> None:
    """Each variant's final test accuracy, datasets side by side (error bars ±1 std)."""
    datasets = list(dict.fromkeys(summary["dataset"]))
    width = 0.8 / len(datasets)
    figure = Figure(figsize=(1.6 * len(variant_order) + 2, 4))
    axis = figure.subplots()
    positions = np.arange(len(variant_order))
    for offset, dataset in enumerate(datasets):
        rows = summary[summary["dataset"] == dataset].set_index("variant")
        rows = rows.reindex(variant_order)
        spread = rows["test_accuracy_std"]
        axis.bar(
            positions + (offset - (len(datasets) - 1) / 2) * width,
            rows["test_accuracy_mean"],
            width,
            label=dataset,
            yerr=None if spread.isna().all() else spread.fillna(0.0),
            capsize=3,
        )
    axis.set_xticks(positions, variant_order)
    axis.set(ylabel="final test accuracy", ylim=(0, 1), title="Final test accuracy by dataset")
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(datasets))
    axis.grid(axis="y", alpha=0.3)
    save_figure(figure, paths)
