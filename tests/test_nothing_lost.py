"""A user's data is never deleted or re-fetched, and the shared cache never
hands back a broken file. Real snakemake runs on generated data, with mirrors that
refuse every connection: nothing here may need the network."""

import re
import shutil
import stat
import subprocess

import pytest
from clones import Workflow, make_clone, tiny_config
from mirror_servers import unused_port_url
from project import TINY_CONFIG
from shared_studies import shared_study
from tinydata import write_tiny_dataset
from workflow_helpers import planned_rules

pytestmark = pytest.mark.e2e
STUDY = ("--cores", "4", "--configfile", TINY_CONFIG)
SPLITS = ("results/mnist/data/train.npz", "results/mnist/data/test.npz")


def fresh_clone(root, cache_name="cache") -> Workflow:
    """A fresh clone with its own empty cache."""
    (root / cache_name).mkdir(parents=True)
    flow = Workflow(make_clone(root / "clone"), root / cache_name)
    return flow


def contents(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_placed_files_are_used_as_they_are_for_the_whole_study(study):
    """(a) The four .gz files copied into resources/mnist/ of a fresh clone, no network
    (the `study` fixture of tests/conftest.py)."""
    assert study.path("results/mnist/summary.csv").exists()
    assert contents(study.path("resources/mnist")) == study.placed
    for name in study.placed:
        log = study.path(f"logs/mnist/fetch/{name.removesuffix('.gz')}.log").read_text()
        assert "using the local copy" in log and "fetching" not in log


def test_after_deleting_results_nothing_is_downloaded_or_deleted(study, tmp_path):
    """(b) rm -rf results/ .snakemake/, then rerun from resources/ with a cold cache,
    and again with every fetch forced; in a copy of the checkout (mtimes kept), as
    test_seeds_and_datasets reads the original."""
    checkout = tmp_path / "checkout"
    shutil.copytree(study.directory, checkout, symlinks=True)
    shutil.rmtree(checkout / "results")
    shutil.rmtree(checkout / ".snakemake")
    cold = Workflow(checkout, tmp_path / "cold-cache")
    cold.cache.mkdir()
    cold.run("--cores", "2", *SPLITS, "--configfile", TINY_CONFIG)
    assert contents(cold.path("resources/mnist")) == study.placed

    # With the warm cache the whole study trains nothing: test_caching's
    # test_fresh_clone_with_warm_cache_trains_nothing, from a checkout without results.
    raw = [f"results/mnist/raw/{name}" for name in study.placed]
    cold.run("--cores", "2", "--force", *raw, "--configfile", TINY_CONFIG)  # every fetch again
    assert contents(cold.path("resources/mnist")) == study.placed


def test_resources_copied_into_another_clone_need_no_download(study, tmp_path):
    """(d) resources/ copied with its (older) timestamps into a newer clone."""
    flow = fresh_clone(tmp_path)
    shutil.copytree(study.path("resources"), flow.path("resources"))
    shutil.copy(study.path(TINY_CONFIG), flow.path(TINY_CONFIG))
    output = flow.run("--cores", "2", *SPLITS, "--configfile", TINY_CONFIG).output
    assert planned_rules(output) == {"fetch", "normalize"}
    assert contents(flow.path("resources/mnist")) == study.placed


def test_a_placed_file_with_other_content_stops_the_run_and_stays(tmp_path):
    """(c) a wrong file in resources/: one clear error before any training, file kept."""
    flow = fresh_clone(tmp_path)
    sha256 = write_tiny_dataset(flow.path("resources/mnist"))
    wrong = flow.path("resources/mnist/t10k-labels-idx1-ubyte.gz")
    shutil.copy(flow.path("resources/mnist/train-labels-idx1-ubyte.gz"), wrong)
    wrong_bytes = wrong.read_bytes()
    flow.write_config(tiny_config([unused_port_url()], sha256))
    result = flow.run(*STUDY, check=False)
    assert result.returncode != 0
    message = f"resources/mnist/t10k-labels-idx1-ubyte.gz: SHA-256 of the decompressed file is {sha256['train-labels-idx1-ubyte']}, expected {sha256['t10k-labels-idx1-ubyte']}"
    assert message in result.output
    assert (
        "left as it is" in result.output
        and "data.sources.mnist.sha256.t10k-labels-idx1-ubyte" in result.output
    )
    assert wrong.read_bytes() == wrong_bytes
    assert not flow.path("logs/mnist/train").exists()


# aggregate checks every model against its training's record before the tables.
TARGET = "results/mnist/summary.csv"
MODEL = "results/mnist/models/v2_relu/seed0.keras"
HISTORY = "results/mnist/histories/v2_relu/seed0.csv"


@shared_study
def damaged_cache(root, base):
    """Two fresh clones with a copy of base's cache. The first restores MODEL from it
    (``cached_modes``: the modes of the cache's files then), and the entry is cut in
    half; the second's run meets it (``result``), and the command its message names is
    run (``remove``, ``left_after_remove``); then the first runs again (``rerun``, with
    its training's log), and the second too."""
    first = Workflow(make_clone(root / "first" / "clone"), root / "first" / "cache")
    shutil.copytree(base.cache, first.cache)
    first.write_config(tiny_config())
    first.run("--cores", "2", MODEL, "--configfile", TINY_CONFIG)
    first.entry = first.path(MODEL).resolve()
    first.cached_modes = [path.stat().st_mode for path in first.cache.iterdir() if path.is_file()]
    first.entry.chmod(0o644)  # torn write or bit rot on the shared disk
    with open(first.entry, "r+b") as handle:
        handle.truncate(first.entry.stat().st_size // 2)

    second = Workflow(make_clone(root / "second" / "clone"), first.cache)
    shutil.copy(first.path(TINY_CONFIG), second.path(TINY_CONFIG))
    first.result = second.run("--cores", "2", TARGET, "--configfile", TINY_CONFIG, check=False)
    command = re.search(r"\((rm -f [^)]+)\)", first.result.output)
    first.remove = command and command.group(1)
    if first.remove:  # what the message says
        subprocess.run(first.remove, shell=True, cwd=second.directory, check=True)
    first.left_after_remove = list(first.cache.glob(first.entry.name[:64] + "*"))

    train_log = first.path("logs/mnist/train/v2_relu/seed0.log")
    train_log.write_text("before the rerun\n")
    first.rerun = first.run("--cores", "2", TARGET, MODEL, "--configfile", TINY_CONFIG)
    first.rerun_log = train_log.read_text().split("before the rerun")[-1]
    second.run("--cores", "2", TARGET, "--configfile", TINY_CONFIG)
    first.second = second
    return first


def test_a_damaged_cache_entry_is_caught_and_the_message_says_how_to_rebuild(damaged_cache):
    first, entry = damaged_cache, damaged_cache.entry
    # Restored outputs are symlinks into the cache; its entries are read-only.
    assert entry.parent == first.cache.resolve()
    assert first.cached_modes and all(
        not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) for mode in first.cached_modes
    )
    assert first.result.returncode != 0
    assert f"{MODEL} is damaged" in first.result.output and str(entry) in first.result.output
    assert f"{entry.parent / entry.name[:64]}* " in first.remove and MODEL in first.remove
    assert first.left_after_remove == []
    # The first checkout's links to the removed entries dangle now: its next run
    # drops them and trains again instead of stopping at them (the model is a final
    # target of the study, as here).
    assert f"{MODEL}: its cache entry is gone" in first.rerun.output
    assert "epoch 1/1" in first.rerun_log
    assert first.second.path(HISTORY).read_bytes() == first.path(HISTORY).read_bytes()
