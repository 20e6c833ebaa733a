"""training.train() called directly on tiny data: train_subset, fast, checkpoint identity.

TensorFlow's thread pools can be set only before its first op in a process, and any
earlier test that builds a model in the pytest process has run one. So every call
runs in one fresh worker process (spawned, not forked: TensorFlow does not survive a
fork), which sets them once, as a Snakemake job does. The calls are one shared study,
`trainings`, made in the background while other tests run; each test reads its own.
"""

import json
import logging
import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from project import default_config
from shared_studies import shared_study
from tinydata import tiny_split
from workflow_helpers import curves_of, hparams_dashboard, tensorboard_hparams, tensorboard_scalars

from ablation.config import variant_specs
from ablation.splits import save_split

SPEC = variant_specs(default_config())["v2_relu"]
DATASET = {"name": "mnist", "digest": "0" * 64, "num_classes": 10}
SETTINGS = {
    "epochs": 1,
    "batch_size": 32,
    "learning_rate": 0.001,
    "threads": 2,
    "train_subset": 0,
    "fast": False,
}
# A metrics row no training produces: it shows which epochs came from a checkpoint.
PLANTED = {"epoch": 1, "loss": 99.0, "accuracy": 0.0, "test_loss": 99.0, "test_accuracy": 0.0}
# Curve points that a killed earlier attempt left behind: a value no training produces.
STALE = 77.0
METRICS = ["loss", "accuracy", "test_loss", "test_accuracy"]


def write_data(directory):
    """train.npz (100 examples), its first 60 alone in first60.npz, and test.npz (40)."""
    directory.mkdir()
    images, labels = tiny_split(100, seed=1)
    save_split(directory / "train.npz", images, labels)
    save_split(directory / "first60.npz", images[:60], labels[:60])
    save_split(directory / "test.npz", *tiny_split(40, seed=2))
    return directory


def train_in_worker(
    directory, train_path, test_path, settings, checkpoint_settings=None, allow_nondeterminism=False
) -> dict:
    """Runs in the worker: place a checkpoint after epoch 1 (saved under
    ``checkpoint_settings``) and stale TensorBoard points for epochs 1 and 2 if
    asked, train into ``directory``, and return the log messages and the
    jit_compile of each model built."""
    from ablation import training

    messages, jit_compile = [], []

    class Collect(logging.Handler):
        def emit(self, record):
            messages.append(record.getMessage())

    if allow_nondeterminism:
        # Op determinism is process-wide and stays on after an earlier train() in this
        # worker, and Keras drops XLA while it is on; a Snakemake job starts fresh.
        from tensorflow.python.framework.config import disable_op_determinism

        disable_op_determinism()
    checkpoint_dir = directory / "checkpoint"
    if checkpoint_settings is not None:
        identity = {
            "spec": SPEC,
            "settings": checkpoint_settings,
            "seed": 0,
            "data": DATASET["digest"],
            "columns": ["epoch", *METRICS],
        }
        # Building a model runs TensorFlow's first op: the thread pools must be set before.
        training.configure_tensorflow(0, settings["threads"])
        model = training.build_compiled_model(SPEC, checkpoint_settings, (28, 28, 1), 10)
        training.Checkpoint(checkpoint_dir, identity).save(model, [PLANTED], [1.0])
        import tensorflow as tf

        stale = tf.summary.create_file_writer(str(directory / "tensorboard"))
        with stale.as_default():
            for epoch in (1, 2):
                for name in METRICS:
                    tf.summary.scalar(name, STALE, step=epoch)
        stale.close()

    build = training.build_compiled_model

    def build_and_record(*args):
        model = build(*args)
        jit_compile.append(model.jit_compile)
        return model

    handler = Collect()
    training.log.addHandler(handler)
    training.log.setLevel(logging.INFO)
    training.build_compiled_model = build_and_record
    try:
        training.train(
            spec=SPEC,
            settings=settings,
            seed=0,
            dataset=DATASET,
            train_path=train_path,
            evaluation_path=test_path,
            evaluation_split="test",
            checkpoint_dir=checkpoint_dir,
            tensorboard_dir=directory / "tensorboard",
            outputs=outputs(directory),
            source_directory=directory,
        )
    finally:
        training.build_compiled_model = build
        training.log.removeHandler(handler)
    return {"log": messages, "jit_compile": jit_compile}


def outputs(directory) -> dict:
    return {
        "model": directory / "seed0.keras",
        "history": directory / "seed0.csv",
        "provenance": directory / "seed0.json",
    }


def run(worker, directory, train_path, test_path, settings, **options) -> dict:
    """train() in the worker, into ``directory``; its log, jit_compile flags, history
    rows, provenance, TensorBoard curves and HParams sessions."""
    directory.mkdir(parents=True)
    result = worker.submit(
        train_in_worker, directory, train_path, test_path, settings, **options
    ).result()
    files = outputs(directory)
    return result | {
        "history": files["history"].read_bytes(),
        "rows": pd.read_csv(files["history"]).to_dict("records"),
        "provenance": json.loads(files["provenance"].read_text()),
        "curves": tensorboard_scalars(directory / "tensorboard"),
        "hparams": tensorboard_hparams(directory / "tensorboard"),
    }


# Every train() call of the tests, by name: (training data, settings, run() options).
# They run in this order in one worker: `fast` turns op determinism off, and each
# later train() turns it on again, as every Snakemake job starts with it on.
CALLS = {
    "subset": ("train.npz", SETTINGS | {"train_subset": 60}, {}),
    "alone": ("first60.npz", SETTINGS, {}),
    "fast": ("train.npz", SETTINGS | {"fast": True}, {"allow_nondeterminism": True}),
    "named": ("train.npz", SETTINGS, {}),
    "other": (
        "train.npz",
        SETTINGS | {"epochs": 2},
        {"checkpoint_settings": SETTINGS | {"epochs": 2, "learning_rate": 0.01}},
    ),
    "same": (
        "train.npz",
        SETTINGS | {"epochs": 2},
        {"checkpoint_settings": SETTINGS | {"epochs": 2}},
    ),
    # The two trainings that the HParams dashboard lists, in a log directory of their own.
    "dashboard/two_epochs": ("train.npz", SETTINGS | {"epochs": 2}, {}),
    "dashboard/faster": ("train.npz", SETTINGS | {"learning_rate": 0.01}, {}),
}


@shared_study(quick=True)
def trainings(root):
    """CALLS, each in its folder under ``root``: run()'s result by name."""
    data = write_data(root / "data")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as worker:
        return {
            name: run(worker, root / name, data / train, data / "test.npz", settings, **options)
            for name, (train, settings, options) in CALLS.items()
        } | {"dashboard": root / "dashboard"}


def test_train_subset_trains_on_exactly_the_first_n_examples(trainings):
    subset, alone = trainings["subset"], trainings["alone"]
    assert subset["provenance"]["train_examples"] == alone["provenance"]["train_examples"] == 60
    # Deterministic training: the same 60 examples in the same order give the same bits.
    assert subset["history"] == alone["history"]


def test_fast_trains_with_xla_and_finite_metrics(trainings):
    result = trainings["fast"]
    assert result["jit_compile"] == [True]
    (row,) = result["rows"]
    assert row["epoch"] == 1 and all(math.isfinite(value) for value in row.values())


def test_the_numbers_on_the_evaluation_data_are_named_after_its_split(trainings):
    """Keras calls them val_* whatever the data; the study's are the test set's."""
    result = trainings["named"]
    assert list(result["rows"][0]) == ["epoch", *METRICS]
    assert sorted(result["curves"]) == sorted(METRICS)
    (line,) = [message for message in result["log"] if message.startswith("epoch 1/1 ")]
    assert [part.split("=")[0] for part in line.split()[2:-2]] == METRICS


def test_a_checkpoint_of_other_settings_is_discarded(trainings):
    result = trainings["other"]
    assert any("starting over" in message for message in result["log"])
    history = result["rows"]
    assert [row["epoch"] for row in history] == [1, 2] and history[0]["loss"] != PLANTED["loss"]
    assert result["provenance"]["resumed"] is False
    # A training that starts over draws its curves anew: nothing of the earlier attempt.
    assert result["curves"] == curves_of(pd.DataFrame(history))


def test_a_checkpoint_of_the_same_job_is_resumed(trainings):
    result = trainings["same"]
    assert "resuming v2_relu seed 0 after epoch 1" in result["log"]
    history = result["rows"]
    assert history[0] == PLANTED and history[1]["epoch"] == 2
    assert result["provenance"]["resumed"] is True
    # The curves continue from the checkpoint: one point per epoch, the killed
    # attempt's points gone, epoch 1 as the checkpoint recorded it.
    assert result["curves"] == curves_of(pd.DataFrame(history))
    assert len(result["hparams"]) == 1  # one HParams session, not one per attempt
    assert result["jit_compile"] == []  # the model came from the checkpoint


def test_the_hparams_dashboard_lists_each_training_with_its_settings_and_final_numbers(
    trainings,
):
    """What `tensorboard --logdir` shows in its HParams tab, asked of the plugin itself."""
    two_epochs, faster = trainings["dashboard/two_epochs"], trainings["dashboard/faster"]
    settings = {
        "variant": "v2_relu",
        "seed": 0,
        "dataset": "mnist",
        "evaluation": "test",
        "model.activation": "relu",
        "model.pooling": "avg",
        "model.conv": True,
        "model.conv_filters": "[6, 16]",
        "model.conv_padding": '["same", "valid"]',
        "model.kernel_size": 3,
        "model.pool_size": 2,
        "model.dense_units": "[120, 84]",
        "training.epochs": 2,
        "training.batch_size": 32,
        "training.learning_rate": 0.001,
        "training.threads": 2,
        "training.train_subset": 0,
        "training.fast": False,
    }

    def final(result):
        return {name: float(np.float32(result["rows"][-1][name])) for name in METRICS}

    assert hparams_dashboard(trainings["dashboard"]) == {
        "two_epochs/tensorboard": {"hparams": settings, "metrics": final(two_epochs)},
        "faster/tensorboard": {
            "hparams": settings | {"training.epochs": 1, "training.learning_rate": 0.01},
            "metrics": final(faster),
        },
    }
