"""The files an MNIST-style dataset consists of, its images' shape, and one digest
naming its content.

Kept free of heavy imports: Snakemake's DAG check imports this module.
"""

import hashlib
from pathlib import Path

# Per split: (images, labels), as named at the mirrors (plus ".gz").
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FILE_NAMES = [name for pair in SPLIT_FILES.values() for name in pair]
# Height, width and channels of the images of every MNIST-style dataset.
IMAGE_SHAPE = (28, 28, 1)


def dataset_digest(sha256_by_file: dict[str, str]) -> str:
    """A hash of the pinned per-file hashes of the decompressed files."""
    lines = "".join(f"{name} {sha256_by_file[name]}\n" for name in sorted(FILE_NAMES))
    return hashlib.sha256(lines.encode()).hexdigest()


def local_data_dir(dataset: str) -> Path:
    """The user's folder of a dataset's .gz files: read first, downloaded into when
    a file is missing, never written over or deleted by the workflow."""
    return Path("resources", dataset)
