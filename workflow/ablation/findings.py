"""The findings a config declares (``findings:``, config/README.md), checked on the
trainings' histories and the test set's per-image predictions. Pandas only, no
TensorFlow.

Each check of a finding compares a variant's numbers at one epoch with each reference
variant's, or with a number, by the tests of ablation/evidence.py: on the test images
(test accuracy after the last epoch, per-image predictions) and across the seeds. Every
p-value of one findings.csv is adjusted together (Holm), and each test's verdict is
``holds`` (the adjusted p-value is below ``evidence.alpha`` and the difference lies on
the claimed side), ``contradicted`` (it lies on the other side) or ``inconclusive``
(neither, or the test cannot judge), with its reason in words. A finding holds when
every one of its tests does, is contradicted when one of them is, and is inconclusive
otherwise; a seeds' test whose seeds did not vary at all weighs neither way.
"""

from __future__ import annotations

# pandas and NumPy are imported in the functions that use them: Snakemake imports
# this module in every call, to check the config, where pandas would cost a quarter
# second, and a deployment with Snakemake alone has neither.
import math
from typing import TYPE_CHECKING

from ablation import evidence, metrics

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# What ``measure`` may name: the history column it reads, and how a sentence calls it.
# Keras reports an epoch's training loss as the mean over that epoch's batches, while
# the weights change; the test metrics are measured once, after the epoch.
MEASURES = {
    "training_loss": ("loss", "training loss (mean over the epoch's batches)"),
    "test_accuracy": (metrics.TEST_ACCURACY, "test accuracy"),
}
LAST = "last"
HOLDS, CONTRADICTED, INCONCLUSIVE = "holds", "contradicted", "inconclusive"


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
    "finding",
    "sentence",
    "verdict",
    "check",
    "covers",
    "check_verdict",
    "reason",
    "variant",
    "reference",
    "measure",
    "epoch",
    "value",
    "against",
    "against_value",
    "difference",
    "ci95_low",
    "ci95_high",
    "test",
    "p_value",
    "p_holm",
    "n",
    "n_against",
    "images",
    "seeds_left_out",
]
COUNTS = ["n", "n_against", "images"]


def references(finding: dict) -> list[str]:
    """The variants a finding compares with: ``reference`` names one or a list."""
    reference = finding.get("reference", [])
    return [reference] if isinstance(reference, str) else list(reference)


def applying(findings: list[dict], dataset: str) -> list[dict]:
    """The findings that apply to ``dataset`` (each applies to every dataset unless it
    lists its ``datasets``), with the default epoch filled in."""
    return [
        {"epoch": LAST} | finding
        for finding in findings
        if dataset in finding.get("datasets", [dataset])
    ]


def verdicts(
    findings: list[dict],
    values: pd.DataFrame,
    num_classes: int,
    last_epoch: int,
    rules: dict,
    predictions: dict | None = None,
) -> pd.DataFrame:
    """One row per test of each check of each finding, judged as one family.
    ``values`` holds one row per (variant, seed, epoch) with the measures' columns;
    ``last_epoch`` is what ``last`` means in this run; ``rules`` is the config's
    ``evidence`` (``alpha``, ``min_seeds``); ``predictions`` maps (variant, seed) to
    that training's right-or-wrong per test image after the last epoch."""
    return judged(
        evidence_rows(findings, values, num_classes, last_epoch, rules, predictions), rules
    )


def evidence_rows(findings, values, num_classes, last_epoch, rules, predictions=None) -> list:
    rows = []
    for finding in findings:
        rows += finding_rows(finding, values, num_classes, last_epoch, rules, predictions or {})
    return rows


def judged(rows: list[dict], rules: dict, columns=COLUMNS, by=("finding",)) -> pd.DataFrame:
    """The rows' verdicts: their p-values adjusted together (Holm), each test's verdict
    and reason, and each finding's verdict from its tests' (a finding: the rows that
    agree in the columns ``by``)."""
    import pandas as pd

    tested = [row for row in rows if "p_value" in row]
    family = len(tested)
    for row, adjusted in zip(tested, evidence.holm([row["p_value"] for row in tested])):
        row["p_holm"] = adjusted
    for row in rows:
        row["check_verdict"], reason = verdict(row, rules["alpha"], family)
        row["reason"] = "; ".join(part for part in (reason, row.get("left_out_words")) if part)
    table = pd.DataFrame(rows, columns=columns)
    # A seeds' test whose seeds did not vary at all says nothing either way: the
    # finding rests on its other tests (a test accuracy's on the test images).
    weighed = table["check_verdict"].where([not row.get("no_spread") for row in rows])
    table["verdict"] = weighed.groupby([table[column] for column in by], sort=False).transform(
        overall
    )
    # Counts stay whole numbers beside the rows that have none.
    return table.astype({count: "Int64" for count in COUNTS})


def overall(verdicts) -> str:
    """A finding's verdict from its tests' (those that weigh: not NaN)."""
    verdicts = verdicts.dropna()
    if (verdicts == CONTRADICTED).any():
        return CONTRADICTED
    return HOLDS if len(verdicts) and (verdicts == HOLDS).all() else INCONCLUSIVE


def verdict(row: dict, alpha: float, family: int) -> tuple[str, str]:
    """(verdict, reason in words) of one test's row."""
    if row.get("no_spread"):
        return INCONCLUSIVE, f"{row['cannot_judge']}: weighs neither way"
    if "cannot_judge" in row:
        return INCONCLUSIVE, row["cannot_judge"]
    difference, low, high = row["difference"], row["ci95_low"], row["ci95_high"]
    numbers = (
        f"{row['covers']}: difference {difference:+.3g}, 95% interval {low:.3g} to "
        f"{high:.3g}; p {row['p_value']:.2g}, {row['p_holm']:.2g} after Holm over the "
        f"{family} tests of this table"
    )
    if row.get("detail"):
        numbers += f" ({row['detail']})"
    if row["p_holm"] < alpha:
        claimed = difference < 0 if row["side"] == "below" else difference > 0
        return (HOLDS if claimed else CONTRADICTED), f"{numbers}, below {alpha:g}"
    if low <= 0 <= high:
        return INCONCLUSIVE, f"{numbers}: the interval from {low:.3g} to {high:.3g} reaches 0"
    return INCONCLUSIVE, f"{numbers}, not below {alpha:g}"


def finding_rows(
    finding: dict,
    values: pd.DataFrame,
    num_classes: int,
    last_epoch: int,
    rules: dict,
    predictions: dict,
) -> list[dict]:
    epoch = last_epoch if finding["epoch"] == LAST else int(finding["epoch"])
    head = {
        "finding": finding["name"],
        "sentence": finding["sentence"],
        "variant": finding["variant"],
        "reference": " ".join(references(finding)),
        "measure": finding["measure"],
        "epoch": epoch,
    }
    reason = not_evaluated(finding, values, epoch, last_epoch)
    if reason:
        return [head | {"cannot_judge": f"not evaluated: {reason}"}]
    column, words = MEASURES[finding["measure"]]
    at_epoch = values[values["epoch"] == epoch]

    def measured(variant):
        """The variant's number at ``epoch`` per seed that has one, and why each other
        seed it trained has none."""
        trained = sorted(set(values.loc[values["variant"] == variant, "seed"]))
        found = at_epoch[at_epoch["variant"] == variant].set_index("seed")[column]
        usable = {
            int(seed): float(found[seed])
            for seed in trained
            if seed in found.index and math.isfinite(found[seed])
        }
        left_out = {
            int(seed): "diverged" if seed in found.index else f"no epoch {epoch}"
            for seed in trained
            if seed not in usable
        }
        return Sample(variant, usable, left_out)

    # Per-image evidence exists for test accuracy after the last epoch only.
    per_image = predictions if finding["measure"] == "test_accuracy" and epoch == last_epoch else {}
    rows = []
    for check in expected(finding, measured, f"{words} at epoch {epoch}", num_classes):
        rows += [head | row for row in tested(check, per_image, rules["min_seeds"], words)]
    return rows


class Sample:
    """A variant's numbers, one per seed (seed -> number), and the seeds it trained
    that have none (seed -> why)."""

    def __init__(self, variant: str, usable: dict, left_out: dict):
        self.variant, self.usable, self.left_out = variant, usable, left_out

    def trained(self) -> int:
        return len(self.usable) + len(self.left_out)

    def mapped(self, function) -> Sample:
        return Sample(
            self.variant,
            {seed: function(value) for seed, value in self.usable.items()},
            self.left_out,
        )

    def left_out_words(self) -> str:
        return ", ".join(
            f"{self.variant} seed {seed} ({why})" for seed, why in self.left_out.items()
        )


def not_evaluated(finding: dict, values: pd.DataFrame, epoch: int, last_epoch: int) -> str:
    """Why this run has no numbers for ``finding`` ("" when it has)."""
    column, words = MEASURES[finding["measure"]]
    if epoch > last_epoch:
        return f"epoch {epoch} is beyond this run's {last_epoch} epochs"
    for variant in [finding["variant"], *references(finding)]:
        if variant not in set(values["variant"]):
            return f"variant {variant} not in this study"
    if column not in values or values.loc[values["epoch"] == epoch, column].isna().all():
        return f"this run did not measure the {words} at epoch {epoch}"
    return ""


def expected(finding: dict, measured, words: str, num_classes: int):
    """(check, sample, against, against's sample or None, against's number or None,
    side) for each check of ``finding``; ``measured(variant)`` gives a variant's
    Sample."""
    variant, expect = finding["variant"], finding["expect"]
    sample = measured(variant)
    chance_loss = math.log(num_classes)  # the cross-entropy of a uniform guess

    def drop(loss):
        return (chance_loss - loss) / chance_loss

    dropped = f"{variant}'s {words}, as a drop relative to ln({num_classes}) (a uniform guess),"
    if expect in ("below", "above") and references(finding):
        for reference in references(finding):
            yield (
                f"{variant}'s {words} {expect} {reference}'s",
                sample,
                reference,
                measured(reference),
                None,
                expect,
            )
    elif expect in ("below", "above"):
        threshold = finding["threshold"]
        yield (
            f"{variant}'s {words} {expect} {threshold:g}",
            sample,
            "threshold",
            None,
            threshold,
            expect,
        )
    elif expect == "near_chance":
        ceiling = finding["factor"] / num_classes
        yield (
            f"{variant}'s {words} below {finding['factor']:g} x chance (1/{num_classes})",
            sample,
            "factor x chance",
            None,
            ceiling,
            "below",
        )
    elif expect == "flat":
        yield (
            f"{dropped} below {finding['max_drop']:g}",
            sample.mapped(drop),
            "max_drop",
            None,
            finding["max_drop"],
            "below",
        )
    elif expect == "falls_but_above":
        yield (
            f"{dropped} above {finding['min_drop']:g}",
            sample.mapped(drop),
            "min_drop",
            None,
            finding["min_drop"],
            "above",
        )
        for reference in references(finding):
            yield (
                f"{variant}'s {words} above {reference}'s",
                sample,
                reference,
                measured(reference),
                None,
                "above",
            )
    else:
        raise ValueError(f"finding {finding['name']}: unknown expectation {expect!r}")


def tested(check, predictions: dict, min_seeds: int, words: str) -> list[dict]:
    """The rows of one check: on the test images where ``predictions`` has the
    trainings' per-image results, and across the seeds where there are several (or no
    per-image results)."""
    name, sample, against, against_sample, against_value, side = check
    samples = [sample] if against_sample is None else [sample, against_sample]
    row = {
        "check": name,
        "against": against,
        "side": side,
        "value": evidence.mean(sample.usable.values()),
        "n": len(sample.usable),
    }
    if against_sample is None:
        row["against_value"] = against_value
    else:
        row |= {
            "against_value": evidence.mean(against_sample.usable.values()),
            "n_against": len(against_sample.usable),
        }
    left_out = ", ".join(words for words in (part.left_out_words() for part in samples) if words)
    row |= {
        "seeds_left_out": left_out,
        "left_out_words": f"left out: {left_out}" if left_out else "",
    }
    rows = []
    if predictions:
        rows.append(row | on_images(samples, against_value, predictions, min_seeds))
    if not predictions or max(part.trained() for part in samples) > 1:
        rows.append(row | across_seeds(samples, against_value, min_seeds, words))
    return rows


def too_few(samples: list[Sample], min_seeds: int, needed: int) -> str:
    """Why the seeds left cannot carry a test ("" when they can): every seed of a side
    lost, or seeds lost and fewer than ``min_seeds`` left."""
    for sample in samples:
        left, trained = len(sample.usable), sample.trained()
        if left == 0:
            return f"no seed of {sample.variant} has a value (all {trained} left out)"
        if left < trained and left < max(min_seeds, needed):
            return (
                f"{trained - left} of {sample.variant}'s {trained} seeds left out: {left} "
                f"left, fewer than evidence.min_seeds ({min_seeds})"
            )
    return ""


def on_images(samples: list[Sample], against_value, predictions: dict, min_seeds: int) -> dict:
    reason = too_few(samples, min_seeds, needed=1)
    if reason:
        return {"covers": evidence.IMAGES, "cannot_judge": reason}
    correct = [
        [predictions[(sample.variant, seed)] for seed in sorted(sample.usable)]
        for sample in samples
    ]
    if len(samples) == 2:
        result = evidence.images_against_images(*correct)
    else:
        result = evidence.images_against_number(correct[0], against_value)
    return interval_columns(result)


def across_seeds(samples: list[Sample], against_value, min_seeds: int, words: str) -> dict:
    if max(sample.trained() for sample in samples) == 1:
        return {
            "covers": evidence.SEEDS,
            "cannot_judge": f"one seed: no seed-to-seed spread to judge a {words} by",
        }
    reason = too_few(samples, min_seeds, needed=2) or next(
        (
            f"{sample.variant} has one seed: no seed-to-seed spread to judge by"
            for sample in samples
            if len(sample.usable) < 2
        ),
        "",
    )
    if reason:
        return {"covers": evidence.SEEDS, "cannot_judge": reason}
    if len(samples) == 2:
        result = evidence.seeds_against_seeds(samples[0].usable, samples[1].usable)
    else:
        result = evidence.seeds_against_number(samples[0].usable, against_value)
    return interval_columns(result)


def interval_columns(result: dict) -> dict:
    renamed = {"ci_low": "ci95_low", "ci_high": "ci95_high"}
    return {renamed.get(key, key): value for key, value in result.items()}


def correct_per_image(path) -> np.ndarray:
    """Right or wrong, per test image, from a training's predictions CSV."""
    from ablation.evaluate import read_predictions

    predictions = read_predictions(path)
    return predictions["label"] == predictions["predicted"]


def write_findings(
    histories_path,
    runs: list[dict],
    findings: list[dict],
    num_classes: int,
    epochs: int,
    rules: dict,
    output,
) -> None:
    """results/<dataset>/findings.csv of the study, from its histories.csv and each
    training's predictions (``runs``: ``variant``, ``seed``, ``predictions``,
    ``provenance``; each file checked against the SHA-256 in its sidecar first)."""
    import pandas as pd

    from ablation.integrity import verified_record

    predictions = {}
    for run in runs:
        verified_record(run["provenance"], {"predictions": run["predictions"]})
        predictions[(run["variant"], int(run["seed"]))] = correct_per_image(run["predictions"])
    histories = pd.read_csv(histories_path)
    verdicts(findings, histories, num_classes, epochs, rules, predictions).to_csv(
        output, index=False
    )
