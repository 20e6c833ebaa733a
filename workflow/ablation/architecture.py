"""A variant's layers, their output shapes and their cost, from its spec alone.

``layer_plan`` is the one walk over a spec that ``ablation.model.build_model``
turns into Keras layers. Here the same walk is followed in pure Python, with
Keras's shape rules, so that the config check refuses a variant that cannot be
built before any job runs (Keras would find out only in the training job), and
the scheduler can start the costliest training first. No TensorFlow import:
this runs in the Snakemake process while it checks the config.
"""

import math
from dataclasses import dataclass


class UnbuildableVariant(ValueError):
    pass


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str  # conv, pool, flatten or dense
    size: int = 0  # filters of a conv layer, units of a dense one, a pool's window
    kernel_size: int = 0
    padding: str = "valid"
    activation: str | None = None
    pooling: str | None = None  # avg or max


def layer_plan(spec: dict, num_classes: int) -> list[Layer]:
    """Each conv stage is an optional Conv2D and an optional pooling layer, followed
    by the dense stack and the softmax output."""
    plan = []
    stages = zip(spec["conv_filters"], spec["conv_padding"])
    for stage, (filters, padding) in enumerate(stages, start=1):
        if spec["conv"]:
            plan.append(
                Layer(
                    f"conv{stage}",
                    "conv",
                    filters,
                    spec["kernel_size"],
                    padding,
                    spec["activation"],
                )
            )
        if spec["pooling"] != "none":
            plan.append(Layer(f"pool{stage}", "pool", spec["pool_size"], pooling=spec["pooling"]))
    plan.append(Layer("flatten", "flatten"))
    for index, units in enumerate(spec["dense_units"], start=1):
        plan.append(Layer(f"dense{index}", "dense", units, activation=spec["activation"]))
    plan.append(Layer("output", "dense", num_classes, activation="softmax"))
    return plan


def describe(layer: Layer) -> str:
    if layer.kind == "conv":
        return f"{layer.kernel_size}×{layer.kernel_size} conv, {layer.padding} padding"
    if layer.kind == "pool":
        return f"{layer.size}×{layer.size} {layer.pooling} pooling"
    return layer.kind


def shape_text(shape) -> str:
    return "×".join(map(str, shape))


def output_shape(layer: Layer, shape: tuple) -> tuple:
    """Keras's output shape of ``layer`` on an input of ``shape`` (one example),
    or UnbuildableVariant when the input is too small for it."""
    if layer.kind == "flatten":
        return (math.prod(shape),)
    if layer.kind == "dense":
        return (layer.size,)
    height, width, channels = shape
    if layer.kind == "conv":
        window = layer.kernel_size
        if layer.padding == "same":
            return (height, width, layer.size)
        out = (height - window + 1, width - window + 1, layer.size)
    else:  # pooling with strides = pool size and valid padding, as Keras's default
        window = layer.size
        out = ((height - window) // window + 1, (width - window) // window + 1, channels)
    if height < window or width < window:
        raise UnbuildableVariant(
            f"layer {layer.name} ({describe(layer)}) needs an input of at least "
            f"{window}×{window}, but gets {shape_text(shape)}"
        )
    return out


def multiply_accumulates(layer: Layer, shape: tuple, out: tuple) -> int:
    """Per example, in the forward pass; pooling and flattening multiply nothing."""
    if layer.kind == "conv":
        return math.prod(out) * layer.kernel_size**2 * shape[-1]
    if layer.kind == "dense":
        return shape[0] * layer.size
    return 0


def forward_cost(spec: dict, image_shape: tuple, num_classes: int) -> int:
    """Multiply–accumulates per example of the variant's forward pass; raises
    UnbuildableVariant (naming the layer and the shapes) when it cannot be built."""
    shape, total = tuple(image_shape), 0
    for layer in layer_plan(spec, num_classes):
        out = output_shape(layer, shape)
        total += multiply_accumulates(layer, shape, out)
        shape = out
    return total
