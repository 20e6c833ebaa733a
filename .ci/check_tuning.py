"""The learning-rate sweep's outputs, checked after `snakemake tuning`.

Usage: .venv/bin/python .ci/check_tuning.py [--configfile FILE ...] [--results DIR] [--report FILE]

The config is config/config.yaml with the given files merged on top, as snakemake
--configfile merges them (CI: config/ci.yaml .ci/mirrors.yaml config/ci-tuning.yaml);
the variants, rates and findings to expect come from it. With --report, that HTML
report must exist too. Exits 1 naming each missing file or table that lacks its rows.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from ablation.config import merged_config  # noqa: E402
from ablation.findings import applying  # noqa: E402

SETTINGS = ["default", "tuned"]


def problems(config: dict, tuning: Path, dataset: str):
    files = [tuning / f"{table}.csv" for table in ("sweep", "selected", "comparisons", "findings")]
    files += [
        tuning / "figures" / f"{figure}.{extension}"
        for figure in ("learning_rate_sweep", "loss_at_selected_rates")
        for extension in ("png", "svg")
    ]
    missing = [f"{path} is missing" for path in files if not path.is_file()]
    if missing:
        return missing
    variants = [variant["name"] for variant in config["variants"]]
    # The sweep always includes the study's own rate (workflow/rules/tuning.smk).
    rates = sorted(set(config["tuning"]["learning_rates"]) | {config["training"]["learning_rate"]})
    found = []
    sweep = pd.read_csv(tuning / "sweep.csv")
    points = sorted(zip(sweep["variant"], sweep["learning_rate"]))
    if points != sorted((v, r) for v in variants for r in rates):
        found.append(
            f"{dataset} sweep.csv has the points {points}, expected every variant at {rates}"
        )
    selected = pd.read_csv(tuning / "selected.csv")
    if selected["variant"].tolist() != variants or not selected["learning_rate"].isin(rates).all():
        found.append(
            f"{dataset} selected.csv does not pick one swept rate per variant:\n{selected}"
        )
    findings = pd.read_csv(tuning / "findings.csv")
    declared = [finding["name"] for finding in applying(config.get("findings", []), dataset)]
    written = findings[["finding", "setting"]].drop_duplicates().values.tolist()
    expected = [[name, setting] for name in declared for setting in SETTINGS]
    if written != expected:
        found.append(f"{dataset} findings.csv has the rows {written}, expected {expected}")
    else:
        print(
            findings[
                [
                    "finding",
                    "setting",
                    "verdict",
                    "check",
                    "check_verdict",
                    "learning_rate",
                    "value",
                    "against_value",
                    "grid_edge",
                ]
            ].to_string(index=False)
        )
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configfile", nargs="*", default=[], help="config overlays, as snakemake's"
    )
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--report", type=Path, help="the sweep's HTML report, which must exist")
    arguments = parser.parse_args(argv)
    config = merged_config(REPO, arguments.configfile)
    failed = []
    if arguments.report and not arguments.report.is_file():
        failed.append(f"{arguments.report} is missing")
    for dataset in config["data"]["datasets"]:
        failed += problems(config, arguments.results / dataset / "tuning", dataset)
    for problem in failed:
        print(f"check_tuning: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
