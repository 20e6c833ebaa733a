"""What the figures need from a trained model, written by the job that trained it,
so that drawing a figure never starts TensorFlow."""

import numpy as np
import pandas as pd

from ablation.files import replaced


def weight_arrays(model) -> dict[str, np.ndarray]:
    """Every weight array, keyed ``<layer>/<index>`` (e.g. ``conv1/0`` is conv1's kernel)."""
    return {
        f"{layer.name}/{index}": np.asarray(weight)
        for layer in model.layers
        for index, weight in enumerate(layer.get_weights())
    }


def write_predictions(model, test_batches, labels, path) -> None:
    """The model's class and confidence for every test example, in test-set order."""
    probabilities = model.predict(test_batches, verbose=0)
    with replaced(path) as partial:
        pd.DataFrame(
            {
                "index": np.arange(len(labels)),
                "label": labels,
                "predicted": probabilities.argmax(axis=1),
                "confidence": probabilities.max(axis=1),
            }
        ).to_csv(partial, index=False)


def write_weights(model, path) -> None:
    with replaced(path) as partial, open(partial, "wb") as handle:
        np.savez(handle, **weight_arrays(model))
