"""The fixtures: local mirrors, tiny datasets, and the studies that several tests
share (built in the background, tests/shared_studies.py); the hooks that keep snakemake
runs out of `make test-quick` (tests/subprocess_guard.py). The helpers they use live in
the modules named for them: clones.py, mirror_servers.py, project.py."""

import os
import shutil
import subprocess
import threading
from functools import partial

import pytest
from clones import (
    ODD_NAME,
    Workflow,
    layered_venv,
    make_clone,
    tiny_config,
    tiny_sha256,
    without_jupyter,
)
from mirror_servers import FaultyMirrorHandler, QuietHandler, serving, unused_port_url
from project import TEST_DATA, TINY_CONFIG
from shared_studies import QUICK_STUDIES, SHARED_STUDIES, building_in_background, shared_study
from subprocess_guard import GuardedPopen, refusing_workflow_runs
from tinydata import write_tiny_dataset

# `make test-quick` runs the tests not marked e2e: no snakemake, no notebook. These
# fixtures run snakemake (and so do the shared studies not declared quick), and so does
# any subprocess that subprocess_guard names.
E2E_FIXTURES = {"served_tiny"}


def pytest_collection_modifyitems(items):
    unmarked = [
        f"{item.nodeid} (uses {', '.join(sorted(uses_e2e_fixtures(item)))})"
        for item in items
        if item.get_closest_marker("e2e") is None and uses_e2e_fixtures(item)
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests that run snakemake must be marked e2e:\n" + "\n".join(unmarked)
        )
    # The modules that need no shared study run first, while the studies build in the
    # background (background_studies); each module keeps its own order.
    needs_study = {item.module for item in items if SHARED_STUDIES.keys() & set(item.fixturenames)}
    items.sort(key=lambda item: item.module in needs_study)


def uses_e2e_fixtures(item) -> set[str]:
    return (E2E_FIXTURES | (SHARED_STUDIES.keys() - QUICK_STUDIES)) & set(item.fixturenames)


@pytest.fixture(scope="session", autouse=True)
def guarded_popen():
    """subprocess.Popen is GuardedPopen for the whole session, background threads included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", GuardedPopen)
        yield


@pytest.fixture(autouse=True)
def workflow_runs_only_in_e2e_tests(request, guarded_popen):
    with refusing_workflow_runs(request.node.get_closest_marker("e2e") is None):
        yield


@pytest.fixture
def mirror_server(tmp_path):
    """(base URL, served directory, list of request paths) of a local HTTP mirror
    (mirror_servers.FaultyMirrorHandler)."""
    served = tmp_path / "served"
    served.mkdir()
    seen, release = [], threading.Event()
    handler = partial(
        type("Handler", (FaultyMirrorHandler,), {"requests_seen": seen, "release": release}),
        directory=str(served),
    )
    with serving(handler) as url:
        yield url, served, seen
        release.set()


@pytest.fixture
def tiny_dataset(tmp_path):
    """A tiny MNIST-shaped dataset: (directory of .gz files, sha256 by file name)."""
    directory = tmp_path / "tiny"
    return directory, write_tiny_dataset(directory)


@pytest.fixture(scope="session")
def served_tiny():
    """The tiny study's data behind a plain local HTTP mirror: (URL, sha256)."""
    with serving(partial(QuietHandler, directory=str(TEST_DATA))) as url:
        yield f"{url}/", tiny_sha256()


@pytest.fixture(scope="session", autouse=True)
def background_studies(request, tmp_path_factory, guarded_popen):
    """Starts building every shared study that a selected test names; gives the
    function that waits for one (and starts one asked for by name only now)."""
    with building_in_background(request.session.items, tmp_path_factory) as scheduler:
        yield scheduler.result


@shared_study
def base(root):
    """A clone that has run the tiny study once, as .test/config/config.yaml has it
    (the lecture included) from the clone's root: 1 epoch, --cores 4, with
    config/tiny.yaml, which later runs use too."""
    (root / "cache").mkdir()
    flow = Workflow(make_clone(root / "clone"), root / "cache")
    flow.write_config(tiny_config(lecture=True))
    flow.first_run = flow.run("--cores", "4", "--configfile", TINY_CONFIG)
    return flow


@shared_study
def study(root):
    """2 datasets x 2 variants x 2 seeds, 2 epochs, --cores 4, its own empty cache and
    no network: MNIST's four .gz files placed in resources/mnist/ beforehand (its
    mirror refuses every connection), Fashion-MNIST's from a directory mirror.
    test_seeds_and_datasets checks the seeds and datasets, test_nothing_lost the placed files."""
    (root / "cache").mkdir()
    flow = Workflow(make_clone(root / "clone"), root / "cache")
    shutil.copytree(TEST_DATA, flow.path("resources/mnist"))
    flow.placed = {path.name: path.read_bytes() for path in sorted(TEST_DATA.iterdir())}
    fashion_sha256 = write_tiny_dataset(root / "fashion", seed=1)
    config = tiny_config([unused_port_url()], seeds=[0, 1], epochs=2)
    config["data"]["datasets"] = ["mnist", "fashion_mnist"]
    config["data"]["sources"]["fashion_mnist"] = {
        "mirrors": [str(root / "fashion")],
        "sha256": fashion_sha256,
        "train_size": 300,
        "test_size": 120,
    }
    config["variants"] = [{"name": "v1_sigmoid"}, {"name": "v2_relu", "activation": "relu"}]
    config["findings"] = TWO_VARIANT_FINDINGS
    flow.write_config(config)
    flow.first_run = flow.run("--cores", "4", "--configfile", TINY_CONFIG)
    return flow


@shared_study
def warm_clone(root, base):
    """A fresh clone in a folder named ODD_NAME that has run the tiny study (base's
    settings, the lecture included) with base's cache, so it trains nothing, from an
    environment layered on .venv inside it (.venv-bench, as `make bench-env` makes it)
    and a PATH without jupyter."""
    directory = make_clone(root / ODD_NAME)
    python = layered_venv(directory / ".venv-bench")
    clone = Workflow(
        directory,
        base.cache,
        snakemake=[python, "-m", "snakemake"],
        env=os.environ | {"PATH": without_jupyter(os.environ["PATH"])},
    )
    clone.python = python
    clone.write_config(tiny_config(lecture=True))
    clone.first_run = clone.run("--cores", "4", "--configfile", TINY_CONFIG)
    return clone


# Two studies that differ in a key that no training depends on (docs/studies.md).
COMPARED_STUDIES = {"grid": {"report.lecture_sample": [3, 5]}}


@shared_study
def compared(root, base):
    """A fresh clone that has run `snakemake compare` on COMPARED_STUDIES, the tiny
    study's settings without the lecture, with base's cache: every training, made by
    base's run before, comes back from the cache. test_compared_studies."""
    flow = Workflow(make_clone(root / "clone"), base.cache)
    config = tiny_config()
    config["studies"] = COMPARED_STUDIES
    flow.write_config(config)
    flow.first_run = flow.run("--cores", "4", "compare", "--configfile", TINY_CONFIG)
    return flow


# What a config with only the first two variants declares: a finding may name only
# variants the study trains (ablation/config.py check_findings).
TWO_VARIANT_FINDINGS = [
    {
        "name": "relu_converges_fastest",
        "sentence": "ReLU's training loss is below sigmoid's",
        "variant": "v2_relu",
        "reference": "v1_sigmoid",
        "measure": "training_loss",
        "epoch": 1,
        "expect": "below",
    },
    {
        "name": "relu_beats_sigmoid",
        "sentence": "ReLU ends with a higher test accuracy",
        "variant": "v2_relu",
        "reference": "v1_sigmoid",
        "measure": "test_accuracy",
        "expect": "above",
    },
]


UNCACHED_MODEL = "results/mnist/models/v2_relu/seed0.keras"


@shared_study
def uncached_committed_run(root):
    """The tiny study from scratch in a fresh clone, committed as a git repository of
    its own, one job at a time (--cores 1), by docs/caching.md's run that leaves the
    (empty) cache alone. test_caching: the cache stays empty, and every file is
    base's (another clean run, --cores 4); test_claims: the figures are base's, bit
    for bit, and the commit is recorded."""
    flow = Workflow(make_clone(root / "clone"), root / "cache")
    flow.cache.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "clone"]):
        subprocess.run(git + command, cwd=flow.directory, check=True, capture_output=True)
    flow.head = subprocess.run(
        git + ["rev-parse", "HEAD"], cwd=flow.directory, check=True, capture_output=True, text=True
    ).stdout.strip()
    flow.write_config(tiny_config())  # untracked, as results and logs are
    flow.first_run = flow.run(
        "--cores",
        "1",
        "--workflow-profile",
        "none",
        "--max-checksum-file-size",
        "2000000000",
        "--rerun-triggers",
        "mtime",
        "params",
        "input",
        "software-env",
        "--configfile",
        TINY_CONFIG,
    )
    return flow
