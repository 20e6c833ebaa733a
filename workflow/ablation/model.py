"""The LeNet-style network of the study, built from a variant spec (see config/config.yaml)."""

import keras
from keras import layers

POOLING_LAYERS = {"avg": layers.AveragePooling2D, "max": layers.MaxPooling2D}


def build_model(spec: dict, input_shape=(28, 28, 1), num_classes: int = 10):
    """One builder for every variant: each conv stage is an optional Conv2D and an
    optional pooling layer, followed by the dense stack."""
    model = keras.Sequential(name=spec["name"])
    model.add(keras.Input(shape=input_shape))
    stages = zip(spec["conv_filters"], spec["conv_padding"])
    for stage, (filters, padding) in enumerate(stages, start=1):
        if spec["conv"]:
            model.add(
                layers.Conv2D(
                    filters,
                    spec["kernel_size"],
                    padding=padding,
                    activation=spec["activation"],
                    name=f"conv{stage}",
                )
            )
        if spec["pooling"] != "none":
            pooling = POOLING_LAYERS[spec["pooling"]]
            model.add(pooling(spec["pool_size"], name=f"pool{stage}"))
    model.add(layers.Flatten(name="flatten"))
    for index, units in enumerate(spec["dense_units"], start=1):
        model.add(layers.Dense(units, activation=spec["activation"], name=f"dense{index}"))
    model.add(layers.Dense(num_classes, activation="softmax", name="output"))
    return model
