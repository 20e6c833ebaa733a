"""The findings a config declares (``findings:``, config/README.md), checked on the
trainings' histories. Pandas only, no TensorFlow.

A finding holds when every one of its checks does. A check compares a variant's
numbers at one epoch, one per seed, with a reference variant's (the difference of the
means and its 95% Welch interval) or with a number (the mean minus the number and its
95% t interval). It holds only when the whole interval lies on the claimed side; with
one seed, or no spread across seeds, the point estimate decides, and ``decided_by``
says which of these it was.
"""

from __future__ import annotations

# pandas is imported in the functions that use it: Snakemake imports this module
# in every call, to check the config, where pandas would cost a quarter second.

import math

from ablation import metrics
from ablation.stats import mean_interval, welch_interval

# What ``measure`` may name: the history column it reads, and how a sentence calls it.
MEASURES = {
    "training_loss": ("loss", "training loss"),
    "test_accuracy": (metrics.on(metrics.TEST, "accuracy"), "test accuracy"),
}
LAST = "last"


class Expectation:
    """What ``expect`` may say: the measures it fits, the keys it needs, and the keys
    of which it needs exactly one."""

    def __init__(self, measures, needs=(), one_of=()):
        self.measures, self.needs, self.one_of = list(measures), list(needs), list(one_of)

    def takes(self):
        return self.needs + self.one_of


EXPECTATIONS = {
    # Below or above the reference variant's, or a number.
    "below": Expectation(MEASURES, one_of=["reference", "threshold"]),
    "above": Expectation(MEASURES, one_of=["reference", "threshold"]),
    # Test accuracy below ``factor`` times chance (1 / the number of classes).
    "near_chance": Expectation(["test_accuracy"], needs=["factor"]),
    # The training loss stays near a uniform guess's: its relative drop below that
    # loss, ln(number of classes), is below ``max_drop``.
    "flat": Expectation(["training_loss"], needs=["max_drop"]),
    # The training loss falls (a relative drop of more than ``min_drop``), but stays
    # above the reference variant's.
    "falls_but_above": Expectation(["training_loss"], needs=["reference", "min_drop"]),
}
PARAMETERS = ["reference", "threshold", "factor", "max_drop", "min_drop"]

COLUMNS = [
    "finding", "sentence", "holds", "check", "check_holds", "decided_by", "variant",
    "reference", "measure", "epoch", "value", "against", "against_value", "difference",
    "ci95_low", "ci95_high", "n", "n_against", "note",
]


def applying(findings: list[dict], dataset: str) -> list[dict]:
    """The findings that apply to ``dataset`` (each applies to every dataset unless it
    lists its ``datasets``), with the default epoch filled in."""
    return [{"epoch": LAST} | finding for finding in findings
            if dataset in finding.get("datasets", [dataset])]


def verdicts(findings: list[dict], values: pd.DataFrame, num_classes: int,
             last_epoch: int) -> pd.DataFrame:
    """One row per check of each finding (most have one). ``values`` holds one row per
    (variant, seed, epoch) with the measures' columns; ``last_epoch`` is what ``last``
    means in this run."""
    import pandas as pd

    rows = []
    for finding in findings:
        rows += finding_rows(finding, values, num_classes, last_epoch)
    # Counts stay whole numbers beside the rows that have none.
    return pd.DataFrame(rows, columns=COLUMNS).astype({"n": "Int64", "n_against": "Int64"})


def finding_rows(finding: dict, values: pd.DataFrame, num_classes: int, last_epoch: int):
    epoch = last_epoch if finding["epoch"] == LAST else int(finding["epoch"])
    head = {key: finding.get(key, "") for key in ("variant", "reference", "measure")}
    head = {"finding": finding["name"], "sentence": finding["sentence"]} | head | {"epoch": epoch}
    reason = not_evaluated(finding, values, epoch, last_epoch)
    if reason:
        return [head | {"note": f"not evaluated: {reason}"}]
    column, words = MEASURES[finding["measure"]]
    at_epoch = values[values["epoch"] == epoch]

    def measured(variant):
        return at_epoch.loc[at_epoch["variant"] == variant, column].dropna().tolist()

    checks = [compare(*check) for check in
              expected(finding, measured, f"{words} at epoch {epoch}", num_classes)]
    holds = all(check["check_holds"] for check in checks)
    return [head | {"holds": holds} | check for check in checks]


def not_evaluated(finding: dict, values: pd.DataFrame, epoch: int, last_epoch: int) -> str:
    """Why this run has no numbers for ``finding`` ("" when it has)."""
    column, words = MEASURES[finding["measure"]]
    if epoch > last_epoch:
        return f"epoch {epoch} is beyond this run's {last_epoch} epochs"
    for role in ("variant", "reference"):
        if role in finding and finding[role] not in set(values["variant"]):
            return f"variant {finding[role]} not in this study"
    if column not in values or values.loc[values["epoch"] == epoch, column].isna().all():
        return f"this run did not measure the {words} at epoch {epoch}"
    return ""


def expected(finding: dict, measured, words: str, num_classes: int):
    """(check, sample, against, against's sample or None, against's number or None,
    side) for each check of ``finding``; ``measured(variant)`` gives a variant's
    numbers, one per seed."""
    variant, reference, expect = finding["variant"], finding.get("reference"), finding["expect"]
    sample = measured(variant)
    chance_loss = math.log(num_classes)  # the cross-entropy of a uniform guess

    def drop(losses):
        return [(chance_loss - loss) / chance_loss for loss in losses]

    dropped = f"{variant}'s {words}, as a drop relative to ln({num_classes}) (a uniform guess),"
    if expect in ("below", "above") and reference:
        yield (f"{variant}'s {words} {expect} {reference}'s", sample, reference,
               measured(reference), None, expect)
    elif expect in ("below", "above"):
        threshold = finding["threshold"]
        yield f"{variant}'s {words} {expect} {threshold:g}", sample, "threshold", None, threshold, expect
    elif expect == "near_chance":
        ceiling = finding["factor"] / num_classes
        yield (f"{variant}'s {words} below {finding['factor']:g} x chance (1/{num_classes})",
               sample, "factor x chance", None, ceiling, "below")
    elif expect == "flat":
        yield (f"{dropped} below {finding['max_drop']:g}", drop(sample), "max_drop", None,
               finding["max_drop"], "below")
    elif expect == "falls_but_above":
        yield (f"{dropped} above {finding['min_drop']:g}", drop(sample), "min_drop", None,
               finding["min_drop"], "above")
        yield (f"{variant}'s {words} above {reference}'s", sample, reference,
               measured(reference), None, "above")
    else:
        raise ValueError(f"finding {finding['name']}: unknown expectation {expect!r}")


def mean(sample):
    return sum(sample) / len(sample) if sample else math.nan


def compare(check: str, sample: list, against: str, against_sample, against_value, side: str) -> dict:
    row = {"check": check, "against": against, "n": len(sample), "value": mean(sample)}
    if against_sample is not None:
        row |= {"n_against": len(against_sample), "against_value": mean(against_sample)}
        sizes = [len(sample), len(against_sample)]
        interval = welch_interval(sample, against_sample)
        method = "95% Welch interval of the difference"
    else:
        row["against_value"] = against_value
        sizes = [len(sample)]
        interval = mean_interval(sample, against_value)
        method = "95% t interval of the mean's difference"
    if min(sizes) == 0:
        return row | {"check_holds": False, "decided_by": "no value: every seed of a side diverged"}
    row["difference"] = row["value"] - row["against_value"]
    if interval is None:
        decided_by = ("point estimate (one seed)" if min(sizes) < 2
                      else "point estimate (no spread across seeds)")
        holds = row["difference"] < 0 if side == "below" else row["difference"] > 0
    else:
        row |= {"ci95_low": interval["ci_low"], "ci95_high": interval["ci_high"]}
        decided_by = f"whole {method} {side} 0"
        holds = interval["ci_high"] < 0 if side == "below" else interval["ci_low"] > 0
    return row | {"check_holds": bool(holds), "decided_by": decided_by}


def write_findings(histories_path, findings: list[dict], num_classes: int, epochs: int,
                   output) -> None:
    """results/<dataset>/findings.csv of the study, from its histories.csv."""
    import pandas as pd

    histories = pd.read_csv(histories_path)
    verdicts(findings, histories, num_classes, epochs).to_csv(output, index=False)
