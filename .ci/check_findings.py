"""The study's findings, checked on what a run of the workflow wrote.

Usage: .venv/bin/python .ci/check_findings.py [--configfile FILE ...] [--results DIR]

The config is config/config.yaml with the given files merged on top, as snakemake
--configfile merges them (CI: config/ci.yaml .ci/mirrors.yaml). For each of its
data.datasets this reads the workflow's own outputs under results/ (default: this
clone's) and recomputes nothing, so a bug in them cannot hide: histories.csv (every
variant trained training.epochs epochs) and findings.csv (every finding that the config
declares for the dataset is there). Each finding that the config's
``required_findings`` names must be ``holds``; any other finding fails only where the
run contradicts it, and one whose evidence is inconclusive is printed with its reason,
without failing. A finding added in YAML is checked with no change here. Prints every
finding with its verdict and numbers; exits 1 naming each that failed.
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
        sys.exit(
            f"check_findings: {path} is missing; run the workflow first, with the same "
            "config: .venv/bin/snakemake --cores 2 --configfile ..."
        )
    return path


def checks(config: dict, results: Path, dataset: str):
    """(name, passed, numbers) for every check on this dataset."""
    histories = pd.read_csv(existing(results / dataset / "histories.csv"))
    variants = [variant["name"] for variant in config["variants"]]
    epochs = config["training"]["epochs"]
    trained = histories.groupby("variant")["epoch"].nunique().reindex(variants, fill_value=0)
    yield (
        f"every variant trained for {epochs} epochs",
        bool((trained == epochs).all()),
        ", ".join(f"{variant} {count}" for variant, count in trained.items()),
    )

    table = pd.read_csv(existing(results / dataset / "findings.csv"))
    declared = [finding["name"] for finding in applying(config.get("findings", []), dataset)]
    written = list(dict.fromkeys(table["finding"]))
    if written != declared:
        yield (
            "findings.csv has the declared findings",
            False,
            f"declared {declared}, written {written}: run the workflow again with this config",
        )
        return
    required = set(config.get("required_findings", []))
    unknown = sorted(required - {finding["name"] for finding in config.get("findings", [])})
    if unknown:
        yield (
            "required_findings names declared findings",
            False,
            f"{unknown} not under findings:; fix the names in required_findings",
        )
        return
    for name, rows in table.groupby("finding", sort=False):
        first = rows.iloc[0]
        state = first["verdict"]
        passed = state == "holds" if name in required else state != "contradicted"
        label = f"{name}{' (required)' if name in required else ''}: {state}: {first['sentence']}"
        numbers = "; ".join(
            f"{row.check} [{row.covers}]: {row.value:.4g} vs {row.against_value:.4g}: "
            f"{row.check_verdict}: {row.reason}"
            for row in rows.itertuples()
        )
        yield label, passed, numbers


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--configfile", nargs="*", default=[], help="config overlays, as snakemake's"
    )
    parser.add_argument("--results", type=Path, default=REPO / "results")
    arguments = parser.parse_args(argv)
    config = merged_config(REPO, arguments.configfile)
    datasets = config["data"]["datasets"]
    failed, inconclusive = [], []
    for dataset in datasets:
        for name, passed, numbers in checks(config, arguments.results, dataset):
            print(f"{'ok  ' if passed else 'FAIL'} {dataset}: {name}: {numbers}")
            if not passed:
                failed.append(f"{dataset}: {name} ({numbers})")
            elif ": inconclusive: " in name:
                inconclusive.append(f"{dataset}: {name}")
    if inconclusive:
        print(
            "check_findings: inconclusive here (not required; their reasons above):\n  "
            + "\n  ".join(inconclusive)
        )
    if failed:
        print(
            "check_findings: the run does not support the declared findings:\n  "
            + "\n  ".join(failed),
            file=sys.stderr,
        )
        return 1
    print(
        f"check_findings: every required finding holds and none is contradicted on "
        f"{', '.join(datasets)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
