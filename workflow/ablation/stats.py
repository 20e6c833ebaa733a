"""Tidy tables across variants and seeds: histories, per-variant summary, comparisons."""

from __future__ import annotations

# pandas is imported in the functions that use it: Snakemake imports this module
# in every call, to check the config, where pandas would cost a quarter second.
from typing import TYPE_CHECKING

from ablation import metrics
from ablation.integrity import verified_record

if TYPE_CHECKING:
    import pandas as pd


def collect_histories(dataset: str, runs: list[dict]) -> pd.DataFrame:
    """Long format, one row per (variant, seed, epoch).

    ``runs`` holds ``variant``, ``seed``, ``history`` (CSV path), ``provenance``
    (JSON path) and optionally ``model``; epoch times come from the provenance
    sidecar, which also holds the SHA-256 that the history and the model are
    checked against first.
    """
    import pandas as pd

    frames = []
    for run in runs:
        checked = {name: run[name] for name in ("history", "model") if name in run}
        sidecar = verified_record(run["provenance"], checked)
        history = metrics.read_history(run["history"], metrics.TEST)
        history.insert(0, "seed", run["seed"])
        history.insert(0, "variant", run["variant"])
        history.insert(0, "dataset", dataset)
        history["seconds"] = sidecar["epoch_seconds"][: len(history)]
        history["parameters"] = sidecar["parameters"]
        history["data_sha256"] = sidecar["data_sha256"]
        frames.append(history)
    return pd.concat(frames, ignore_index=True)


def final_epochs(histories: pd.DataFrame) -> pd.DataFrame:
    last = histories.groupby(["dataset", "variant", "seed"])["epoch"].transform("max")
    return histories[histories["epoch"] == last]


def summarize(histories: pd.DataFrame, variant_order: list[str]) -> pd.DataFrame:
    """Per variant: each final test metric as mean and sample std, and n, over seeds."""
    import pandas as pd

    final = final_epochs(histories)
    training_seconds = histories.groupby(["dataset", "variant", "seed"])["seconds"].sum()
    grouped = final.groupby(["dataset", "variant"], sort=False)
    tested = [metrics.on(metrics.TEST, metric) for metric in metrics.RECORDED]
    summary = grouped.agg(
        n_seeds=("seed", "nunique"),
        parameters=("parameters", "first"),
        **{f"{column}_{stat}": (column, stat) for column in tested for stat in ("mean", "std")},
        data_sha256=("data_sha256", "first"),
    ).reset_index()
    seconds = training_seconds.groupby(["dataset", "variant"]).mean()
    summary["training_seconds_mean"] = [
        seconds[(dataset, variant)]
        for dataset, variant in zip(summary["dataset"], summary["variant"])
    ]
    summary["variant"] = pd.Categorical(summary["variant"], variant_order, ordered=True)
    return summary.sort_values(["dataset", "variant"]).reset_index(drop=True)


def welch_interval(sample: list[float], baseline: list[float], confidence: float = 0.95):
    """Difference of means with Welch's t interval (SciPy's); None when it cannot be
    computed: fewer than 2 values a side, or no spread beyond rounding."""
    from scipy import stats

    from ablation.evidence import agree_to_rounding

    if len(sample) < 2 or len(baseline) < 2:
        return None
    if agree_to_rounding(sample) and agree_to_rounding(baseline):
        return None
    result = stats.ttest_ind(sample, baseline, equal_var=False)
    interval = result.confidence_interval(confidence)
    return {
        "difference": sum(sample) / len(sample) - sum(baseline) / len(baseline),
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
        "df": float(result.df),
        "p_value": float(result.pvalue),
    }


def compare_with_baseline(histories: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each variant's final test accuracy against ``baseline``'s, across seeds."""
    import pandas as pd

    final = final_epochs(histories)
    rows = []
    for (dataset, variant), group in final.groupby(["dataset", "variant"], sort=False):
        if variant == baseline:
            continue
        reference = final[(final["dataset"] == dataset) & (final["variant"] == baseline)]
        sample = group[metrics.TEST_ACCURACY].tolist()
        base = reference[metrics.TEST_ACCURACY].tolist()
        interval = welch_interval(sample, base)
        row = {
            "dataset": dataset,
            "variant": variant,
            "baseline": baseline,
            "n": len(sample),
            "n_baseline": len(base),
            "mean_difference": sum(sample) / len(sample) - sum(base) / len(base),
        }
        if interval is None:
            row["note"] = (
                "no interval: Welch's t needs at least 2 seeds per variant and some "
                "spread; add seeds under training.seeds"
            )
        else:
            row |= {
                "ci95_low": interval["ci_low"],
                "ci95_high": interval["ci_high"],
                "welch_df": interval["df"],
                "p_value": interval["p_value"],
                "note": "",
            }
        rows.append(row)
    columns = [
        "dataset",
        "variant",
        "baseline",
        "n",
        "n_baseline",
        "mean_difference",
        "ci95_low",
        "ci95_high",
        "welch_df",
        "p_value",
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)


def write_tables(dataset: str, runs, variant_order, baseline: str, outputs) -> None:
    """histories.csv, summary.csv and comparisons.csv of one dataset."""
    histories = collect_histories(dataset, runs)
    histories.to_csv(outputs["histories"], index=False)
    summarize(histories, variant_order).to_csv(outputs["summary"], index=False)
    compare_with_baseline(histories, baseline).to_csv(outputs["comparisons"], index=False)
