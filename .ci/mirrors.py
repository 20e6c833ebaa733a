"""Writes .ci/mirrors.yaml, the config overlay that points CI's real-data run at the
local copies of the real datasets this machine has. Committed configs name no path
outside the repository (they must work in any clone); CI's local copies are a fact
about CI's machine, so they are found here, at run time.

Usage: .venv/bin/python .ci/mirrors.py [DATASET ...]   (default: mnist fashion_mnist)
then:  snakemake --configfile config/ci.yaml .ci/mirrors.yaml

- MNIST: ../shared/data/mnist beside the clone (this project's CI places a read-only
  copy of shared/ there);
- Fashion-MNIST: /usr/share/datasets/fashion-mnist (Debian's and Ubuntu's
  dataset-fashion-mnist package).
A dataset without its local copy keeps the default https mirrors of config/config.yaml,
and this script says so. The overlay also sets data.datasets to the datasets given.
"""

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
OVERLAY = REPO / ".ci" / "mirrors.yaml"
LOCAL_COPIES = {
    "mnist": REPO.parent / "shared" / "data" / "mnist",
    "fashion_mnist": Path("/usr/share/datasets/fashion-mnist"),
}


def main(datasets: list[str]) -> None:
    unknown = sorted(set(datasets) - LOCAL_COPIES.keys())
    if unknown:
        sys.exit(f"mirrors.py: unknown dataset(s) {unknown}; known: {sorted(LOCAL_COPIES)}")
    sources = {}
    for dataset in datasets:
        local = LOCAL_COPIES[dataset]
        if local.is_dir():
            sources[dataset] = {"mirrors": [str(local.resolve())]}
            print(f"mirrors.py: {dataset} from the local copy {local.resolve()}")
        else:
            print(
                f"mirrors.py: {dataset}: no local copy at {local}; "
                "from the default https mirrors of config/config.yaml (needs the internet)"
            )
    overlay = {"data": {"datasets": datasets, **({"sources": sources} if sources else {})}}
    OVERLAY.write_text(yaml.safe_dump(overlay, sort_keys=False))
    print(f"mirrors.py: wrote {OVERLAY.relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["mnist", "fashion_mnist"])
