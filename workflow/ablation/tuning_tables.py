"""The sweep's tables: selection on validation accuracy, the fair comparison on the
test set, and the verdicts on the config's findings. Pandas only, no TensorFlow."""

import math

import pandas as pd

from ablation import metrics
from ablation.findings import COLUMNS, evidence_rows, judged
from ablation.integrity import verified_record
from ablation.metrics import TEST_ACCURACY, VALIDATION_ACCURACY
from ablation.stats import welch_interval

# Selection reads the validation numbers; the comparison and the findings, test accuracy.
VALIDATED = [metrics.on(metrics.VALIDATION, metric) for metric in metrics.RECORDED]


def collect_sweep(runs: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(histories, one row per run) of the sweep. ``runs`` hold ``variant``,
    ``learning_rate``, ``seed``, ``history`` and ``provenance`` paths; each history
    is checked against the SHA-256 in its sidecar first."""
    histories, finals = [], []
    for run in runs:
        sidecar = verified_record(run["provenance"], {"history": run["history"]})
        history = metrics.read_history(run["history"], metrics.VALIDATION)
        keys = {
            "variant": run["variant"],
            "learning_rate": float(run["learning_rate"]),
            "seed": int(run["seed"]),
        }
        diverged = bool(sidecar.get("diverged", False))
        for position, (key, value) in enumerate(keys.items()):
            history.insert(position, key, value)
        history["seconds"] = sidecar["epoch_seconds"][: len(history)]
        histories.append(history)
        last = history.iloc[-1] if len(history) else None
        finals.append(
            keys
            | {
                "epochs": len(history),
                "diverged": diverged,
            }
            | {
                column: math.nan if diverged or last is None else last[column]
                for column in VALIDATED
            }
        )
    return pd.concat(histories, ignore_index=True), pd.DataFrame(finals)


def summarize_sweep(finals: pd.DataFrame, variant_order) -> pd.DataFrame:
    """Per (variant, learning rate): each final validation metric as mean and sample
    std, and n, over seeds. A point where any seed diverged is ``diverged`` and has
    no mean."""
    grouped = finals.groupby(["variant", "learning_rate"])
    statistics = {
        f"{column}_{stat}": (column, stat) for column in VALIDATED for stat in ("mean", "std")
    }
    sweep = grouped.agg(
        n_seeds=("seed", "nunique"),
        n_diverged=("diverged", "sum"),
        **statistics,
    ).reset_index()
    sweep["diverged"] = sweep["n_diverged"] > 0
    sweep.loc[sweep["diverged"], list(statistics)] = math.nan
    sweep["variant"] = pd.Categorical(sweep["variant"], variant_order, ordered=True)
    return sweep.sort_values(["variant", "learning_rate"]).reset_index(drop=True)


def select_rates(sweep: pd.DataFrame, default_rate: float) -> pd.DataFrame:
    """Per variant, the learning rate with the best mean validation accuracy among the
    points that did not diverge; on a tie the smaller rate. ``grid_edge`` says when it
    is the smallest or the largest rate swept."""
    rows = []
    for variant, points in sweep.groupby("variant", sort=True, observed=True):
        finite = points[~points["diverged"]]
        if finite.empty:
            raise ValueError(
                f"variant {variant} diverged at every learning rate; add smaller rates "
                "to tuning.learning_rates"
            )
        mean, std = f"{VALIDATION_ACCURACY}_mean", f"{VALIDATION_ACCURACY}_std"
        best = finite.sort_values([mean, "learning_rate"], ascending=[False, True]).iloc[0]
        default = points[points["learning_rate"] == default_rate].iloc[0]
        rows.append(
            {
                "variant": variant,
                "learning_rate": best["learning_rate"],
                mean: best[mean],
                std: best[std],
                "n_seeds": best["n_seeds"],
                "default_learning_rate": default_rate,
                f"default_{mean}": default[mean],
                "default_diverged": bool(default["diverged"]),
                "grid_edge": grid_edge(best["learning_rate"], points["learning_rate"]),
            }
        )
    return pd.DataFrame(rows)


def grid_edge(rate: float, swept) -> str:
    """What to say of a selected rate at an end of the swept ones ("" inside them)."""
    if len(set(swept)) < 2:
        return ""
    for end, words in ((min(swept), "smallest"), (max(swept), "largest")):
        if rate == end:
            return f"the {words} rate swept: the optimum may lie beyond the grid"
    return ""


def runs_to_test(selected: pd.DataFrame, seeds) -> list[dict]:
    """(variant, setting, learning rate, seed) of every run whose test accuracy the
    comparison needs: each variant at the default rate and at its selected rate."""
    runs = []
    for row in selected.itertuples():
        for setting, rate in (("default", row.default_learning_rate), ("tuned", row.learning_rate)):
            runs += [
                {"variant": row.variant, "setting": setting, "learning_rate": rate, "seed": seed}
                for seed in seeds
            ]
    return runs


def compare_tuned(test: pd.DataFrame, baseline: str, variant_order) -> pd.DataFrame:
    """Per variant and setting (default rate, tuned rate): test accuracy as mean ± std
    over seeds, and the difference to the baseline in the same setting with its 95%
    Welch interval."""
    rows = []
    for setting in ("default", "tuned"):
        for variant in variant_order:
            runs = test[(test["variant"] == variant) & (test["setting"] == setting)]
            reference = test[(test["variant"] == baseline) & (test["setting"] == setting)]
            row = {
                "setting": setting,
                "variant": variant,
                "learning_rate": runs["learning_rate"].iloc[0],
            } | accuracy_stats(runs)
            row |= {
                "baseline": baseline,
                "baseline_learning_rate": reference["learning_rate"].iloc[0],
            }
            if variant != baseline:
                row |= difference(runs, reference)
            rows.append(row)
    return pd.DataFrame(rows)


def accuracy_stats(runs: pd.DataFrame) -> dict:
    accuracy = runs[TEST_ACCURACY]
    return {
        "n": len(runs),
        "n_diverged": int(runs["diverged"].sum()),
        f"{TEST_ACCURACY}_mean": accuracy.mean(),
        f"{TEST_ACCURACY}_std": accuracy.std(),
    }


def difference(runs: pd.DataFrame, reference: pd.DataFrame) -> dict:
    """Mean difference of test accuracy and its 95% Welch interval (diverged runs excluded)."""
    sample = runs[TEST_ACCURACY].dropna().tolist()
    base = reference[TEST_ACCURACY].dropna().tolist()
    if not sample or not base:
        return {"note": "a side diverged at every seed: no difference"}
    row = {"mean_difference": sum(sample) / len(sample) - sum(base) / len(base)}
    interval = welch_interval(sample, base)
    if interval is None:
        return row | {
            "note": "no interval: Welch's t needs at least 2 seeds per side "
            "and some spread; add seeds under tuning.seeds"
        }
    return row | {
        "ci95_low": interval["ci_low"],
        "ci95_high": interval["ci_high"],
        "welch_df": interval["df"],
        "p_value": interval["p_value"],
        "note": "",
    }


def sweep_verdicts(
    test: pd.DataFrame,
    histories: pd.DataFrame,
    findings: list[dict],
    num_classes: int,
    epochs: int,
    rules: dict,
    selected: pd.DataFrame,
) -> pd.DataFrame:
    """The config's findings (ablation/findings.py) at the default rate and at the tuned
    rates, on the runs that the test set evaluated, judged as one family (both
    settings). Training loss comes from the sweep's histories at any of its ``epochs``;
    test accuracy exists only after the last epoch (the test set is read once, and
    per-image results are not kept: the tests are across seeds only), so a finding on
    test accuracy at another epoch, or on an epoch beyond the sweep's, is listed as
    not evaluated. A variant whose tuned rate lies at an edge of the grid
    (``selected``) says so in ``grid_edge``."""
    rows = []
    for setting in ("default", "tuned"):
        runs = test[test["setting"] == setting]
        rows += [
            row | {"setting": setting}
            for row in evidence_rows(
                findings, sweep_values(runs, histories, epochs), num_classes, epochs, rules
            )
        ]
    table = judged(
        rows, rules, columns=[*COLUMNS[:2], "setting", *COLUMNS[2:]], by=("finding", "setting")
    )
    settings = table["setting"]
    rates = test.groupby(["setting", "variant"])["learning_rate"].first()

    def rate(variant_column):
        return [
            rates.get((setting, variant), math.nan)
            for setting, variant in zip(settings, table[variant_column])
        ]

    table.insert(table.columns.get_loc("reference"), "learning_rate", rate("variant"))
    # A reference names one variant in each row of a check against it (``against``).
    table.insert(table.columns.get_loc("measure"), "reference_learning_rate", rate("against"))
    at_edge = selected.set_index("variant")["grid_edge"].fillna("")
    table["grid_edge"] = [
        at_edge.get(variant, "") if setting == "tuned" else ""
        for setting, variant in zip(settings, table["variant"])
    ]
    # Each finding's rows together, in the config's order, the default rate first.
    order = {finding["name"]: index for index, finding in enumerate(findings)}
    return table.sort_values(
        ["finding", "setting"],
        key=lambda column: column.map(order) if column.name == "finding" else column,
        ignore_index=True,
        kind="stable",
    )


def sweep_values(runs: pd.DataFrame, histories: pd.DataFrame, epochs: int) -> pd.DataFrame:
    """(variant, seed, epoch) rows of ``runs``: the training loss of every epoch, and the
    test accuracy after the last one."""
    keys = ["variant", "learning_rate", "seed"]
    losses = histories.merge(runs[keys], on=keys)[["variant", "seed", "epoch", "loss"]]
    final = runs[["variant", "seed", TEST_ACCURACY]].assign(epoch=epochs)
    return losses.merge(final, on=["variant", "seed", "epoch"], how="outer")
