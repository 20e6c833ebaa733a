"""Checks on the config that JSON Schema cannot express, and the resolved variant specs."""

from pathlib import Path

from ablation.architecture import UnbuildableVariant, forward_cost, shape_text
from ablation.datasets import IMAGE_SHAPE
from ablation.errors import ConfigError
from ablation.findings import EXPECTATIONS, LAST, PARAMETERS, references

MODEL_KEYS_NOT_IN_SPEC = {"description"}


def variant_specs(config: dict) -> dict[str, dict]:
    """Each variant's full model spec: the base ``model`` section updated by the variant."""
    specs = {}
    for variant in config["variants"]:
        overrides = {k: v for k, v in variant.items() if k not in MODEL_KEYS_NOT_IN_SPEC}
        specs[variant["name"]] = config["model"] | overrides
    return specs


def training_identity(config: dict, specs: dict, variant: str, seed) -> dict:
    """What a training's result depends on from the config, its dataset aside: the
    variant's spec, the training section but the list of seeds (each job has its own
    seed), and the seed. Two studies whose trainings have the same identity share them."""
    return {
        "spec": specs[variant],
        "settings": {key: value for key, value in config["training"].items() if key != "seeds"},
        "seed": int(seed),
    }


def training_cost(
    spec: dict, source: dict, epochs: int, train_subset: int = 0, validation_size: int = 0
) -> float:
    """A training's multiply-accumulates, in millions: the variant's forward pass per
    example times the training examples and the epochs (a training job's priority)."""
    examples = source["train_size"] - validation_size
    if train_subset:
        examples = min(examples, train_subset)
    per_example = forward_cost(spec, IMAGE_SHAPE, len(source["class_names"]))
    return per_example * examples * epochs / 1e6


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
    check_findings(config)
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
        indices = [
            ("prediction_indices", index) for index in config["report"]["prediction_indices"]
        ]
        for key, index in indices + [("lecture_sample", config["report"]["lecture_sample"])]:
            if index >= source["test_size"]:
                raise ConfigError(
                    f"config key report.{key}: {index} is outside the "
                    f"{dataset} test set (indices 0..{source['test_size'] - 1})"
                )


def check_findings(config: dict) -> None:
    """Each finding names variants of this study, an epoch it trains, and parameters
    that fit its expectation (ablation/findings.py)."""
    variants = [variant["name"] for variant in config["variants"]]
    epochs = config["training"]["epochs"]
    names = []
    for index, finding in enumerate(config.get("findings", [])):
        name = finding["name"]

        def refuse(key, problem):  # called within this iteration only
            raise ConfigError(f"config key findings[{index}].{key}: finding {name!r} {problem}")  # noqa: B023

        if name in names:
            refuse("name", "is declared twice; every finding needs its own name")
        names.append(name)
        for role, named in (("variant", [finding["variant"]]), ("reference", references(finding))):
            for variant in named:
                if variant not in variants:
                    refuse(
                        role,
                        f"names {variant!r}, which is not a variant of this study "
                        f"({', '.join(variants)}); fix the name, add the variant under "
                        "variants, or leave the finding out (a config that trains fewer "
                        "variants declares its own findings: list)",
                    )
        if finding["variant"] in references(finding):
            refuse("reference", "compares a variant with itself; name another variant")
        expect, measure = finding["expect"], finding["measure"]
        rule = EXPECTATIONS[expect]
        if measure not in rule.measures:
            refuse(
                "expect",
                f"expects {expect}, which does not fit measure {measure}; "
                f"{expect} fits {' or '.join(rule.measures)}",
            )
        for key in rule.needs:
            if key not in finding:
                refuse(key, f"expects {expect}, which needs {key}; add it (config/README.md)")
        given = [key for key in rule.one_of if key in finding]
        if rule.one_of and len(given) != 1:
            refuse(
                given[-1] if given else rule.one_of[0],
                f"expects {expect}, which compares with exactly one of "
                f"{' or '.join(rule.one_of)}; give one of them",
            )
        for key in PARAMETERS:
            if key in finding and key not in rule.takes():
                refuse(key, f"expects {expect}, which takes no {key}; remove it")
        epoch = finding.get("epoch", LAST)
        if epoch != LAST and not (isinstance(epoch, int) and 1 <= epoch <= epochs):
            refuse(
                "epoch",
                f"reads epoch {epoch!r}, but the study trains epochs 1 to {epochs} "
                f"(training.epochs); use one of them, or {LAST}",
            )
        for dataset in finding.get("datasets", []):
            if dataset not in config["data"]["sources"]:
                refuse(
                    "datasets",
                    f"names {dataset!r}, which has no entry under data.sources; "
                    f"known: {sorted(config['data']['sources'])}",
                )


def check_validation_size(tuning: dict | None, dataset: str, train_size: int) -> None:
    if tuning and tuning["validation_size"] >= train_size:
        raise ConfigError(
            f"config key tuning.validation_size: {tuning['validation_size']} leaves no "
            f"{dataset} training examples to train on (train_size {train_size}); "
            f"choose fewer than {train_size}"
        )


def merged_config(root, overlays) -> dict:
    """``root``/config/config.yaml with each overlay (a path as given, like snakemake's
    --configfile) merged on top as snakemake merges them: mappings key by key, anything
    else replaced."""
    import yaml
    from snakemake.utils import update_config

    config = yaml.safe_load((Path(root) / "config" / "config.yaml").read_text())
    for overlay in overlays:
        update_config(config, yaml.safe_load(Path(overlay).read_text()) or {})
    return config


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
