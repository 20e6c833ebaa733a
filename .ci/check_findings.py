"""The study's findings, checked on what a run of the workflow wrote.

Usage: .venv/bin/python .ci/check_findings.py [--configfile FILE ...] [--results DIR]

The config is config/config.yaml with the given files merged on top, as snakemake
--configfile merges them (CI: config/ci.yaml .ci/mirrors.yaml). For each of its
data.datasets this reads the workflow's own outputs under results/ (default: this
clone's) and recomputes nothing, so a bug in them cannot hide: histories.csv (every
variant trained training.epochs epochs) and findings.csv (every finding that the config
declares for the dataset is there, was evaluated, and holds). A finding added in YAML
is checked with no change here. Prints every finding with its numbers; exits 1
naming each that failed.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from ablation.config import merged_config  # noqa: E402
from ablation.findings import applying  # noqa: E402


def existing(path: Path) -> Path:
    if not path.is_file():
        sys.exit(f"check_findings: {path} is missing; run the workflow first, with the same "
                 "config: .venv/bin/snakemake --cores 2 --configfile ...")
    return path


def checks(config: dict, results: Path, dataset: str):
    """(name, passed, numbers) for every check on this dataset."""
    histories = pd.read_csv(existing(results / dataset / "histories.csv"))
    variants = [variant["name"] for variant in config["variants"]]
    epochs = config["training"]["epochs"]
    trained = histories.groupby("variant")["epoch"].nunique().reindex(variants, fill_value=0)
    yield (f"every variant trained for {epochs} epochs", bool((trained == epochs).all()),
           ", ".join(f"{variant} {count}" for variant, count in trained.items()))

    table = pd.read_csv(existing(results / dataset / "findings.csv"))
    declared = [finding["name"] for finding in applying(config.get("findings", []), dataset)]
    written = list(dict.fromkeys(table["finding"]))
    if written != declared:
        yield ("findings.csv has the declared findings", False,
               f"declared {declared}, written {written}: run the workflow again with this config")
        return
    for name, rows in table.groupby("finding", sort=False):
        first = rows.iloc[0]
        if pd.isna(first["holds"]):
            yield f"{name}: {first['sentence']}", False, first["note"]
            continue
        numbers = "; ".join(
            f"{row.check}: {row.value:.4g} vs {row.against_value:.4g} ({row.decided_by})"
            for row in rows.itertuples())
        yield f"{name}: {first['sentence']}", str(first["holds"]) == "True", numbers


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", nargs="*", default=[], help="config overlays, as snakemake's")
    parser.add_argument("--results", type=Path, default=REPO / "results")
    arguments = parser.parse_args(argv)
    config = merged_config(REPO, arguments.configfile)
    datasets = config["data"]["datasets"]
    failed = []
    for dataset in datasets:
        for name, passed, numbers in checks(config, arguments.results, dataset):
            print(f"{'ok  ' if passed else 'FAIL'} {dataset}: {name}: {numbers}")
            if not passed:
                failed.append(f"{dataset}: {name} ({numbers})")
    if failed:
        print("check_findings: the run contradicts the declared findings:\n  " + "\n  ".join(failed),
              file=sys.stderr)
        return 1
    print(f"check_findings: every finding holds on {', '.join(datasets)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
