"""One training run per process, timed per epoch: the workflow's code, a plain Keras
script, and PyTorch, all on the same LeNet, the same normalized MNIST arrays and the
batch size and learning rate of config/config.yaml. Prints one JSON line:
{"epoch_seconds": [...], "test_accuracy": ...}.

    python benchmarks/runners.py RUNNER VARIANT EPOCHS DATA_DIR [key=value ...]

DATA_DIR holds train.npz and test.npz as rule normalize writes them. The options:
threads=N (the workflow's and PyTorch's), steps_per_execution=N and fast=true (the
workflow's).
tests/test_benchmarks.py runs these runners on tiny data, so that they follow train().
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from ablation.config import variant_specs  # noqa: E402

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
TRAINING = {key: value for key, value in CONFIG["training"].items() if key != "seeds"}
BATCH_SIZE = TRAINING["batch_size"]
LEARNING_RATE = TRAINING["learning_rate"]


def spec_of(variant: str) -> dict:
    return variant_specs(CONFIG)[variant]


def run_workflow(variant, epochs, data, options):
    """ablation.training.train, as the train rule calls it, with the config's settings."""
    import tempfile

    from ablation import training

    if "steps_per_execution" in options:
        training.STEPS_PER_EXECUTION = int(options["steps_per_execution"])
    settings = TRAINING | {"epochs": epochs}
    if "threads" in options:
        settings["threads"] = int(options["threads"])
    if "fast" in options:
        settings["fast"] = options["fast"] == "true"
    with tempfile.TemporaryDirectory() as scratch:
        outputs = {name: f"{scratch}/{name}" for name in ("history", "provenance")}
        outputs["model"] = f"{scratch}/model.keras"
        training.train(
            spec=spec_of(variant),
            settings=settings,
            seed=0,
            dataset={"name": "mnist", "digest": "benchmark", "num_classes": 10},
            train_path=data / "train.npz",
            evaluation_path=data / "test.npz",
            evaluation_split="test",
            checkpoint_dir=f"{scratch}/checkpoint",
            tensorboard_dir=f"{scratch}/tensorboard",
            outputs=outputs,
            source_directory=REPO,
        )
        sidecar = json.loads(Path(outputs["provenance"]).read_text())
        history = Path(outputs["history"]).read_text().splitlines()
    last = dict(zip(history[0].split(","), map(float, history[-1].split(","))))
    return sidecar["epoch_seconds"], last["test_accuracy"]


def run_plain_keras(variant, epochs, data, options):
    """What a plain Keras script does: float32 arrays straight into model.fit."""
    import keras

    from ablation.model import build_model
    from ablation.splits import load_split

    keras.utils.set_random_seed(0)
    x, y = load_split(data / "train.npz")
    x_test, y_test = load_split(data / "test.npz")
    model = build_model(spec_of(variant))
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    seconds = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.started)

    history = model.fit(
        x,
        y,
        batch_size=BATCH_SIZE,
        epochs=epochs,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=[EpochTimer()],
    )
    # Keras names the numbers on validation_data val_*: here they are the test set's.
    return seconds, history.history["val_accuracy"][-1]


def run_pytorch(variant, epochs, data, options):
    """The same network in PyTorch (CPU, its default threads), same data and batch."""
    import torch
    from torch import nn

    spec = spec_of(variant)
    torch.manual_seed(0)
    if "threads" in options:
        torch.set_num_threads(int(options["threads"]))
    activation = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}[spec["activation"]]
    pooling = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}.get(spec["pooling"])
    layers, channels, size = [], 1, 28
    for filters, padding in zip(spec["conv_filters"], spec["conv_padding"]):
        if spec["conv"]:
            layers += [
                nn.Conv2d(
                    channels, filters, spec["kernel_size"], padding=1 if padding == "same" else 0
                ),
                activation(),
            ]
            channels, size = filters, size if padding == "same" else size - 2
        if pooling:
            layers.append(pooling(spec["pool_size"]))
            size //= spec["pool_size"]
    layers.append(nn.Flatten())
    width = channels * size * size
    for units in spec["dense_units"]:
        layers += [nn.Linear(width, units), activation()]
        width = units
    layers.append(nn.Linear(width, 10))
    model = nn.Sequential(*layers)

    def tensors(name):
        with np.load(data / name, allow_pickle=False) as arrays:
            images = torch.from_numpy(arrays["images"]).permute(0, 3, 1, 2).contiguous()
            return images, torch.from_numpy(arrays["labels"].astype(np.int64))

    x, y = tensors("train.npz")
    x_test, y_test = tensors("test.npz")
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_function = nn.CrossEntropyLoss()
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        model.train()
        for batch in torch.randperm(len(x)).split(BATCH_SIZE):
            optimizer.zero_grad()
            loss_function(model(x[batch]), y[batch]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():  # the test set, as Keras evaluates validation_data each epoch
            correct = sum(
                (model(xb).argmax(1) == yb).sum().item()
                for xb, yb in zip(x_test.split(1000), y_test.split(1000))
            )
        seconds.append(time.perf_counter() - started)
    return seconds, correct / len(x_test)


RUNNERS = {"workflow": run_workflow, "plain_keras": run_plain_keras, "pytorch": run_pytorch}

if __name__ == "__main__":
    runner, variant, epochs, data, *extra = sys.argv[1:]
    options = dict(item.split("=", 1) for item in extra)
    seconds, accuracy = RUNNERS[runner](variant, int(epochs), Path(data), options)
    print(json.dumps({"epoch_seconds": seconds, "test_accuracy": float(accuracy)}))
