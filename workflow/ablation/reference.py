"""This run's summary against a committed reference: the metrics diff.

A config opts in with a ``reference:`` section (config/ci.yaml does): the CSV of
summary.csv's numbers the reference run gave for each dataset and variant, for each
number compared, how far (absolute) it may move, and optionally, per variant, a
tolerance of its own for some of those numbers (a variant whose training another CPU
kind moves more than the others'). Rule ``metrics_diff`` writes,
per dataset, one row per variant and number with both values, their difference and a
status; it never fails on a difference, so that the table is always there to read.
CI fails on it (.ci/check_metrics_diff.py), naming each variant and number that moved.
"""

import csv
import logging
import math
from pathlib import Path

from ablation import metrics
from ablation.errors import ConfigError
from ablation.files import write_text

log = logging.getLogger(__name__)

# summary.csv's numbers, as ablation.stats.summarize names them (tests/test_reference.py
# checks that the two agree). Not imported from there: the config check runs on every
# DAG check, and ablation.stats imports pandas.
SUMMARY_NUMBERS = [
    "n_seeds",
    "parameters",
    *(
        f"{metrics.on(metrics.TEST, metric)}_{stat}"
        for metric in metrics.RECORDED
        for stat in ("mean", "std")
    ),
    "training_seconds_mean",
]

KEYS = ["dataset", "variant"]
OK = "ok"
MOVED = "beyond tolerance"
NO_REFERENCE = "no reference"
NOT_RUN = "not in this run"
COLUMNS = ["variant", "metric", "run", "reference", "difference", "tolerance", "status"]


def check_reference(config: dict) -> None:
    """Refuse a ``reference`` section whose file or numbers cannot be compared, naming
    the key or the file and the fix; nothing to check without the section."""
    reference = config.get("reference")
    if reference is None:
        return
    unknown = [name for name in reference["tolerance"] if name not in SUMMARY_NUMBERS]
    if unknown:
        raise ConfigError(
            f"config key reference.tolerance: {', '.join(unknown)} is no number of "
            f"summary.csv; use some of {', '.join(SUMMARY_NUMBERS)}"
        )
    path = Path(reference["summary"])
    if not path.is_file():
        raise ConfigError(
            f"config key reference.summary: {path} does not exist; give the path of a "
            "committed reference table (a copy of a run's summary.csv), or remove the "
            "reference section"
        )
    try:
        with path.open(newline="") as table:
            columns = next(csv.reader(table), [])
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config key reference.summary: {path} is no CSV table: {error}"
        ) from None
    missing = [name for name in [*KEYS, *reference["tolerance"]] if name not in columns]
    if missing:
        raise ConfigError(
            f"config key reference.summary: {path} has no column {', '.join(missing)}; "
            "it needs dataset, variant and each number under reference.tolerance"
        )
    variants = [variant["name"] for variant in config["variants"]]
    for variant, tolerance in reference["tolerance_by_variant"].items():
        key = f"config key reference.tolerance_by_variant.{variant}"
        if variant not in variants:
            raise ConfigError(
                f"{key}: {variant!r} is not a variant of this study ({', '.join(variants)}); "
                "name one of them, or remove the entry"
            )
        uncompared = [name for name in tolerance if name not in reference["tolerance"]]
        if uncompared:
            raise ConfigError(
                f"{key}: {', '.join(uncompared)} is not compared (not under "
                f"reference.tolerance: {', '.join(reference['tolerance'])}); a variant's "
                "tolerance replaces the one under reference.tolerance, so add the number there"
            )


def differs(run: float, reference: float, tolerance: float) -> bool:
    if math.isnan(run) or math.isnan(reference):
        # A std over one seed is empty in both, or the seeds changed.
        return math.isnan(run) != math.isnan(reference)
    return abs(run - reference) > tolerance


def metrics_diff(
    summary,
    reference,
    dataset: str,
    tolerance: dict[str, float],
    tolerance_by_variant: dict[str, dict[str, float]],
):
    """One row per variant (this run's, then the reference's that the run lacks) and
    number under ``tolerance``: both values, run − reference, the tolerance (the
    variant's own from ``tolerance_by_variant`` where it has one), a status.
    ``summary`` and ``reference`` are frames of summary.csv's columns."""
    import pandas as pd

    here = summary[summary["dataset"] == dataset].set_index("variant")
    there = reference[reference["dataset"] == dataset].set_index("variant")
    variants = [*here.index, *(name for name in there.index if name not in here.index)]
    rows = []
    for variant in variants:
        own = tolerance_by_variant.get(variant, {})
        for metric in tolerance:
            allowed = own.get(metric, tolerance[metric])
            run = float(here.at[variant, metric]) if variant in here.index else math.nan
            known = float(there.at[variant, metric]) if variant in there.index else math.nan
            if variant not in there.index:
                status = NO_REFERENCE
            elif variant not in here.index:
                status = NOT_RUN
            else:
                status = MOVED if differs(run, known, allowed) else OK
            rows.append([variant, metric, run, known, run - known, allowed, status])
    return pd.DataFrame(rows, columns=COLUMNS)


def number(value: float, sign: str = "") -> str:
    """Counts as integers, the rest to six decimals (accuracies are multiples of
    1/10,000), nothing as a dash."""
    if math.isnan(value):
        return "—"
    if value == int(value):
        return f"{int(value):{sign}d}"
    return f"{value:{sign}.6f}"


def markdown(table, dataset: str, reference_path) -> str:
    lines = [
        f"# Metrics diff: {dataset}, this run against {reference_path}",
        "",
        "| variant | metric | this run | reference | difference | tolerance | status |",
        "|---|---|--:|--:|--:|--:|---|",
    ]
    for row in table.itertuples(index=False):
        status = row.status if row.status == OK else f"**{row.status}**"
        lines.append(
            f"| {row.variant} | {row.metric} | {number(row.run)} | {number(row.reference)} "
            f"| {number(row.difference, '+')} | {row.tolerance:g} | {status} |"
        )
    failing = table[table["status"] != OK]
    lines += [
        "",
        f"{len(failing)} of {len(table)} numbers outside the tolerance."
        if len(failing)
        else f"All {len(table)} numbers within the tolerance.",
    ]
    return "\n".join(lines) + "\n"


def write_metrics_diff(
    dataset: str,
    summary_path,
    reference_path,
    tolerance: dict[str, float],
    tolerance_by_variant: dict[str, dict[str, float]],
    outputs,
) -> None:
    import pandas as pd

    table = metrics_diff(
        pd.read_csv(summary_path),
        pd.read_csv(reference_path),
        dataset,
        tolerance,
        tolerance_by_variant,
    )
    table.to_csv(outputs["table"], index=False)
    write_text(outputs["markdown"], markdown(table, dataset, reference_path))
    for row in table[table["status"] != OK].itertuples(index=False):
        log.warning("%s %s %s: %s", dataset, row.variant, row.metric, row.status)
