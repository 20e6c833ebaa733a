"""Several studies in one config (the `studies:` section, config/README.md): each
study's name and whole config, merged and checked when Snakemake reads the workflow.

A study is the base config with some keys set otherwise: a named override, or a
point of the grid, named the way Snakemake's Paramspace names its instances
(``epochs~2_pooling~avg``). The parse imports this module, so it imports the
standard library only: the parse needs nothing but Snakemake. The comparison of
the studies' results, a job's work, is study_comparison.py."""

import copy
import itertools
import re

from ablation.errors import ConfigError

# Keys that no study may set: the variants and the data define what the studies'
# rows are, so studies that changed them could not be set side by side.
FIXED_KEYS = ("variants", "data.sources", "studies")
# A study's name is a directory name.
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.~+-]*$")


def get_key(config: dict, key: str):
    value = config
    for part in key.split("."):
        value = value[part]
    return value


def set_key(config: dict, key: str, value) -> None:
    *parents, last = key.split(".")
    for part in parents:
        config = config.setdefault(part, {})
    config[last] = copy.deepcopy(value)


def rule_prefix(study: str) -> str:
    """What the names of a study's rules start with: a rule name is a Python name."""
    return re.sub(r"\W", "_", study) + "_"


def check_key(key: str, where: str, schema: dict) -> None:
    """Refuse a dotted key that the config schema does not have, or a fixed one."""
    for fixed in FIXED_KEYS:
        if key == fixed or key.startswith(fixed + "."):
            raise ConfigError(
                f"config key {where}: {key!r} cannot differ between studies (the "
                "studies are compared variant by variant on the same data); run a "
                "config of its own for it"
            )
    node = schema
    for part in key.split("."):
        properties = node.get("properties", {})
        if part not in properties:
            known = ", ".join(sorted(properties)) or "none (it holds no keys)"
            raise ConfigError(
                f"config key {where}: {key!r} is not a config key; the keys at that "
                f"level are {known} (config/README.md)"
            )
        node = properties[part]


def grid_studies(grid: dict[str, list]) -> dict[str, dict[str, object]]:
    """Every combination of the grid's values (the last key varying fastest), by
    name, as Snakemake's Paramspace names an instance (``filename_params="*"``):
    ``key~value`` joined by ``_``, with the key's last part unless two keys share it."""
    last_parts = [key.rsplit(".", 1)[-1] for key in grid]
    names = last_parts if len(set(last_parts)) == len(last_parts) else list(grid)
    return {
        "_".join(f"{name}~{value}" for name, value in zip(names, values)): dict(zip(grid, values))
        for values in itertools.product(*grid.values())
    }


def declared_studies(config: dict, schema: dict) -> dict[str, dict[str, object]]:
    """Study name -> the keys it sets (dotted key -> value), in declaration order:
    the named overrides, then the grid's points. Refuses a bad declaration with one
    ConfigError naming the key."""
    section = config.get("studies") or {}
    studies = {}
    for name, overrides in (section.get("overrides") or {}).items():
        if not STUDY_NAME.match(str(name)):
            raise ConfigError(
                f"config key studies.overrides.{name}: a study's name is a directory "
                "name: letters, digits and _ . ~ + - only"
            )
        for key in overrides:
            check_key(key, f"studies.overrides.{name}.{key}", schema)
        studies[name] = dict(overrides)
    if "grid" in section:
        grid = section["grid"]
        if not grid:
            raise ConfigError(
                "config key studies.grid: the grid is empty; give at least one key "
                "with its values, such as training.epochs: [2, 10]"
            )
        for key, values in grid.items():
            check_key(key, f"studies.grid.{key}", schema)
            if not values:
                raise ConfigError(f"config key studies.grid.{key}: no values; give at least one")
        for name, point in grid_studies(grid).items():
            if name in studies:
                raise ConfigError(
                    f"config key studies.grid: its point {name!r} has the name of the "
                    f"study studies.overrides.{name}; rename that study"
                )
            if not STUDY_NAME.match(name):
                raise ConfigError(
                    f"config key studies.grid: the point name {name!r} is not a "
                    "directory name; use values of letters, digits and _ . + - only"
                )
            studies[name] = point
    return studies


def study_configs(config: dict, schema: dict, validate) -> dict[str, dict]:
    """Study name -> its whole config (the base without `studies:`, its keys set),
    each checked by ``validate(config)`` (schema and check_config), which raises
    ConfigError. Two studies with the same settings are refused."""
    base = {key: value for key, value in config.items() if key != "studies"}
    configs = {}
    for name, keys in declared_studies(config, schema).items():
        merged = copy.deepcopy(base)
        for key, value in keys.items():
            set_key(merged, key, value)
        try:
            validate(merged)
        except ConfigError as error:
            raise ConfigError(f"study {name!r}: {error}") from None
        for other, other_config in configs.items():
            if rule_prefix(other) == rule_prefix(name):
                raise ConfigError(
                    f"config key studies: the studies {other!r} and {name!r} differ only "
                    "in characters that rule names cannot hold; rename one of them"
                )
            if other_config == merged:
                raise ConfigError(
                    f"config key studies: the studies {other!r} and {name!r} have the "
                    "same settings; remove one of them"
                )
        configs[name] = merged
    return configs
