"""Fetch dataset files from a list of mirrors and keep only verified copies.

A mirror is an http(s) URL, a file:// URL or a local directory. Each file is
checked the way it will be used: gunzipped, then its SHA-256 compared with the
pinned value. Only then is it renamed into place, so a killed or failed
download never leaves a file that a later run would trust.
"""

import gzip
import hashlib
import http.client
import logging
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from ablation.files import replaced

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"


class DownloadError(RuntimeError):
    pass


class ChecksumMismatch(ValueError):
    """The content is well-formed but not the pinned file: retrying cannot help."""


class NotGzip(ValueError):
    """The mirror answered with something other than a gzip file (say, an HTML page)."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
            f"{name}: SHA-256 of the decompressed file is {actual}, "
            f"expected {expected_sha256}"
        )
    return raw


def read_verified(path, expected_sha256: str) -> bytes:
    """The decompressed, verified content of a local ``.gz`` file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: missing. Run the download rule, or copy the file there "
            "from a local copy of the dataset."
        )
    try:
        return decompress_verified(path.read_bytes(), str(path), expected_sha256)
    except (ValueError, OSError) as error:
        raise ValueError(
            f"{error}. Delete {path} and rerun to download it again."
        ) from error


def mirror_location(mirror: str, filename: str) -> str:
    if "://" in mirror:
        return mirror.rstrip("/") + "/" + filename
    return str(Path(mirror) / filename)


def fetch_bytes(location: str, timeout: float) -> bytes:
    if "://" not in location:
        return Path(location).read_bytes()
    with urllib.request.urlopen(location, timeout=timeout) as response:
        return response.read()


def is_permanent(error: Exception) -> bool:
    """Errors that the same mirror will answer again: go straight to the next mirror."""
    if isinstance(error, urllib.error.HTTPError):
        return 400 <= error.code < 500
    return isinstance(error, (ChecksumMismatch, NotGzip, FileNotFoundError))


def download_verified(
    filename: str,
    mirrors: list[str],
    expected_sha256: str,
    destination,
    retries: int = 2,
    timeout: float = 60.0,
    backoff_seconds: float = 1.0,
) -> None:
    """Download ``filename`` (e.g. ``train-images-idx3-ubyte.gz``) to ``destination``.

    Mirrors are tried in order; transient failures (server errors, truncated
    bodies, CRC errors, timeouts) are retried ``retries`` times per mirror.
    """
    destination = Path(destination)
    # A process killed while writing leaves <name>.<pid>.part: never read, cleared here.
    for stale in destination.parent.glob(f"{destination.name}.*part"):
        stale.unlink()
    failures = []
    for mirror in mirrors:
        location = mirror_location(mirror, filename)
        for attempt in range(1, retries + 2):
            try:
                log.info("fetching %s (attempt %d)", location, attempt)
                compressed = fetch_bytes(location, timeout)
                decompress_verified(compressed, filename, expected_sha256)
            except (OSError, ValueError, http.client.HTTPException) as error:
                log.warning("%s failed: %s", location, error)
                if is_permanent(error) or attempt > retries:
                    failures.append(f"{location}: {error}")
                    break
                time.sleep(backoff_seconds * attempt)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with replaced(destination) as partial:
                partial.write_bytes(compressed)
            log.info("verified %s -> %s", location, destination)
            return
        if mirror != mirrors[-1]:
            log.warning("falling back to the next mirror after %s", mirror)
    raise DownloadError(
        f"could not download {filename} from any mirror:\n  "
        + "\n  ".join(failures)
        + f"\nTo use a local copy, put {filename} in {destination.parent}/ "
        "(it is verified when read), or list the directory holding it under "
        "this dataset's `mirrors` in config/config.yaml."
    )

