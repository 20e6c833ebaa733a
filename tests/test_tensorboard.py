"""Live training curves: every training writes TensorBoard event files (docs/outputs.md, "Live training curves")."""

import pandas as pd
import pytest
from workflow_helpers import curves_of, dry_run, hparams_dashboard, tensorboard_scalars

pytestmark = pytest.mark.e2e


def test_every_training_has_one_point_per_epoch_and_metric_and_its_graph(base):
    from tensorboard.backend.event_processing import event_accumulator

    histories = pd.read_csv(base.path("results/mnist/histories.csv"))
    for (variant, seed), history in histories.groupby(["variant", "seed"]):
        run = base.path(f"results/mnist/tensorboard/{variant}/seed{seed}")
        assert tensorboard_scalars(run) == curves_of(history), run
        accumulator = event_accumulator.EventAccumulator(str(run))
        accumulator.Reload()
        assert accumulator.Tags()["graph"]
        assert any(node.op == "Conv2D" for node in accumulator.Graph().node) == (
            variant != "v4_no_conv"
        )


def test_the_hparams_dashboard_over_results_lists_every_training(base):
    """`tensorboard --logdir results/`: one HParams row per training, with its final numbers."""
    histories = pd.read_csv(base.path("results/mnist/histories.csv"))
    dashboard = hparams_dashboard(base.path("results"))
    assert sorted(dashboard) == sorted(
        f"mnist/tensorboard/{variant}/seed{seed}"
        for variant, seed in histories[["variant", "seed"]]
        .drop_duplicates()
        .itertuples(index=False)
    )
    for (variant, seed), history in histories.groupby(["variant", "seed"]):
        row = dashboard[f"mnist/tensorboard/{variant}/seed{seed}"]
        assert (row["hparams"]["variant"], row["hparams"]["seed"]) == (variant, seed)
        assert row["metrics"] == {
            name: points[-1][1] for name, points in curves_of(history).items()
        }


def test_the_curves_are_no_output_and_rerun_nothing(base):
    curves = base.path("results/mnist/tensorboard")
    aside = base.path("results/mnist/tensorboard-aside")
    curves.rename(aside)
    try:
        assert "Nothing to be done" in dry_run(base)
    finally:
        aside.rename(curves)
