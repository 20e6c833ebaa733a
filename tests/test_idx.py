"""The IDX files of MNIST: read and written byte for byte, malformed ones refused
naming the file, and normalize's arrays checked against the configured counts and
hashes before anything is written."""

import gzip
import hashlib
import struct

import numpy as np
import pytest
from tinydata import write_tiny_dataset

from ablation.datasets import FILE_NAMES
from ablation.idx import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    IdxError,
    encode_idx,
    parse_idx,
    read_images,
    read_labels,
)
from ablation.integrity import DamagedOutput
from ablation.splits import load_split, normalize


def test_roundtrip_of_images_and_labels():
    images = np.arange(2 * 28 * 28, dtype=np.uint64).reshape(2, 28, 28).astype(np.uint8)
    labels = np.array([3, 9], dtype=np.uint8)
    assert np.array_equal(read_images(encode_idx(images), "x"), images)
    assert np.array_equal(read_labels(encode_idx(labels), "y"), labels)


def test_header_is_big_endian_with_the_canonical_magic():
    raw = encode_idx(np.zeros((5, 28, 28), dtype=np.uint8))
    assert struct.unpack(">4I", raw[:16]) == (IMAGES_MAGIC, 5, 28, 28)
    assert struct.unpack(">2I", encode_idx(np.zeros(7, np.uint8))[:8]) == (LABELS_MAGIC, 7)


@pytest.mark.parametrize(
    "raw, reader, message",
    [
        (encode_idx(np.zeros(4, np.uint8)), read_images, "magic number 2049, expected 2051"),
        (
            encode_idx(np.zeros((2, 28, 28), np.uint8)),
            read_labels,
            "magic number 2051, expected 2049",
        ),
        (
            encode_idx(np.zeros((2, 32, 32), np.uint8)),
            read_images,
            "images are 32x32, expected 28x28",
        ),
        (encode_idx(np.zeros((2, 28, 28), np.uint8))[:-5], read_images, "payload has 1563 bytes"),
        (encode_idx(np.zeros((2, 28, 28), np.uint8)) + b"x", read_images, "payload has 1569 bytes"),
        (encode_idx(np.zeros((2, 28, 28), np.uint8))[:10], read_images, "truncated header"),
        (b"\x00\x00", read_labels, "too short"),
        (encode_idx(np.array([1, 10], np.uint8)), read_labels, "label 10 found"),
    ],
)
def test_malformed_files_are_rejected_naming_the_file(raw, reader, message):
    with pytest.raises(IdxError, match=message) as error:
        reader(raw, "some/file-idx")
    assert str(error.value).startswith("some/file-idx")


def test_gzipped_raw_bytes_are_not_mistaken_for_idx():
    compressed = gzip.compress(encode_idx(np.zeros(3, np.uint8)))
    with pytest.raises(IdxError, match="was it decompressed"):
        parse_idx(compressed, "labels.gz", LABELS_MAGIC)


def normalize_into(directory, sha256, tmp_path, train_size=300, test_size=120):
    outputs = {"train": tmp_path / "out" / "train.npz", "test": tmp_path / "out" / "test.npz"}
    normalize(
        {name: directory / f"{name}.gz" for name in FILE_NAMES},
        sha256,
        {"train": train_size, "test": test_size},
        10,
        outputs,
    )
    return outputs


def test_normalize_writes_float32_in_unit_range_with_a_channel_axis(tiny_dataset, tmp_path):
    directory, sha256 = tiny_dataset
    outputs = normalize_into(directory, sha256, tmp_path)
    images, labels = load_split(outputs["train"])
    assert images.shape == (300, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() == 1.0
    assert labels.shape == (300,) and set(labels) == set(range(10))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["test.npz", "train.npz"]


def test_image_and_label_counts_must_agree_and_nothing_is_written(tmp_path):
    directory = tmp_path / "data"
    sha256 = write_tiny_dataset(directory)
    labels = gzip.decompress((directory / "train-labels-idx1-ubyte.gz").read_bytes())
    shorter = encode_idx(np.frombuffer(labels[8:-10], np.uint8))
    (directory / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(shorter))
    sha256["train-labels-idx1-ubyte"] = hashlib.sha256(shorter).hexdigest()
    with pytest.raises(IdxError, match="300 images but .* 290 labels"):
        normalize_into(directory, sha256, tmp_path)
    assert not (tmp_path / "out").exists()


def test_count_must_match_the_configured_size(tiny_dataset, tmp_path):
    directory, sha256 = tiny_dataset
    with pytest.raises(IdxError, match="holds 300 images, expected 60000"):
        normalize_into(directory, sha256, tmp_path, train_size=60000)


def test_a_file_changed_after_download_is_caught_when_read(tiny_dataset, tmp_path):
    directory, sha256 = tiny_dataset
    sha256 = sha256 | {"t10k-images-idx3-ubyte": "0" * 64}
    with pytest.raises(DamagedOutput, match="expected 0000.*Delete .*t10k-images"):
        normalize_into(directory, sha256, tmp_path)
    assert not (tmp_path / "out").exists()
