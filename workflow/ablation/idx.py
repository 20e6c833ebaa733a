"""Reading and writing the IDX format that MNIST-style datasets ship in.

Format: a big-endian header (two zero bytes, a type code, the number of dimensions,
then one uint32 per dimension) followed by the raw payload. Only unsigned bytes
(type 0x08) occur in these datasets.
"""

import struct

import numpy as np

from ablation.datasets import IMAGE_SHAPE

UNSIGNED_BYTE = 0x08
IMAGES_MAGIC = 2051  # 0x00000803: uint8, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: uint8, 1 dimension


class IdxError(ValueError):
    """An IDX file that does not hold what its name promises."""


def parse_idx(raw: bytes, name: str, expected_magic: int) -> np.ndarray:
    """Return the array stored in ``raw`` (decompressed IDX bytes).

    ``name`` only serves the error messages, so that they point at the file.
    """
    if len(raw) < 4:
        raise IdxError(f"{name}: {len(raw)} bytes is too short for an IDX header")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic != expected_magic:
        raise IdxError(
            f"{name}: magic number {magic}, expected {expected_magic} "
            f"({'images' if expected_magic == IMAGES_MAGIC else 'labels'}); "
            "is this the right file, and was it decompressed?"
        )
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IdxError(f"{name}: truncated header ({len(raw)} of {header_size} bytes)")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    payload = len(raw) - header_size
    expected_payload = int(np.prod(shape, dtype=np.int64))
    if payload != expected_payload:
        raise IdxError(
            f"{name}: header announces shape {shape} = {expected_payload} bytes "
            f"but the payload has {payload} bytes (truncated or corrupt file)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def read_images(raw: bytes, name: str) -> np.ndarray:
    images = parse_idx(raw, name, IMAGES_MAGIC)
    height, width, _ = IMAGE_SHAPE
    if images.shape[1:] != (height, width):
        raise IdxError(
            f"{name}: images are {images.shape[1]}x{images.shape[2]}, expected {height}x{width}"
        )
    return images


def read_labels(raw: bytes, name: str, num_classes: int = 10) -> np.ndarray:
    labels = parse_idx(raw, name, LABELS_MAGIC)
    if labels.size and labels.max() >= num_classes:
        raise IdxError(f"{name}: label {labels.max()} found, expected labels 0..{num_classes - 1}")
    return labels


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX bytes of a uint8 array (the inverse of ``parse_idx``)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = (UNSIGNED_BYTE << 8) | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + array.tobytes()
