"""Checking that a file is what it should be, before anything trusts it.

Dataset files are checked against the pinned SHA-256 of their decompressed
content. Workflow outputs are checked against the SHA-256 that the job that
wrote them recorded: outputs restored from the shared output cache are
symlinks into it, and a cache on a shared disk meets torn writes and bit rot.
"""

import gzip
import hashlib
import json
import os
import zlib
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
# Snakemake names cache entries <64-hex provenance hash>[_<output name>]<suffix>.
CACHE_HASH_LENGTH = 64
RESULTS = "results"  # jobs run in the workflow's working directory


class ChecksumMismatch(ValueError):
    """The content is well-formed but not the pinned file: retrying cannot help."""


class NotGzip(ValueError):
    """Something other than a gzip file (say, an HTML error page)."""


class DamagedOutput(RuntimeError):
    """An output no longer has the bytes that the job which wrote it recorded."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decompress_verified(compressed: bytes, name: str, expected_sha256: str) -> bytes:
    """Gunzip ``compressed`` and check it against the pinned SHA-256."""
    if not compressed.startswith(GZIP_MAGIC):
        start = compressed[:60].decode("latin-1").strip()
        raise NotGzip(f"{name}: not a gzip/IDX file (starts with {start!r})")
    try:
        raw = gzip.decompress(compressed)
    except (EOFError, OSError, zlib.error) as error:
        raise OSError(f"{name}: corrupt or truncated gzip data ({error})") from error
    actual = sha256_hex(raw)
    if actual != expected_sha256:
        raise ChecksumMismatch(
            f"{name}: SHA-256 of the decompressed file is {actual}, expected {expected_sha256}"
        )
    return raw


def how_to_replace(path) -> str:
    """What to do about a damaged output: it may be a link into the shared cache."""
    path = Path(path)
    if not path.is_symlink():
        return f"Delete {path} and rerun: the job that makes it runs again."
    entry = Path(os.path.realpath(path))
    entries = str(entry.with_name(entry.name[:CACHE_HASH_LENGTH]))
    # The job's other outputs link to the same entry; Snakemake refuses dangling links.
    links = sorted(
        str(link)
        for link in Path(RESULTS).rglob("*")
        if link.is_symlink() and os.path.realpath(link).startswith(entries)
    )
    return (
        f"It is a link to the shared cache entry {entry}. Remove that job's cache "
        f"entries and the links to them (rm -f {entries}* {' '.join(links)}) and rerun: "
        "the job that makes it runs again."
    )


def read_verified(path, expected_sha256: str) -> bytes:
    """The decompressed, verified content of a ``.gz`` file that the workflow made."""
    try:
        return decompress_verified(Path(path).read_bytes(), str(path), expected_sha256)
    except (ValueError, OSError) as error:
        raise DamagedOutput(f"{error}. {how_to_replace(path)}") from error


def verify_recorded(path, expected_sha256: str, recorded_in) -> None:
    """Raise DamagedOutput unless ``path`` has the SHA-256 recorded in ``recorded_in``."""
    try:
        actual = file_sha256(path)
    except OSError as error:
        raise DamagedOutput(f"{path}: cannot be read ({error}). {how_to_replace(path)}") from error
    if actual != expected_sha256:
        raise DamagedOutput(
            f"{path} is damaged: its SHA-256 is {actual}, but the job that wrote it "
            f"recorded {expected_sha256} in {recorded_in}. {how_to_replace(path)}"
        )


def read_record(path) -> dict:
    """A JSON file that records digests, refused with advice when it is damaged itself."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise DamagedOutput(
            f"{path}: not a readable JSON record ({error}). {how_to_replace(path)}"
        ) from error


def outputs_digests(paths: dict) -> dict[str, str]:
    """SHA-256 of each named output, for the record that later jobs check them against."""
    return {name: file_sha256(path) for name, path in paths.items()}


def verified_record(record_path, files: dict) -> dict:
    """The JSON record at ``record_path``, after checking each of ``files`` (name -> path)
    against the SHA-256 recorded for it under ``sha256``."""
    record = read_record(record_path)
    for name, path in files.items():
        verify_recorded(path, record["sha256"][name], record_path)
    return record
