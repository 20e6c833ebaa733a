import pytest
import yaml

from ablation.config import variant_specs
from conftest import REPO

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
SPECS = variant_specs(CONFIG)


@pytest.fixture(scope="module")
def build():
    from ablation.model import build_model

    return build_model


@pytest.mark.parametrize(
    "variant, parameters, layers",
    [
        ("v1_sigmoid", 81194, ["conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2", "output"]),
        ("v2_relu", 81194, ["conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2", "output"]),
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
