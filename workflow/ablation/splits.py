"""A dataset's splits as arrays: from verified IDX files to normalized arrays, and
back into memory for training."""

from pathlib import Path

import numpy as np

from ablation.datasets import SPLIT_FILES
from ablation.files import replaced
from ablation.idx import IdxError, read_images, read_labels
from ablation.integrity import read_verified


def read_idx_split(
    images_gz,
    labels_gz,
    sha256_by_file: dict[str, str],
    expected_count: int,
    num_classes: int,
):
    """Verified uint8 images (N×28×28) and labels (N) of one split."""
    images_name, labels_name = Path(images_gz).name, Path(labels_gz).name
    images = read_images(
        read_verified(images_gz, sha256_by_file[images_name.removesuffix(".gz")]),
        str(images_gz),
    )
    labels = read_labels(
        read_verified(labels_gz, sha256_by_file[labels_name.removesuffix(".gz")]),
        str(labels_gz),
        num_classes,
    )
    if len(images) != len(labels):
        raise IdxError(
            f"{images_gz} holds {len(images)} images but {labels_gz} holds "
            f"{len(labels)} labels; they must agree"
        )
    if len(images) != expected_count:
        raise IdxError(
            f"{images_gz} holds {len(images)} images, expected {expected_count} "
            "(the dataset's size in config)"
        )
    return images, labels


def save_split(path, images_uint8: np.ndarray, labels: np.ndarray) -> None:
    """Write float32 images in [0, 1] with a trailing channel axis, atomically."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with replaced(path) as partial, open(partial, "wb") as handle:
        np.savez(
            handle,
            images=(images_uint8.astype(np.float32) / 255.0)[..., np.newaxis],
            labels=labels.astype(np.uint8),
        )


def normalize(gz_paths: dict[str, str], sha256_by_file, sizes, num_classes: int, outputs) -> None:
    """Parse and check all four files first, then write ``outputs[split]`` for each split.

    ``gz_paths`` maps the IDX file names to their ``.gz`` paths; ``sizes`` and
    ``outputs`` map split names to expected counts and output paths.
    """
    splits = {
        split: read_idx_split(
            gz_paths[images],
            gz_paths[labels],
            sha256_by_file,
            sizes[split],
            num_classes,
        )
        for split, (images, labels) in SPLIT_FILES.items()
    }
    for split, (images, labels) in splits.items():
        save_split(outputs[split], images, labels)


def load_split(path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path, allow_pickle=False) as arrays:
        return arrays["images"], arrays["labels"]


def load_split_as_pixels(path, limit: int | None = None):
    """The normalized images back as exact uint8 (N×28×28×1) and the labels.

    Converted in chunks, so that the float32 array is never held twice.
    """
    images, labels = load_split(path)
    images, labels = images[:limit], labels[:limit]
    pixels = np.empty(images.shape, dtype=np.uint8)
    for start in range(0, len(images), 8192):
        pixels[start : start + 8192] = np.rint(images[start : start + 8192] * 255.0)
    return pixels, labels
