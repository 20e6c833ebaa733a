"""Downloads from the mirrors, against a local HTTP server that misbehaves on purpose:
verified by hash, the next mirror tried and named, a bad body retried then refused,
and no half-written or stale file ever trusted."""

import gzip
import hashlib
import logging

import pytest
from mirror_servers import unused_port_url
from tinydata import write_tiny_dataset

from ablation.download import DownloadError, download_verified

NAME = "t10k-labels-idx1-ubyte"


@pytest.fixture
def served_file(mirror_server):
    """(base URL, expected SHA-256, request log) with the tiny dataset being served."""
    base, served, seen = mirror_server
    sha256 = write_tiny_dataset(served)
    return base, sha256[NAME], seen, served


def fetch(mirrors, sha256, destination, **options):
    download_verified(
        f"{NAME}.gz", mirrors, sha256, destination, backoff_seconds=0, timeout=5, **options
    )


def test_download_succeeds_and_verifies(served_file, tmp_path):
    base, sha256, _, served = served_file
    destination = tmp_path / "resources" / f"{NAME}.gz"
    fetch([f"{base}/ok/"], sha256, destination)
    assert destination.read_bytes() == (served / f"{NAME}.gz").read_bytes()
    assert hashlib.sha256(gzip.decompress(destination.read_bytes())).hexdigest() == sha256
    assert [p.name for p in destination.parent.iterdir()] == [destination.name]


@pytest.mark.parametrize("dead", ["404", "500", "refused"])
def test_falls_back_to_the_next_mirror_and_says_so(served_file, tmp_path, caplog, dead):
    base, sha256, seen, _ = served_file
    first = unused_port_url() if dead == "refused" else f"{base}/{dead}/"
    destination = tmp_path / f"{NAME}.gz"
    with caplog.at_level(logging.INFO):
        fetch([first, f"{base}/ok/"], sha256, destination, retries=1)
    assert destination.exists()
    assert f"falling back to the next mirror after {first}" in caplog.text
    if dead == "404":  # a 404 is final: no retry on the same mirror
        assert seen == [f"/404/{NAME}.gz", f"/ok/{NAME}.gz"]
    if dead == "500":  # a server error is retried
        assert seen == [f"/500/{NAME}.gz"] * 2 + [f"/ok/{NAME}.gz"]


def test_html_error_page_is_rejected_as_not_gzip(served_file, tmp_path, caplog):
    base, sha256, seen, _ = served_file
    with caplog.at_level(logging.INFO):
        fetch([f"{base}/html/", f"{base}/ok/"], sha256, tmp_path / f"{NAME}.gz")
    assert "not a gzip/IDX file" in caplog.text and "<!DOCTYPE html>" in caplog.text
    assert seen.count(f"/html/{NAME}.gz") == 1


@pytest.mark.parametrize("fault", ["truncated", "corrupt"])
def test_truncated_or_corrupt_body_is_retried_then_rejected(served_file, tmp_path, fault):
    base, sha256, seen, _ = served_file
    destination = tmp_path / "resources" / f"{NAME}.gz"
    with pytest.raises(DownloadError) as error:
        fetch([f"{base}/{fault}/"], sha256, destination, retries=2)
    assert seen == [f"/{fault}/{NAME}.gz"] * 3
    assert f"{base}/{fault}/{NAME}.gz" in str(error.value)
    assert not destination.parent.exists()


def test_checksum_mismatch_everywhere_shows_both_hashes_and_leaves_nothing(served_file, tmp_path):
    base, sha256, _, served = served_file
    wrong = "f" * 64
    resources = tmp_path / "resources"
    with pytest.raises(DownloadError) as error:
        fetch([f"{base}/ok/", str(served)], wrong, resources / f"{NAME}.gz")
    message = str(error.value)
    assert f"expected {wrong}" in message and sha256 in message
    assert message.count(f"SHA-256 of the decompressed file is {sha256}") == 2
    assert not resources.exists() or list(resources.iterdir()) == []


def test_all_mirrors_unreachable_lists_urls_and_explains_local_copy(tmp_path):
    mirrors = [unused_port_url(), unused_port_url()]
    destination = tmp_path / "resources" / "mnist" / f"{NAME}.gz"
    with pytest.raises(DownloadError) as error:
        fetch(mirrors, "0" * 64, destination, retries=0)
    message = str(error.value)
    for mirror in mirrors:
        assert f"{mirror}{NAME}.gz" in message
    assert f"put {NAME}.gz in {destination.parent}/" in message
    assert "mirrors" in message


def test_directory_and_file_url_mirrors(served_file, tmp_path):
    _, sha256, _, served = served_file
    fetch([str(served)], sha256, tmp_path / "a" / f"{NAME}.gz")
    fetch([served.as_uri()], sha256, tmp_path / "b" / f"{NAME}.gz")
    assert (tmp_path / "a" / f"{NAME}.gz").read_bytes() == (
        tmp_path / "b" / f"{NAME}.gz"
    ).read_bytes()


def test_stale_partial_file_is_never_trusted(served_file, tmp_path):
    """A download killed mid-write leaves at most NAME.gz.<pid>.part, which no rule reads
    and the next download clears."""
    base, sha256, _, served = served_file
    destination = tmp_path / f"{NAME}.gz"
    (tmp_path / f"{NAME}.gz.part").write_bytes(b"\x1f\x8bhalf")
    fetch([f"{base}/ok/"], sha256, destination)
    assert destination.read_bytes() == (served / f"{NAME}.gz").read_bytes()
    assert not (tmp_path / f"{NAME}.gz.part").exists()
