"""The model is built from a variant's spec alone: each variant of config/config.yaml
has the lecture's layers and parameter count, a new variant is YAML only, and the plan
of shapes and cost agrees with the Keras model it describes."""

import math

import pytest
from project import default_config

from ablation.config import variant_specs

CONFIG = default_config()
SPECS = variant_specs(CONFIG)


@pytest.fixture(scope="module")
def build():
    from ablation.model import build_model

    return build_model


@pytest.mark.parametrize(
    "variant, parameters, layers",
    [
        (
            "v1_sigmoid",
            81194,
            ["conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2", "output"],
        ),
        (
            "v2_relu",
            81194,
            ["conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2", "output"],
        ),
        ("v3_no_pooling", 1309994, ["conv1", "conv2", "flatten", "dense1", "dense2", "output"]),
        ("v4_no_conv", 17014, ["pool1", "pool2", "flatten", "dense1", "dense2", "output"]),
    ],
)
def test_each_variant_has_the_lecture_structure(build, variant, parameters, layers):
    model = build(SPECS[variant])
    assert [layer.name for layer in model.layers] == layers
    assert model.count_params() == parameters
    assert model.output_shape == (None, 10)


def test_spec_drives_activation_pooling_and_shapes(build):
    v1, v2 = build(SPECS["v1_sigmoid"]), build(SPECS["v2_relu"])
    assert v1.get_layer("conv1").activation.__name__ == "sigmoid"
    assert v2.get_layer("dense2").activation.__name__ == "relu"
    assert type(v1.get_layer("pool1")).__name__ == "AveragePooling2D"
    assert v1.get_layer("conv1").output.shape[1:] == (28, 28, 6)  # padding same
    assert v1.get_layer("conv2").output.shape[1:] == (12, 12, 16)  # valid
    assert v1.get_layer("flatten").output.shape[1:] == (576,)


def test_a_new_variant_is_yaml_only(build):
    config = CONFIG | {
        "variants": CONFIG["variants"]
        + [{"name": "v5_max_wide", "pooling": "max", "dense_units": [32], "activation": "tanh"}]
    }
    model = build(variant_specs(config)["v5_max_wide"])
    assert type(model.get_layer("pool2")).__name__ == "MaxPooling2D"
    assert [layer.name for layer in model.layers][-2:] == ["dense1", "output"]
    assert model.get_layer("dense1").units == 32


# Specs at the edges of what fits a 28×28 image, beside the study's own.
EDGE_SPECS = {
    "no dense stack": SPECS["v1_sigmoid"] | {"name": "no_dense", "dense_units": []},
    "three valid stages": SPECS["v2_relu"]
    | {"name": "three_stages", "conv_filters": [4, 8, 8], "conv_padding": ["valid"] * 3},
    "max pooling by 3": SPECS["v1_sigmoid"] | {"name": "pool3", "pooling": "max", "pool_size": 3},
    "5×5 kernels, no pooling": SPECS["v3_no_pooling"] | {"name": "k5", "kernel_size": 5},
    "pool as large as its input": SPECS["v4_no_conv"]
    | {"name": "pool28", "conv_filters": [6], "conv_padding": ["same"], "pool_size": 28},
}


def keras_multiply_accumulates(model) -> int:
    """Per example, from the built model: a conv kernel is applied at every output
    position, a dense kernel once."""
    total = 0
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            height, width, _ = layer.output.shape[1:]
            total += height * width * math.prod(layer.kernel.shape)
        elif type(layer).__name__ == "Dense":
            total += math.prod(layer.kernel.shape)
    return total


@pytest.mark.parametrize("spec", [*SPECS.values(), *EDGE_SPECS.values()], ids=[*SPECS, *EDGE_SPECS])
def test_the_plan_has_the_shapes_and_cost_of_the_built_model(build, spec):
    from ablation.architecture import forward_cost, layer_plan, output_shape

    model = build(spec)
    shape = (28, 28, 1)
    for planned, layer in zip(layer_plan(spec, 10), model.layers, strict=True):
        shape = output_shape(planned, shape)
        assert (planned.name, shape) == (layer.name, tuple(layer.output.shape[1:]))
    assert forward_cost(spec, (28, 28, 1), 10) == keras_multiply_accumulates(model)


@pytest.mark.parametrize(
    "override",
    [
        {"conv_filters": [6, 16, 32, 64], "conv_padding": ["same", "valid", "valid", "valid"]},
        {"conv": False, "pool_size": 15},
        {"kernel_size": 29, "conv_padding": ["same", "valid"]},
    ],
)
def test_what_the_plan_refuses_keras_cannot_build(build, override):
    from ablation.architecture import UnbuildableVariant, forward_cost

    spec = SPECS["v1_sigmoid"] | override
    with pytest.raises(UnbuildableVariant):
        forward_cost(spec, (28, 28, 1), 10)
    with pytest.raises(ValueError):
        build(spec)
