"""The tests behind a finding's verdict (ablation/findings.py), each from SciPy or
statsmodels, and each saying which uncertainty it covers:

- the test images: two variants scored on the same images, compared image by image
  (McNemar's exact test; with several seeds, on each image's vote over the seeds), or
  one variant's correct count against a number (the exact binomial test, per seed);
- the seeds: the per-seed numbers, paired by seed where both variants have the same
  seeds (each seed is one data order for every variant), Welch's t otherwise, or a
  one-sample t against a number.

Each returns a dict with ``test`` (its name in words), ``covers``, ``difference``
(the claimed variant's minus what it is compared with), the 95% interval
``ci_low``/``ci_high`` and the two-sided ``p_value``; or, where it cannot judge,
``test`` and ``cannot_judge``: the reason in words (and ``no_spread`` where the seeds
did not vary at all). NumPy, SciPy and statsmodels are
imported in the functions: Snakemake imports this module's callers to check a config.
"""

from __future__ import annotations

import math

IMAGES = "the test images"
SEEDS = "the seeds"
CONFIDENCE = 0.95
ONE_SEED_EACH = "McNemar's exact test"


def agree_to_rounding(values) -> bool:
    """Whether ``values`` differ by no more than floating-point rounding: a t statistic
    over them would divide by noise (three equal accuracies have a 'spread' of 1e-16)."""
    values = list(values)
    scale = max(1.0, *(abs(value) for value in values))
    return max(values) - min(values) <= 1e-12 * scale


def images_against_images(correct, correct_against) -> dict:
    """Two variants on the same test images. ``correct`` and ``correct_against``: one row
    per seed, one column per image, True where that seed's model classified the image
    right. McNemar's exact test on the images where the two disagree: with one seed
    each, right against wrong; with several, each image's share of right seeds, the
    images with equal shares dropped as ties (then it is the sign test on the images,
    of which McNemar's is the one-seed case). The interval of the accuracy difference:
    where every vote is whole (one seed each), the exact one that goes with the test,
    Clopper-Pearson's for the share of disagreeing images won, scaled by the share of
    images that disagree; otherwise the t interval of the mean vote over the images."""
    import numpy as np
    from scipy import stats
    from statsmodels.stats.contingency_tables import mcnemar

    votes = np.mean(correct, axis=0) - np.mean(correct_against, axis=0)
    better, worse = int((votes > 0).sum()), int((votes < 0).sum())
    test = (
        ONE_SEED_EACH
        if len(correct) == len(correct_against) == 1
        else ("McNemar's exact test on each image's vote over the seeds")
    )
    row = {
        "test": test,
        "covers": IMAGES,
        "images": better + worse,
        "difference": float(votes.mean()),
    }
    if better + worse == 0:
        return row | {"cannot_judge": "the two agree on every test image"}
    if np.all(np.isin(votes, (-1, 0, 1))):
        won = stats.binomtest(better, better + worse).proportion_ci(CONFIDENCE, method="exact")
        disagreeing = (better + worse) / len(votes)
        interval = [disagreeing * (2 * share - 1) for share in (won.low, won.high)]
    else:
        interval = stats.ttest_1samp(votes, 0.0).confidence_interval(CONFIDENCE)
    result = mcnemar([[0, better], [worse, 0]], exact=True)
    return row | {
        "ci_low": float(interval[0]),
        "ci_high": float(interval[1]),
        "p_value": float(result.pvalue),
        "detail": (
            f"right on {better} images where the other is wrong, wrong on {worse} where it is right"
            if test == ONE_SEED_EACH
            else f"more of its seeds right on {better} images, fewer on {worse}"
        ),
    }


def images_against_number(correct, value: float) -> dict:
    """One variant's test accuracy against ``value``: the exact binomial test of each
    seed's correct count, with its Clopper-Pearson interval. With several seeds (which
    share the test images, so their counts are not independent) it is their
    intersection-union test (Berger 1982): the claim holds on the images only where
    every seed's test does, so the p-value is the largest seed's, and 1 where the seeds
    fall on both sides; the interval spans the seeds' intervals."""
    from scipy import stats

    results = [stats.binomtest(int(sum(seed)), len(seed), value) for seed in correct]
    intervals = [result.proportion_ci(CONFIDENCE, method="exact") for result in results]
    accuracies = [result.statistic for result in results]
    one_side = all(accuracy > value for accuracy in accuracies) or all(
        accuracy < value for accuracy in accuracies
    )
    test = (
        "exact binomial test"
        if len(results) == 1
        else "exact binomial test of every seed (intersection-union)"
    )
    return {
        "test": test,
        "covers": IMAGES,
        "images": len(correct[0]),
        "difference": mean(accuracies) - value,
        "ci_low": min(interval.low for interval in intervals) - value,
        "ci_high": max(interval.high for interval in intervals) - value,
        "p_value": float(max(result.pvalue for result in results)) if one_side else 1.0,
    }


def seeds_against_seeds(sample: dict, against: dict) -> dict:
    """Per-seed numbers of two variants (seed -> number). Paired by seed when both have
    the same seeds: variants trained with one seed see the same batches in the same
    order. Welch's t otherwise."""
    from scipy import stats

    paired = sample.keys() == against.keys()
    if paired:
        seeds = sorted(sample)
        differences = [sample[seed] - against[seed] for seed in seeds]
        row = {
            "test": "t test paired by seed",
            "covers": SEEDS,
            "difference": sum(differences) / len(differences),
        }
        if agree_to_rounding(differences):
            return row | no_spread(f"the {len(seeds)} seeds' differences agree to rounding")
        result = stats.ttest_rel(
            [sample[seed] for seed in seeds], [against[seed] for seed in seeds]
        )
    else:
        row = {
            "test": "Welch's t test (the variants' seeds differ)",
            "covers": SEEDS,
            "difference": mean(sample.values()) - mean(against.values()),
        }
        if agree_to_rounding(sample.values()) and agree_to_rounding(against.values()):
            return row | no_spread("each variant's seeds agree to rounding")
        result = stats.ttest_ind(list(sample.values()), list(against.values()), equal_var=False)
    interval = result.confidence_interval(CONFIDENCE)
    return row | {
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
        "p_value": float(result.pvalue),
    }


def seeds_against_number(sample: dict, value: float) -> dict:
    """Per-seed numbers of one variant against ``value``: the one-sample t test."""
    from scipy import stats

    row = {
        "test": "one-sample t test",
        "covers": SEEDS,
        "difference": mean(sample.values()) - value,
    }
    if agree_to_rounding(sample.values()):
        return row | no_spread(f"the {len(sample)} seeds agree to rounding")
    result = stats.ttest_1samp(list(sample.values()), value)
    interval = result.confidence_interval(CONFIDENCE)
    return row | {
        "ci_low": float(interval.low) - value,
        "ci_high": float(interval.high) - value,
        "p_value": float(result.pvalue),
    }


def no_spread(why: str) -> dict:
    """A seeds' test that cannot judge because the seeds did not vary: it weighs
    neither for nor against the claim (``no_spread``), where its other tests may."""
    return {"cannot_judge": f"no seed-to-seed spread: {why}", "no_spread": True}


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of one family's p-values (statsmodels)."""
    from statsmodels.stats.multitest import multipletests

    if not p_values:
        return []
    return [float(p) for p in multipletests(p_values, method="holm")[1]]


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else math.nan
