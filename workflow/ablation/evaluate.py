"""Export what the figures need from a trained model, so that plotting never imports TensorFlow."""

import numpy as np
import pandas as pd

from ablation.data import load_split
from ablation.files import replaced
from ablation.integrity import verified_record
from ablation.training import configure_tensorflow


def weight_arrays(model) -> dict[str, np.ndarray]:
    """Every weight array, keyed ``<layer>/<index>`` (e.g. ``conv1/0`` is conv1's kernel)."""
    return {
        f"{layer.name}/{index}": np.asarray(weight)
        for layer in model.layers
        for index, weight in enumerate(layer.get_weights())
    }


def evaluate(
    model_path, provenance_path, test_path, predictions_path, weights_path,
    batch_size: int, threads: int,
) -> None:
    """Predict the test set with the model, checked first against the SHA-256 that
    its training recorded; export its weights for the figures."""
    import keras

    record = verified_record(provenance_path, {"model": model_path})
    # The training's seed and thread pools: predictions never depend on --cores.
    configure_tensorflow(record["seed"], threads)
    model = keras.models.load_model(model_path, safe_mode=True)
    images, labels = load_split(test_path)
    probabilities = model.predict(images, batch_size=batch_size, verbose=0)
    predicted = probabilities.argmax(axis=1)
    pd.DataFrame(
        {
            "index": np.arange(len(labels)),
            "label": labels,
            "predicted": predicted,
            "confidence": probabilities.max(axis=1),
        }
    ).to_csv(predictions_path, index=False)
    with replaced(weights_path) as partial, open(partial, "wb") as handle:
        np.savez(handle, **weight_arrays(model))
