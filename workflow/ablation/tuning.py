"""The learning-rate sweep's jobs: the validation split, one sweep point, the test evaluation.

A sweep point is an ordinary training (``ablation.training.train``, unchanged)
evaluated on the validation split carved from the training set, so its history's
evaluation columns are ``val_*``. The test set is read once, by
``evaluate_on_test``, after selection, and only for the runs it needs; its numbers
are ``test_*``.
"""

import json
import logging
import shutil

import numpy as np
import pandas as pd

from ablation import metrics
from ablation.files import write_json, write_text
from ablation.integrity import outputs_digests, verified_record
from ablation.splits import load_split, load_split_as_pixels, save_split
from ablation.training import (
    Checkpoint,
    NonFiniteLoss,
    build_compiled_model,
    run_identity,
    save_model_atomically,
    train,
    write_history,
)

log = logging.getLogger(__name__)


def validation_indices(train_size: int, validation_size: int, seed: int) -> np.ndarray:
    """The held-out training examples, sorted: a function of (train_size, size, seed) only."""
    order = np.random.default_rng(seed).permutation(train_size)
    return np.sort(order[:validation_size])


def split_training_set(train_path, validation_size: int, seed: int, outputs) -> None:
    """Write ``outputs['train']`` (the rest, in the original order),
    ``outputs['validation']`` and ``outputs['indices']`` (the held-out indices)."""
    pixels, labels = load_split_as_pixels(train_path)
    held_out = validation_indices(len(labels), validation_size, seed)
    rest = np.setdiff1d(np.arange(len(labels)), held_out)
    save_split(outputs["train"], pixels[rest, ..., 0], labels[rest])
    save_split(outputs["validation"], pixels[held_out, ..., 0], labels[held_out])
    write_text(outputs["indices"], "index\n" + "".join(f"{i}\n" for i in held_out))
    log.info(
        "%d validation examples held out (seed %d), %d left for training",
        len(held_out),
        seed,
        len(rest),
    )


def train_sweep_point(
    *,
    spec,
    settings,
    seed,
    dataset,
    train_path,
    validation_path,
    checkpoint_dir,
    tensorboard_dir,
    outputs,
    source_directory,
) -> None:
    """One (variant, learning rate, seed): ``train`` with the validation split as its
    evaluation data. A loss that becomes NaN is a result here, not a failure: the
    outputs then hold the history and model up to the last finite epoch (the
    untrained model when the first epoch diverged) and a sidecar saying so."""
    try:
        train(
            spec=spec,
            settings=settings,
            seed=seed,
            dataset=dataset,
            train_path=train_path,
            evaluation_path=validation_path,
            evaluation_split=metrics.VALIDATION,
            checkpoint_dir=checkpoint_dir,
            tensorboard_dir=tensorboard_dir,
            outputs=outputs,
            source_directory=source_directory,
        )
    except NonFiniteLoss as error:
        log.warning("diverged: %s", error)
        record_divergence(
            spec, settings, seed, dataset, train_path, checkpoint_dir, outputs, str(error)
        )


def record_divergence(
    spec, settings, seed, dataset, train_path, checkpoint_dir, outputs, message: str
) -> None:
    checkpoint = Checkpoint(checkpoint_dir, identity=None)
    if checkpoint.state_path.exists():
        state = json.loads(checkpoint.state_path.read_text())
        rows, epoch_seconds = state["rows"], state["epoch_seconds"]
        shutil.copyfile(checkpoint.model_path, outputs["model"])
    else:
        rows, epoch_seconds = [], []
        images, _ = load_split(train_path)
        model = build_compiled_model(spec, settings, images.shape[1:], dataset["num_classes"])
        save_model_atomically(model, outputs["model"])
    write_history(outputs["history"], rows, metrics.VALIDATION)
    write_json(
        outputs["provenance"],
        run_identity(dataset, spec, settings, seed)
        | {
            "diverged": True,
            "diverged_in_epoch": len(rows) + 1,
            "message": message,
            "epoch_seconds": epoch_seconds,
            "sha256": outputs_digests({"model": outputs["model"], "history": outputs["history"]}),
        },
    )
    shutil.rmtree(checkpoint_dir, ignore_errors=True)


def evaluate_on_test(runs: list[dict], test_path, batch_size: int, threads: int, output) -> None:
    """Each metric on the test set, of each of ``runs`` (dicts with ``variant``, ``setting``,
    ``learning_rate``, ``seed``, ``model``, ``provenance``); diverged runs are listed
    with empty numbers. Each model is checked against its recorded SHA-256 first."""
    import keras

    from ablation.training import configure_tensorflow

    configure_tensorflow(0, threads)
    images, labels = load_split(test_path)
    rows = []
    for run in runs:
        record = verified_record(run["provenance"], {"model": run["model"]})
        row = {key: run[key] for key in ("variant", "setting", "learning_rate", "seed")}
        row["diverged"] = bool(record.get("diverged", False))
        if row["diverged"]:
            measured = dict.fromkeys(metrics.RECORDED, float("nan"))
        else:
            model = keras.models.load_model(run["model"], safe_mode=True)
            measured = model.evaluate(
                images, labels, batch_size=batch_size, verbose=0, return_dict=True
            )
        row |= {
            metrics.on(metrics.TEST, metric): float(measured[metric]) for metric in metrics.RECORDED
        }
        log.info("%s", row)
        rows.append(row)
    pd.DataFrame(rows).to_csv(output, index=False)
