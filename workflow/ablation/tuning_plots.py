"""The sweep's figures, drawn like the study's (same saving, same determinism)."""

import pandas as pd

from ablation import metrics
from ablation.metrics import VALIDATION_ACCURACY
from ablation.plots import Figure, plot_loss_comparison, save_figure


def plot_learning_rate_sweep(
    sweep: pd.DataFrame, selected: pd.DataFrame, default_rate: float, variant_order, paths
) -> None:
    """Final validation accuracy against learning rate (log axis), one line per variant
    with ±1 std bands; each variant's selected rate ringed, diverged points as × at 0;
    the title names the variants selected at an edge of the grid."""
    figure = Figure(figsize=(7.5, 4.5))
    axis = figure.subplots()
    chosen = selected.set_index("variant")["learning_rate"]
    at_edge = [
        variant
        for variant, edge in zip(selected["variant"], selected["grid_edge"])
        if isinstance(edge, str) and edge
    ]
    marked_divergence = False
    mean, std = f"{VALIDATION_ACCURACY}_mean", f"{VALIDATION_ACCURACY}_std"
    for variant in variant_order:
        points = sweep[sweep["variant"] == variant]
        finite = points[~points["diverged"]]
        (line,) = axis.plot(finite["learning_rate"], finite[mean], marker="o", label=variant)
        color = line.get_color()
        axis.fill_between(
            finite["learning_rate"],
            finite[mean] - finite[std].fillna(0.0),
            finite[mean] + finite[std].fillna(0.0),
            color=color,
            alpha=0.2,
            linewidth=0,
        )
        best = finite[finite["learning_rate"] == chosen[variant]]
        axis.scatter(
            best["learning_rate"],
            best[mean],
            s=220,
            facecolors="none",
            edgecolors=color,
            linewidths=2,
            zorder=3,
        )
        diverged = points[points["diverged"]]
        if len(diverged):
            axis.scatter(
                diverged["learning_rate"],
                [0.0] * len(diverged),
                marker="x",
                s=80,
                color=color,
                zorder=3,
                label=None if marked_divergence else "diverged (loss NaN)",
            )
            marked_divergence = True
    axis.axvline(
        default_rate,
        color="gray",
        linestyle="--",
        linewidth=1,
        label=f"default rate {default_rate:g}",
    )
    axis.scatter([], [], s=220, facecolors="none", edgecolors="black", label="selected rate")
    axis.set_xscale("log")
    axis.set(
        xlabel="learning rate (Adam)",
        ylabel="final validation accuracy",
        ylim=(-0.03, 1.03),
        title="Learning-rate sweep, selected on the validation split"
        + (
            f"\n{', '.join(at_edge)}: best at an edge; the optimum may lie beyond the grid"
            if at_edge
            else ""
        ),
    )
    axis.grid(alpha=0.3, which="both")
    axis.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    save_figure(figure, paths)


def plot_tuned_loss(histories: pd.DataFrame, selected: pd.DataFrame, variant_order, paths) -> None:
    """The lecture's loss chart redrawn with each variant at its selected rate: training
    loss and validation accuracy per epoch, ±1 std over seeds."""
    chosen = selected.set_index("variant")["learning_rate"]
    at_selected_rates = histories[histories["learning_rate"] == histories["variant"].map(chosen)]
    plot_loss_comparison(
        at_selected_rates,
        variant_order,
        paths,
        labels={variant: f"{variant} (lr {chosen[variant]:g})" for variant in variant_order},
        split=metrics.VALIDATION,
        loss_title="Training loss at the selected rates",
        legend_columns=2,
    )
