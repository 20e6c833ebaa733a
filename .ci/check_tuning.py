"""The learning-rate sweep's outputs, checked after `snakemake tuning` with config/ci-tuning.yaml.

Usage: .venv/bin/python .ci/check_tuning.py
Exits 1 naming each missing file or table that lacks its rows.
"""

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TUNING = ROOT / "results" / "mnist" / "tuning"
VARIANTS = ["v1_sigmoid", "v2_relu", "v3_no_pooling", "v4_no_conv"]
RATES = [0.0001, 0.001, 0.01]  # tuning.learning_rates in config/ci-tuning.yaml
FINDINGS = ["relu_converges_faster", "no_pooling_barely_learns", "no_conv_learns_slowly"]


def problems():
    files = [TUNING / f"{table}.csv" for table in ("sweep", "selected", "comparisons", "findings")]
    files += [TUNING / "figures" / f"{figure}.{extension}"
              for figure in ("learning_rate_sweep", "loss_at_selected_rates")
              for extension in ("png", "svg")]
    files.append(ROOT / "results" / "tuning-report.html")
    missing = [f"{path} is missing" for path in files if not path.is_file()]
    if missing:
        return missing
    found = []
    sweep = pd.read_csv(TUNING / "sweep.csv")
    points = sorted(zip(sweep["variant"], sweep["learning_rate"]))
    if points != sorted((v, r) for v in VARIANTS for r in RATES):
        found.append(f"sweep.csv has the points {points}, expected every variant at {RATES}")
    selected = pd.read_csv(TUNING / "selected.csv")
    if selected["variant"].tolist() != VARIANTS or not selected["learning_rate"].isin(RATES).all():
        found.append(f"selected.csv does not pick one swept rate per variant:\n{selected}")
    findings = pd.read_csv(TUNING / "findings.csv")
    expected = [[finding, setting] for finding in FINDINGS for setting in ("default", "tuned")]
    if findings[["finding", "setting"]].values.tolist() != expected:
        found.append(f"findings.csv lacks rows: expected {expected}")
    else:
        print(findings[["finding", "setting", "holds", "learning_rate", "test_accuracy_mean",
                        "reference_test_accuracy_mean"]].to_string(index=False))
    return found


if __name__ == "__main__":
    failed = problems()
    for problem in failed:
        print(f"check_tuning: {problem}", file=sys.stderr)
    sys.exit(1 if failed else 0)
