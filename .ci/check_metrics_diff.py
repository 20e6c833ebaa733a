"""The metrics diff of a real-data run, printed, and CI failed on a number that moved.

Usage: .venv/bin/python .ci/check_metrics_diff.py [--results DIR] [DATASET ...]
       .venv/bin/python .ci/check_metrics_diff.py --update [DATASET ...]
(default: results/, mnist fashion_mnist)

Run after `snakemake --configfile config/ci.yaml`, whose reference: section makes
rule metrics_diff write results/<dataset>/metrics_diff.{md,csv}: this run's summary
against config/reference/ci-summary.csv, within the tolerance config/ci.yaml states
per number (and per variant, where a variant has its own). Prints each dataset's
Markdown table; exits 1 naming each variant and number whose status is not ok (beyond
tolerance, no reference, not in this run).

--update, for a change meant to move the numbers: replace those datasets' rows of the
reference table (the columns it has) by this run's summary.csv, to commit with the change.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]


def check(results: Path, datasets: list[str]) -> int:
    failed = []
    for dataset in datasets:
        folder = results / dataset
        if not (folder / "metrics_diff.csv").is_file():
            sys.exit(
                f"check_metrics_diff: {folder / 'metrics_diff.csv'} is missing; run the "
                "workflow first: .venv/bin/snakemake --cores 2 --configfile config/ci.yaml"
            )
        print((folder / "metrics_diff.md").read_text())
        table = pd.read_csv(folder / "metrics_diff.csv")
        for row in table[table["status"] != "ok"].itertuples(index=False):
            failed.append(
                f"{dataset} {row.variant} {row.metric}: {row.status} "
                f"(this run {row.run}, reference {row.reference}, "
                f"tolerance {row.tolerance})"
            )
    for line in failed:
        print(f"FAIL {line}")
    if failed:
        print(
            f"check_metrics_diff: {len(failed)} number(s) moved. If the change is meant, "
            "write this run's numbers into the reference table and commit it with the "
            "change: .venv/bin/python .ci/check_metrics_diff.py --update. If nothing "
            "changed but the machine (another CPU kind sums in another order), do not "
            "update: measure how far that variant moves across CPU kinds and give it its "
            "own tolerance (reference.tolerance_by_variant in config/ci.yaml; "
            "docs/development.md#the-metrics-diff)"
        )
        return 1
    print("check_metrics_diff: every number within its tolerance")
    return 0


def update(results: Path, datasets: list[str], reference: Path) -> int:
    table = pd.read_csv(reference)
    runs = []
    for dataset in datasets:
        summary = results / dataset / "summary.csv"
        if not summary.is_file():
            sys.exit(
                f"check_metrics_diff: {summary} is missing; run the workflow first: "
                ".venv/bin/snakemake --cores 2 --configfile config/ci.yaml"
            )
        runs.append(pd.read_csv(summary)[table.columns])
    kept = table[~table["dataset"].isin(datasets)]
    pd.concat([kept, *runs]).to_csv(reference, index=False)
    print(f"check_metrics_diff: wrote the rows of {', '.join(datasets)} into {reference}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--update", action="store_true")
    parser.add_argument(
        "--reference",
        type=Path,
        help="the table --update writes (default: config/ci.yaml's reference.summary)",
    )
    parser.add_argument("datasets", nargs="*", default=["mnist", "fashion_mnist"])
    arguments = parser.parse_args()
    if not arguments.update:
        return check(arguments.results, arguments.datasets)
    reference = (
        arguments.reference
        or ROOT / yaml.safe_load((ROOT / "config" / "ci.yaml").read_text())["reference"]["summary"]
    )
    return update(arguments.results, arguments.datasets, reference)


if __name__ == "__main__":
    sys.exit(main())
