"""Faults mid-run leave nothing half-written, and a resumed run ends with exactly the
bits of an uninterrupted one. Real processes, real SIGKILL, on the tiny dataset."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from clones import Workflow, make_clone, tiny_config
from project import REPO, SNAKEMAKE, TINY_CONFIG, default_config
from shared_studies import shared_study
from tinydata import write_tiny_dataset
from workflow_helpers import curves_of, tensorboard_scalars, weights_digest

pytestmark = pytest.mark.e2e
PACKAGE = REPO / "workflow" / "ablation"


def start(flow: Workflow, *args) -> subprocess.Popen:
    """snakemake in its own process group, so that one SIGKILL takes all its jobs too."""
    return subprocess.Popen(
        [SNAKEMAKE, *args],
        cwd=flow.directory,
        env=os.environ | {"SNAKEMAKE_OUTPUT_CACHE": str(flow.cache)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_for(condition, timeout=120, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


def files_under(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


def clone_with_config(tmp_path, name, config) -> Workflow:
    (tmp_path / name / "cache").mkdir(parents=True)
    flow = Workflow(make_clone(tmp_path / name / "clone"), tmp_path / name / "cache")
    flow.write_config(config)
    return flow


TARGET = "results/mnist/models/v1_sigmoid/seed0.keras"


def completed_epochs(flow) -> int:
    state = flow.path("results/mnist/checkpoints/v1_sigmoid/seed0/state.json")
    try:
        return len(json.loads(state.read_text())["rows"])
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


EPOCHS = 30  # tiny epochs: room for the kill to land mid-training on a busy machine


@shared_study
def uninterrupted_training(root):
    """The reference for the SIGKILL test: the same training, never interrupted."""
    flow = clone_with_config(root, "reference", tiny_config(epochs=EPOCHS))
    flow.run(
        "--cores",
        "2",
        TARGET,
        "results/mnist/weights/v1_sigmoid/seed0.npz",
        "--configfile",
        TINY_CONFIG,
    )
    return flow


@shared_study
def killed_training(root):
    """The same training killed by SIGKILL once its checkpoint holds three epochs
    (``killed_after``: the epochs it held then; ``model_after_kill``: whether the model
    was there), then what docs/troubleshooting.md says to do after a crash: unlock, and
    rerun the incomplete job."""
    flow = clone_with_config(root, "killed", tiny_config(epochs=EPOCHS))
    process = start(flow, "--cores", "2", TARGET, "--configfile", TINY_CONFIG)
    # Ends early, and the test fails, if the training finished before the kill.
    wait_for(lambda: completed_epochs(flow) >= 3 or process.poll() is not None)
    kill_group(process)
    flow.killed_after = completed_epochs(flow)
    flow.model_after_kill = flow.path(TARGET).exists()
    flow.run("--unlock", "--configfile", TINY_CONFIG)
    flow.run(
        "--cores",
        "2",
        "--rerun-incomplete",
        TARGET,
        "results/mnist/weights/v1_sigmoid/seed0.npz",
        "--configfile",
        TINY_CONFIG,
    )
    return flow


def test_training_killed_with_sigkill_resumes_to_identical_bits(
    killed_training, uninterrupted_training
):
    flow = killed_training
    assert 3 <= flow.killed_after < EPOCHS, "the kill must land mid-training"
    assert not flow.model_after_kill
    log = flow.path("logs/mnist/train/v1_sigmoid/seed0.log").read_text()
    resumed = int(re.search(r"resuming v1_sigmoid seed 0 after epoch (\d+)", log).group(1))
    assert resumed >= flow.killed_after  # the kill may land after a checkpoint was written
    assert f"epoch {resumed + 1}/{EPOCHS}" in log.split("resuming")[1]
    assert f"epoch 1/{EPOCHS}" not in log.split("resuming")[1]

    reference = uninterrupted_training
    history = "results/mnist/histories/v1_sigmoid/seed0.csv"
    assert flow.path(history).read_bytes() == reference.path(history).read_bytes()
    weights = "results/mnist/weights/v1_sigmoid/seed0.npz"
    assert weights_digest(flow.path(weights)) == weights_digest(reference.path(weights))
    assert json.loads(flow.path("results/mnist/histories/v1_sigmoid/seed0.json").read_text())[
        "resumed"
    ]
    # The TensorBoard curves went on from the checkpoint: each epoch once.
    curves = tensorboard_scalars(flow.path("results/mnist/tensorboard/v1_sigmoid/seed0"))
    assert curves == curves_of(pd.read_csv(flow.path(history)))
    assert not flow.path("results/mnist/checkpoints/v1_sigmoid/seed0").exists()


NAN_TARGET = "results/mnist/histories/v2_relu/seed0.csv"


@shared_study
def nan_training(root):
    """A training whose loss becomes nan in its first epoch (a learning rate of 1e38)."""
    flow = clone_with_config(root, "nan", tiny_config(learning_rate=1e38))
    flow.first_run = flow.run("--cores", "2", NAN_TARGET, "--configfile", TINY_CONFIG, check=False)
    return flow


def test_nan_loss_fails_the_job_naming_variant_seed_and_epoch(nan_training):
    flow, result = nan_training, nan_training.first_run
    assert result.returncode != 0
    log = flow.path("logs/mnist/train/v2_relu/seed0.log").read_text()
    assert re.search(r"mnist variant v2_relu, seed 0: loss became nan in epoch 1", log)
    assert "lower training.learning_rate" in log
    assert not flow.path(NAN_TARGET).exists()
    assert not flow.path("results/mnist/models/v2_relu/seed0.keras").exists()


def test_download_killed_mid_transfer_leaves_nothing_trusted(tmp_path, mirror_server):
    base, served, seen = mirror_server
    sha256 = write_tiny_dataset(served)
    target = "results/mnist/raw/train-images-idx3-ubyte.gz"
    flow = clone_with_config(tmp_path, "download", tiny_config([f"{base}/slow/"], sha256))
    process = start(flow, "--cores", "1", target, "--configfile", TINY_CONFIG)
    wait_for(lambda: "half sent: /slow/train-images-idx3-ubyte.gz" in seen)
    kill_group(process)
    assert "train-images-idx3-ubyte.gz" not in files_under(flow.path("resources"))
    assert not flow.path(target).exists()

    flow.write_config(tiny_config([f"{base}/ok/"], sha256))
    flow.run("--unlock", "--configfile", TINY_CONFIG)
    flow.run("--cores", "1", "--rerun-incomplete", target, "--configfile", TINY_CONFIG)
    served_bytes = (served / "train-images-idx3-ubyte.gz").read_bytes()
    assert flow.path(target).read_bytes() == served_bytes
    assert flow.path("resources/mnist/train-images-idx3-ubyte.gz").read_bytes() == served_bytes


def test_checksum_mismatch_in_the_workflow_leaves_no_file(tmp_path, served_tiny):
    url, sha256 = served_tiny  # a download, not a copy from .test/: its file must not stay either
    wrong = sha256 | {"t10k-labels-idx1-ubyte": "e" * 64}
    flow = clone_with_config(tmp_path, "mismatch", tiny_config([url], wrong))
    target = "results/mnist/raw/t10k-labels-idx1-ubyte.gz"
    result = flow.run("--cores", "1", target, "--configfile", TINY_CONFIG, check=False)
    assert result.returncode != 0
    log = flow.path("logs/mnist/fetch/t10k-labels-idx1-ubyte.log").read_text()
    assert f"expected {'e' * 64}" in log and sha256["t10k-labels-idx1-ubyte"] in log
    assert files_under(flow.path("resources")) == []
    assert not flow.path(target).exists()


def test_a_second_snakemake_in_the_same_directory_is_refused(tmp_path, mirror_server):
    base, served, seen = mirror_server
    # The first run holds the lock for as long as its download stalls: until the
    # mirror fixture ends, long after the second run has been refused.
    sha256 = write_tiny_dataset(served)
    flow = clone_with_config(tmp_path, "lock", tiny_config([f"{base}/slow/"], sha256))
    first = start(flow, "--cores", "1", "--configfile", TINY_CONFIG)
    try:
        wait_for(lambda: any(line.startswith("half sent:") for line in seen))
        second = flow.run("--cores", "1", "--configfile", TINY_CONFIG, check=False)
        assert second.returncode != 0
        assert "Directory cannot be locked" in second.output
    finally:
        kill_group(first)


def test_data_and_models_are_loaded_without_pickle_and_in_safe_mode():
    sources = {path.name: path.read_text() for path in PACKAGE.glob("*.py")}
    sources |= {path.name: path.read_text() for path in (REPO / "workflow/scripts").glob("*.py")}
    loads = [
        (name, line)
        for name, text in sources.items()
        for line in text.splitlines()
        if "np.load(" in line or "load_model(" in line
    ]
    assert loads, "expected data and model loading code"
    for name, line in loads:
        assert "allow_pickle=False" in line or "safe_mode=True" in line, (name, line)
    config = default_config()
    for source in config["data"]["sources"].values():
        assert all(mirror.startswith("https://") for mirror in source["mirrors"])


def test_parallel_jobs_leave_no_shared_or_stray_temporary_files(base):
    """Every temporary file is named after its job's own output (``<output>.<pid>.part``,
    ``checkpoints/<variant>/seed<seed>/``), so jobs running side by side cannot meet;
    after the --cores 4 run none is left."""
    leftovers = [
        path
        for folder in ("results", "resources")
        for path in base.path(folder).rglob("*")
        if ".part" in path.name
    ]
    assert leftovers == []
    checkpoints = base.path("results/mnist/checkpoints")
    assert not checkpoints.exists() or not any(checkpoints.rglob("*.keras"))
    sources = "\n".join(path.read_text() for path in PACKAGE.glob("*.py"))
    assert "tempfile" not in sources and "/tmp" not in sources
