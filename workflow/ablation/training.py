"""Deterministic, resumable training of one (variant, seed).

Every epoch ends with a checkpoint (model, optimizer state, metrics so far). The
order of the training examples in epoch ``e`` depends only on ``(seed, e)``, so a
job killed after epoch ``k`` and restarted resumes at ``k + 1`` and ends with the
same bits as a run that was never interrupted.
"""

import json
import logging
import math
import resource
import shutil
import time
from pathlib import Path

import numpy as np

from ablation import metrics, provenance
from ablation.evaluate import write_predictions, write_weights
from ablation.files import replaced, write_json, write_text
from ablation.integrity import outputs_digests
from ablation.splits import load_split_as_pixels

log = logging.getLogger(__name__)


class NonFiniteLoss(FloatingPointError):
    pass


def configure_tensorflow(seed: int, threads: int, deterministic: bool = True) -> None:
    """Fix seeds, op determinism and thread pools; must run before TF executes an op.

    ``threads`` comes from config, not from the cores Snakemake grants: CPU
    kernels sum in a different order with a different pool size, so tying the
    pools to ``--cores`` would tie the numbers to the command line.
    """
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


# Batches per tf.function call: fewer Python round trips, same arithmetic.
STEPS_PER_EXECUTION = 64


def epoch_order(seed: int, epoch: int, size: int) -> np.ndarray:
    return np.random.default_rng([seed, epoch]).permutation(size)


def batches(pixels, labels, order, batch_size: int):
    """A tf.data pipeline over ``order`` that scales uint8 pixels to [0, 1] per batch.

    Keeping uint8 in memory (a quarter of float32) and dividing in float32 gives
    the very values of the normalized arrays on disk, bit for bit. ``pixels`` and
    ``labels`` are tensors, made once: each epoch only gathers from them.
    """
    import tensorflow as tf

    def scale(indices):
        return tf.cast(tf.gather(pixels, indices), tf.float32) / 255.0, tf.gather(labels, indices)

    return tf.data.Dataset.from_tensor_slices(order).batch(batch_size).map(scale).prefetch(2)


def build_compiled_model(spec: dict, settings: dict, input_shape, num_classes: int):
    import keras

    from ablation.model import build_model

    model = build_model(spec, input_shape=input_shape, num_classes=num_classes)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=settings["learning_rate"]),
        # Categorical cross-entropy on integer labels.
        loss="sparse_categorical_crossentropy",
        metrics=metrics.COMPILED,
        steps_per_execution=STEPS_PER_EXECUTION,
        # XLA; Keras ignores it while op determinism is on, so only with `fast`.
        jit_compile=bool(settings.get("fast")),
    )
    return model


def run_identity(dataset: dict, spec: dict, settings: dict, seed: int) -> dict:
    """What a training's provenance record names it by: its data, variant, settings and seed."""
    return {
        "dataset": dataset["name"],
        "data_sha256": dataset["digest"],
        "variant": spec,
        "training": settings,
        "seed": seed,
    }


def write_history(path, rows, split: str) -> None:
    """Metrics only, in full float precision, so that equal runs give equal bytes;
    ``split`` names the evaluation data (see ablation.metrics)."""
    columns = metrics.history_columns(split)
    lines = [",".join(columns)]
    lines += [",".join(repr(row[column]) for column in columns) for row in rows]
    write_text(path, "\n".join(lines) + "\n")


def save_model_atomically(model, path) -> None:
    with replaced(path, suffix=".keras") as partial:
        model.save(partial)


class Checkpoint:
    """The state after the last completed epoch, valid only for the same job identity."""

    def __init__(self, directory, identity: dict):
        self.directory = Path(directory)
        self.identity = identity
        self.model_path = self.directory / "model.keras"
        self.state_path = self.directory / "state.json"

    def load(self):
        """(model, rows, epoch_seconds), or None when there is nothing to resume."""
        import keras

        if not self.state_path.exists() or not self.model_path.exists():
            return None
        state = json.loads(self.state_path.read_text())
        if state["identity"] != self.identity:
            log.info("checkpoint in %s is for other settings; starting over", self.directory)
            return None
        model = keras.models.load_model(self.model_path, safe_mode=True)
        return model, state["rows"], state["epoch_seconds"]

    def save(self, model, rows, epoch_seconds) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        save_model_atomically(model, self.model_path)
        # The state file is written last: it is what makes the checkpoint count.
        write_json(
            self.state_path,
            {"identity": self.identity, "rows": rows, "epoch_seconds": epoch_seconds},
        )

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def hparams(spec: dict, settings: dict, seed: int, dataset: str, evaluation_split: str) -> dict:
    """A training's settings as TensorBoard's HParams dashboard shows them: one column
    per key, named as in the config (``model.activation``, ``training.learning_rate``,
    with the variant's own values), beside the variant, seed, dataset and the split
    its ``<split>_*`` metrics are measured on. The dashboard takes booleans, numbers
    and strings, so a list shows as its JSON text."""

    def value(setting):
        return setting if isinstance(setting, (bool, int, float, str)) else json.dumps(setting)

    return {
        "variant": spec["name"],
        "seed": seed,
        "dataset": dataset,
        "evaluation": evaluation_split,
        **{f"model.{key}": value(v) for key, v in spec.items() if key != "name"},
        **{f"training.{key}": value(v) for key, v in settings.items()},
    }


class Curves:
    """TensorBoard event files of one run: the model graph, its settings for the
    HParams dashboard (which shows each metric's last point as the training's final
    number), and one point per finished epoch and metric, step = epoch, flushed as
    each epoch ends.

    An epoch's points are written after its checkpoint is saved, so a killed job
    leaves points only of epochs that its checkpoint holds. The next job replaces
    the event files and writes the checkpoint's rows again before it goes on: no
    epoch shows twice and none goes missing. Event files carry wall times, so they
    are never a job output (docs/outputs.md).
    """

    def __init__(self, directory, names, settings: dict):
        self.directory = Path(directory)
        self.names = names
        self.settings = settings

    def start(self, model, input_shape, rows) -> None:
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp

        self.directory.mkdir(parents=True, exist_ok=True)
        for stale in self.directory.glob("events.out.tfevents.*"):
            stale.unlink()
        self.writer = tf.summary.create_file_writer(str(self.directory))
        forward = tf.function(lambda images: model(images, training=False))
        with self.writer.as_default():
            tf.summary.graph(
                forward.get_concrete_function(tf.TensorSpec((None, *input_shape), tf.float32)).graph
            )
            hp.hparams(self.settings)
        for row in rows:
            self.add(row)

    def add(self, row) -> None:
        import tensorflow as tf

        with self.writer.as_default():
            for name in self.names:
                tf.summary.scalar(name, row[name], step=row["epoch"])
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def train(
    *,
    spec: dict,
    settings: dict,
    seed: int,
    dataset: dict,
    train_path,
    evaluation_path,
    evaluation_split: str,
    checkpoint_dir,
    tensorboard_dir,
    outputs: dict,
    source_directory,
) -> None:
    """Train ``spec`` and write ``outputs['model']``, ``['history']`` and ``['provenance']``,
    and where ``outputs`` names them, what the figures need from the model: its
    ``['predictions']`` on the evaluation data and its ``['weights']``.

    ``settings`` holds the global training settings (epochs, batch_size,
    learning_rate, threads, train_subset); ``dataset`` the dataset's name,
    digest and class count. After each epoch the model is measured on the data at
    ``evaluation_path``, and ``evaluation_split`` says which split that is
    (``metrics.TEST`` or ``metrics.VALIDATION``): it names those numbers in the
    history, the log and the curves. The curves go to ``tensorboard_dir``.
    """
    columns = metrics.history_columns(evaluation_split)
    started = time.monotonic()
    # Data first: the float32 arrays are freed before TensorFlow takes its memory.
    x_train, y_train = load_split_as_pixels(train_path, settings.get("train_subset") or None)
    x_evaluation, y_evaluation = load_split_as_pixels(evaluation_path)
    configure_tensorflow(seed, settings["threads"], deterministic=not settings.get("fast"))
    import tensorflow as tf

    train_size = len(x_train)
    evaluation_labels = y_evaluation
    x_train, y_train, x_evaluation, y_evaluation = map(
        tf.constant, (x_train, y_train, x_evaluation, y_evaluation)
    )
    evaluation_batches = batches(
        x_evaluation, y_evaluation, np.arange(len(y_evaluation)), settings["batch_size"]
    )

    # The columns too: a checkpoint's rows name its metrics.
    identity = {
        "spec": spec,
        "settings": settings,
        "seed": seed,
        "data": dataset["digest"],
        "columns": columns,
    }
    checkpoint = Checkpoint(checkpoint_dir, identity)
    resumed = checkpoint.load()
    if resumed:
        model, rows, epoch_seconds = resumed
        log.info("resuming %s seed %d after epoch %d", spec["name"], seed, len(rows))
    else:
        model = build_compiled_model(
            spec, settings, tuple(x_train.shape[1:]), dataset["num_classes"]
        )
        rows, epoch_seconds = [], []
    curves = Curves(
        tensorboard_dir,
        columns[1:],
        hparams(spec, settings, seed, dataset["name"], evaluation_split),
    )
    curves.start(model, tuple(x_train.shape[1:]), rows)

    for epoch in range(len(rows) + 1, settings["epochs"] + 1):
        order = epoch_order(seed, epoch, train_size)
        epoch_started = time.monotonic()
        fit = model.fit(
            batches(x_train, y_train, order, settings["batch_size"]),
            epochs=1,
            shuffle=False,  # the batches come in the (seed, epoch) order already
            verbose=0,
            validation_data=evaluation_batches,
        )
        seconds = time.monotonic() - epoch_started
        row = {"epoch": epoch}
        row |= {metric: float(fit.history[metric][-1]) for metric in metrics.RECORDED}
        # Keras calls the numbers on validation_data val_*, whatever that data is.
        row |= {
            metrics.on(evaluation_split, metric): float(fit.history[f"val_{metric}"][-1])
            for metric in metrics.RECORDED
        }
        if not all(math.isfinite(row[name]) for name in columns[1:]):
            raise NonFiniteLoss(
                f"{dataset['name']} variant {spec['name']}, seed {seed}: loss became "
                f"{row['loss']} in epoch {epoch}; lower training.learning_rate "
                "or check the variant spec"
            )
        rows.append(row)
        epoch_seconds.append(seconds)
        log.info(
            "epoch %d/%d %s (%.1f s)",
            epoch,
            settings["epochs"],
            " ".join(f"{name}={row[name]:.4f}" for name in columns[1:]),
            seconds,
        )
        checkpoint.save(model, rows, epoch_seconds)
        curves.add(row)

    curves.close()
    save_model_atomically(model, outputs["model"])
    write_history(outputs["history"], rows, evaluation_split)
    exported = {"model": outputs["model"], "history": outputs["history"]}
    if "predictions" in outputs.keys():
        write_predictions(model, evaluation_batches, evaluation_labels, outputs["predictions"])
        write_weights(model, outputs["weights"])
        exported |= {name: outputs[name] for name in ("predictions", "weights")}
    write_json(
        outputs["provenance"],
        run_identity(dataset, spec, settings, seed)
        | {
            "train_examples": train_size,  # after train_subset
            "parameters": int(model.count_params()),
            "epoch_seconds": epoch_seconds,
            "wall_seconds": time.monotonic() - started,
            "resumed": bool(resumed),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            # What later jobs check these outputs against (they may come back
            # from the shared cache).
            "sha256": outputs_digests(exported),
            **provenance.collect(source_directory, settings["threads"]),
        },
    )
    checkpoint.remove()
