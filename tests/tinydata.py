"""Tiny MNIST-shaped datasets for tests: learnable, generated in milliseconds."""

import gzip
import hashlib
from pathlib import Path

import numpy as np

from ablation.datasets import SPLIT_FILES
from ablation.idx import encode_idx


def write_idx_gz(path, array: np.ndarray) -> None:
    """``array`` as a gzip-compressed IDX file; mtime=0 keeps the bytes reproducible."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(encode_idx(array))


def tiny_images(labels: np.ndarray, rng) -> np.ndarray:
    """Noise plus a bright 6×6 patch whose position encodes the label."""
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.uint8)
    for image, label in zip(images, labels):
        row, column = 2 + (label // 5) * 12, 2 + (label % 5) * 5
        image[row : row + 6, column : column + 6] = 255
    return images


def tiny_split(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of ``count`` examples, the labels 0–9 in turn, as arrays that
    rule normalize's split files hold."""
    labels = (np.arange(count) % 10).astype(np.uint8)
    return tiny_images(labels, np.random.default_rng(seed)), labels


def write_tiny_dataset(directory, n_train: int = 300, n_test: int = 120, seed: int = 0):
    """Write the four .gz IDX files into ``directory``; return their decompressed SHA-256."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sha256 = {}
    for split, count in (("train", n_train), ("test", n_test)):
        labels = (np.arange(count) % 10).astype(np.uint8)
        rng.shuffle(labels)
        images_name, labels_name = SPLIT_FILES[split]
        for name, array in ((images_name, tiny_images(labels, rng)), (labels_name, labels)):
            path = directory / f"{name}.gz"
            write_idx_gz(path, array)
            sha256[name] = hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
    return sha256
