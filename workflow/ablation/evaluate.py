"""What the figures need from a trained model, written by the job that trained it,
so that drawing a figure never starts TensorFlow."""

import numpy as np

from ablation.files import replaced

# The columns of a training's predictions CSV, in order.
PREDICTION_COLUMNS = ["index", "label", "predicted", "confidence"]


def weight_arrays(model) -> dict[str, np.ndarray]:
    """Every weight array, keyed ``<layer>/<index>`` (e.g. ``conv1/0`` is conv1's kernel)."""
    return {
        f"{layer.name}/{index}": np.asarray(weight)
        for layer in model.layers
        for index, weight in enumerate(layer.get_weights())
    }


def write_predictions(model, test_batches, labels, path) -> None:
    """The model's class and confidence for every test example, in test-set order."""
    import pandas as pd

    probabilities = model.predict(test_batches, verbose=0)
    columns = [
        np.arange(len(labels)),
        labels,
        probabilities.argmax(axis=1),
        probabilities.max(axis=1),
    ]
    with replaced(path) as partial:
        pd.DataFrame(dict(zip(PREDICTION_COLUMNS, columns))).to_csv(partial, index=False)


def read_predictions(path) -> dict[str, np.ndarray]:
    """A predictions CSV (write_predictions), column by column. NumPy reads it, not
    pandas: a figure job that draws predictions need not import pandas."""
    with open(path) as handle:
        header = handle.readline().strip().split(",")
        if header != PREDICTION_COLUMNS:
            raise ValueError(
                f"{path}: columns {header}, not {PREDICTION_COLUMNS}: "
                "not a predictions file of this workflow; rebuild it with its training"
            )
        table = np.loadtxt(handle, delimiter=",", ndmin=2)
    return {
        name: column if name == "confidence" else column.astype(np.int64)
        for name, column in zip(PREDICTION_COLUMNS, table.T)
    }


def write_weights(model, path) -> None:
    with replaced(path) as partial, open(partial, "wb") as handle:
        np.savez(handle, **weight_arrays(model))
