"""Several studies in one config (the `studies:` section, config/README.md), and
their comparison: results/compare/studies.csv, results/compare/findings.csv and the
loss chart per study.

A study is the base config with some keys set otherwise: a named override, or a
point of the grid, named the way Snakemake's Paramspace names its instances
(``epochs~2_pooling~avg``). Plotting never imports TensorFlow."""

from __future__ import annotations

# pandas is imported in the functions that use it: Snakemake imports this module
# in every call, to check the config, where pandas would cost a quarter second.

import copy
import itertools
import re

from ablation import metrics
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
        "_".join(f"{name}~{value}" for name, value in zip(names, values)):
            dict(zip(grid, values))
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
                raise ConfigError(
                    f"config key studies.grid.{key}: no values; give at least one"
                )
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


def differing_settings(settings: dict[str, dict[str, object]]) -> list[str]:
    """The dotted keys whose value is not the same in every study (a key that a
    study leaves at the base's value counts with the base's value)."""
    keys = list(dict.fromkeys(key for keys in settings.values() for key in keys))
    return [key for key in keys
            if len({repr(study.get(key)) for study in settings.values()}) > 1]


# What studies.csv keeps of each study's summary.csv, after the study's settings.
SUMMARY_COLUMNS = [
    "dataset", "variant",
    *(f"{metrics.on(metrics.TEST, metric)}_{stat}"
      for metric in ("accuracy", "loss") for stat in ("mean", "std")),
    "n_seeds", "training_seconds_mean",
]
# What findings.csv of the comparison keeps of each study's findings.csv: the verdicts
# as the study gave them (one row per test of each check), the difference, interval and
# p-values behind each, and the reason in words. Each study is its own family.
FINDING_COLUMNS = [
    "dataset", "finding", "verdict", "check", "covers", "check_verdict", "difference",
    "ci95_low", "ci95_high", "p_value", "p_holm", "reason",
]


def side_by_side(studies: dict[str, dict], table: str, columns: list[str]) -> pd.DataFrame:
    """Each study's ``table`` (its ``columns``) one below the other, each row led by
    the study's name and its values of the settings that differ between the studies.

    ``studies``: name -> {"settings": {dotted key: value for every declared key, the
    base's value where the study keeps it}, ``table``: a frame}."""
    import pandas as pd

    keys = differing_settings({name: study["settings"] for name, study in studies.items()})
    frames = []
    for name, study in studies.items():
        rows = study[table]
        frame = pd.DataFrame({"study": name}, index=rows.index)
        for key in keys:
            frame[key] = [study["settings"][key]] * len(rows)
        frames.append(pd.concat([frame, rows[columns]], axis=1))
    return pd.concat(frames, ignore_index=True)


def compare_studies(studies: dict[str, dict]) -> pd.DataFrame:
    """studies.csv: one row per study x dataset x variant, from each study's
    summary.csv (``studies[name]["summary"]``)."""
    return side_by_side(studies, "summary", SUMMARY_COLUMNS)


def compare_findings(studies: dict[str, dict]) -> pd.DataFrame:
    """findings.csv of the comparison: one row per study x dataset x finding (x check),
    from each study's findings.csv with its dataset (``studies[name]["findings"]``)."""
    return side_by_side(studies, "findings", FINDING_COLUMNS)


def plot_study_losses(histories: dict[str, pd.DataFrame], variant_order, paths) -> None:
    """The lecture's loss chart (training loss per epoch, one line per variant,
    ±1 std band across seeds), one panel per study and dataset, on shared axes."""
    import matplotlib.pyplot as plt

    from ablation.plots import mean_and_band, save_figure, whole_epochs

    datasets = list(dict.fromkeys(
        dataset for frame in histories.values() for dataset in frame["dataset"]))
    figure, axes = plt.subplots(
        len(datasets), len(histories), sharex=True, sharey=True, squeeze=False,
        figsize=(3.6 * len(histories), 3.2 * len(datasets)))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for column, (study, frame) in enumerate(histories.items()):
        for row, dataset in enumerate(datasets):
            axis = axes[row][column]
            for index, variant in enumerate(variant_order):
                runs = frame[(frame["dataset"] == dataset) & (frame["variant"] == variant)]
                if runs.empty:
                    continue
                stats = mean_and_band(runs, "loss")
                color = colors[index % len(colors)]
                axis.plot(stats["epoch"], stats["mean"], marker="o", color=color,
                          label=variant)
                axis.fill_between(stats["epoch"], stats["low"], stats["high"],
                                  color=color, alpha=0.2, linewidth=0)
            axis.set_title(f"{study}\n{dataset}", fontsize=9)
            axis.grid(alpha=0.3)
            whole_epochs(axis)
            if row == len(datasets) - 1:
                axis.set_xlabel("epoch")
            if column == 0:
                axis.set_ylabel("training loss")
    handles, labels = axes[0][0].get_legend_handles_labels()
    # Below the figure, clear of the epoch labels, whatever the number of rows.
    figure.legend(handles, labels, loc="upper center", ncol=len(labels),
                  title="mean ± 1 std over seeds", bbox_to_anchor=(0.5, 0))
    save_figure(figure, paths)


def by_study(runs: list[list[str]], paths: list[str]) -> dict[str, pd.DataFrame]:
    """Study -> its tables (one per dataset, each with its ``dataset`` column) as one:
    ``paths[i]`` belongs to ``runs[i]``, a [study, dataset] pair."""
    import pandas as pd

    tables = {}
    for (study, dataset), path in zip(runs, paths, strict=True):
        tables.setdefault(study, []).append(pd.read_csv(path).assign(dataset=dataset))
    return {study: pd.concat(frames, ignore_index=True) for study, frames in tables.items()}


def compare_study_files(settings: dict, inputs, outputs) -> None:
    """Rule compare: studies.csv, findings.csv and the loss chart per study from each
    study's summary.csv, findings.csv and histories.csv (``inputs.summaries``,
    ``inputs.findings``, ``inputs.histories``, in the order of ``settings["runs"]``)."""
    summaries = by_study(settings["runs"], inputs.summaries)
    findings = by_study(settings["runs"], inputs.findings)
    histories = by_study(settings["runs"], inputs.histories)
    studies = {study: {"settings": dict(keys), "summary": summaries[study],
                       "findings": findings[study]}
               for study, keys in settings["studies"]}
    compare_studies(studies).to_csv(outputs.table, index=False)
    compare_findings(studies).to_csv(outputs.findings, index=False)
    plot_study_losses({study: histories[study] for study, _ in settings["studies"]},
                      settings["variants"], [outputs.png, outputs.svg])
