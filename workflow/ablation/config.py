"""Checks on the config that JSON Schema cannot express, and the resolved variant specs."""

from pathlib import Path

from ablation.architecture import UnbuildableVariant, forward_cost, shape_text
from ablation.idx import IMAGE_SHAPE

MODEL_KEYS_NOT_IN_SPEC = {"description"}


class ConfigError(ValueError):
    pass


def variant_specs(config: dict) -> dict[str, dict]:
    """Each variant's full model spec: the base ``model`` section updated by the variant."""
    specs = {}
    for variant in config["variants"]:
        overrides = {k: v for k, v in variant.items() if k not in MODEL_KEYS_NOT_IN_SPEC}
        specs[variant["name"]] = config["model"] | overrides
    return specs


def check_mirror(mirror: str, key: str) -> None:
    scheme = mirror.split("://", 1)[0].lower() if "://" in mirror else None
    if scheme in ("http", "https", "file"):
        return
    if scheme is None and Path(mirror).is_dir():
        return
    raise ConfigError(
        f"config key {key}: {mirror!r} is neither an http(s):// or file:// URL nor an "
        "existing directory; fix the URL, or create the directory holding the .gz files"
    )


def check_config(config: dict) -> None:
    """Raise ConfigError naming the key at fault; run after schema validation."""
    names = [variant["name"] for variant in config["variants"]]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ConfigError(
                f"config key variants[{index}].name: duplicate variant name {name!r}; "
                "every variant needs its own name"
            )
    for index, spec in enumerate(variant_specs(config).values()):
        if len(spec["conv_padding"]) != len(spec["conv_filters"]):
            raise ConfigError(
                f"config key variants[{index}] ({spec['name']}): conv_padding has "
                f"{len(spec['conv_padding'])} entries but conv_filters has "
                f"{len(spec['conv_filters'])}; give one padding per conv stage"
            )
        try:
            # The output layer's width does not change whether the variant fits.
            forward_cost(spec, IMAGE_SHAPE, num_classes=2)
        except UnbuildableVariant as error:
            raise ConfigError(
                f"config key variants[{index}] ({spec['name']}): {error}, on "
                f"{shape_text(IMAGE_SHAPE)} images; remove a conv stage, pad it "
                "(conv_padding: same), or choose a smaller kernel_size or pool_size"
            ) from None
    if config["report"]["baseline"] not in names:
        raise ConfigError(
            f"config key report.baseline: {config['report']['baseline']!r} is not a "
            f"variant; choose one of {names}"
        )
    sources = config["data"]["sources"]
    for dataset in config["data"]["datasets"]:
        if dataset not in sources:
            raise ConfigError(
                f"config key data.datasets: {dataset!r} has no entry under "
                f"data.sources; known: {sorted(sources)}"
            )
        source = sources[dataset]
        for index, mirror in enumerate(source["mirrors"]):
            check_mirror(mirror, f"data.sources.{dataset}.mirrors[{index}]")
        check_validation_size(config.get("tuning"), dataset, source["train_size"])
        indices = [("prediction_indices", index) for index in config["report"]["prediction_indices"]]
        for key, index in indices + [("lecture_sample", config["report"]["lecture_sample"])]:
            if index >= source["test_size"]:
                raise ConfigError(
                    f"config key report.{key}: {index} is outside the "
                    f"{dataset} test set (indices 0..{source['test_size'] - 1})"
                )


def check_validation_size(tuning: dict | None, dataset: str, train_size: int) -> None:
    if tuning and tuning["validation_size"] >= train_size:
        raise ConfigError(
            f"config key tuning.validation_size: {tuning['validation_size']} leaves no "
            f"{dataset} training examples to train on (train_size {train_size}); "
            f"choose fewer than {train_size}"
        )


def config_key(path) -> str:
    """``variants[1].activation`` from a jsonschema error path."""
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else f".{part}"
    return key.lstrip(".") or "(top level)"


def describe_schema_error(error: Exception) -> str:
    """One line for a failed schema validation, instead of the whole schema dump."""
    from jsonschema.exceptions import ValidationError

    # Snakemake raises its WorkflowError while handling jsonschema's error.
    cause = error
    while cause is not None and not isinstance(cause, ValidationError):
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return str(error)
    return (
        f"config key {config_key(cause.absolute_path)}: {cause.message}. "
        "See config/README.md for the allowed keys and values."
    )
