"""Get a verified dataset file: from the local data folder, or from a list of mirrors.

The local data folder (``resources/<dataset>/``) belongs to the user: files
placed there by hand, copied from another checkout or left by an earlier
download are used as they are, and nothing here ever deletes or overwrites
one. It is never an output of a Snakemake job either, so no rerun, ``--forceall``
or failed job can remove it. A missing file is downloaded into it.

A mirror is an http(s) URL, a file:// URL or a local directory. Each file is
checked the way it will be used: gunzipped, then its SHA-256 compared with the
pinned value. Only then is it renamed into place, so a killed or failed
download never leaves a file that a later run would trust.
"""

import http.client
import logging
import time
import urllib.error
import urllib.request
from pathlib import Path

from ablation.files import replaced
from ablation.integrity import ChecksumMismatch, NotGzip, decompress_verified

log = logging.getLogger(__name__)


class DownloadError(RuntimeError):
    pass


class PlacedFileRejected(ValueError):
    """A file in the local data folder is not the pinned one; it is left where it is."""


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
    # A download killed while writing leaves <name>.<pid>.part: never read, cleared here.
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
            with replaced(destination, clobber=False) as partial:
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


def fetch(
    filename: str,
    local_dir,
    mirrors: list[str],
    expected_sha256: str,
    pin_key: str,
    destination,
    retries: int = 2,
) -> None:
    """Write the verified ``filename`` to ``destination``, taking it from ``local_dir``.

    A file missing from ``local_dir`` is downloaded there first. A file there
    that is not the pinned one stops the job and stays as it is.
    """
    local = Path(local_dir) / filename
    if local.exists():
        log.info("using the local copy %s (no download)", local)
    else:
        download_verified(filename, mirrors, expected_sha256, local, retries)
    compressed = local.read_bytes()
    try:
        decompress_verified(compressed, str(local), expected_sha256)
    except (ValueError, OSError) as error:
        raise PlacedFileRejected(
            f"{error}. The file was left as it is. If it is an old or damaged copy, "
            f"move it away (mv {local} {local}.rejected) and rerun to download the "
            f"pinned file; if the pin is what is wrong, correct config key {pin_key}."
        ) from None
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with replaced(destination) as partial:
        partial.write_bytes(compressed)
