"""The LeNet-style network of the study, built from a variant spec (see config/config.yaml)."""

import keras
from keras import layers

from ablation.architecture import layer_plan
from ablation.datasets import IMAGE_SHAPE

POOLING_LAYERS = {"avg": layers.AveragePooling2D, "max": layers.MaxPooling2D}


def keras_layer(layer):
    if layer.kind == "conv":
        return layers.Conv2D(
            layer.size,
            layer.kernel_size,
            padding=layer.padding,
            activation=layer.activation,
            name=layer.name,
        )
    if layer.kind == "pool":
        return POOLING_LAYERS[layer.pooling](layer.size, name=layer.name)
    if layer.kind == "flatten":
        return layers.Flatten(name=layer.name)
    return layers.Dense(layer.size, activation=layer.activation, name=layer.name)


def build_model(spec: dict, input_shape=IMAGE_SHAPE, num_classes: int = 10):
    """One builder for every variant, layer by layer as ablation.architecture plans
    it (the config check follows the same plan to refuse a variant that cannot be built)."""
    model = keras.Sequential(name=spec["name"])
    model.add(keras.Input(shape=input_shape))
    for layer in layer_plan(spec, num_classes):
        model.add(keras_layer(layer))
    return model
