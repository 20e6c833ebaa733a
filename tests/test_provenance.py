"""provenance: git_commit in a real git checkout (the workflow tests run in copies without
.git), the environment's lock file and the device."""

import hashlib
import importlib.metadata
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from ablation.provenance import cpu_model, environment_lock, git_commit, machine

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]


def git(repo, *args) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_git_commit_is_head_and_dirty_follows_tracked_files(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "tracked.txt").write_text("one\n")
    git(tmp_path, "add", "tracked.txt")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert git_commit(tmp_path) == {"commit": head, "dirty": False}
    # Untracked files (results, logs) do not make a checkout dirty; an edit to tracked code does.
    (tmp_path / "untracked.txt").write_text("new\n")
    assert git_commit(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "tracked.txt").write_text("two\n")
    assert git_commit(tmp_path) == {"commit": head, "dirty": True}


def test_git_commit_is_none_outside_a_checkout(tmp_path, monkeypatch):
    # Git would otherwise walk up past tmp_path into whatever repository holds it.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_commit(tmp_path) is None


def test_environment_lock_hashes_the_checkouts_lock_and_names_what_differs(tmp_path):
    scripts = tmp_path / "workflow" / "scripts"
    scripts.mkdir(parents=True)
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        f"numpy=={importlib.metadata.version('numpy')} \\\n    --hash=sha256:{'0' * 64}\n"
        f"pytest==0.0.1 \\\n    --hash=sha256:{'1' * 64}\n"
        f"no-such-package==1.0 \\\n    --hash=sha256:{'2' * 64}\n"
    )
    recorded = environment_lock(scripts)
    assert recorded == {
        "file": "requirements.lock",
        "sha256": hashlib.sha256(lock.read_bytes()).hexdigest(),
        "not_as_locked": {"no-such-package": None, "pytest": importlib.metadata.version("pytest")},
    }


def test_environment_lock_is_the_lock_this_environment_matches(tmp_path):
    """.venv-gpu is installed from requirements-gpu.lock, .venv from requirements.lock,
    whatever TensorFlow distribution each platform's lock entry installs."""
    numpy = importlib.metadata.version("numpy")
    (tmp_path / "requirements.lock").write_text(
        f"numpy=={numpy} \\\n    --hash=sha256:{'0' * 64}\n"
        "not-installed-here==1.0 ; sys_platform == 'nowhere' \\\n    --hash=sha256:"
        + "1"
        * 64
        + "\n"
        "no-such-package==1.0 \\\n    --hash=sha256:" + "2" * 64 + "\n"
    )
    (tmp_path / "requirements-gpu.lock").write_text(
        f"numpy=={numpy} \\\n    --hash=sha256:{'0' * 64}\n"
    )
    recorded = environment_lock(tmp_path)
    assert recorded["file"] == "requirements-gpu.lock" and recorded["not_as_locked"] == {}
    (tmp_path / "requirements-gpu.lock").write_text(
        "nvidia-cudnn-cu12==9.3.0.75 \\\n    --hash=sha256:" + "3" * 64 + "\n"
    )
    recorded = environment_lock(tmp_path)
    # The entry for another platform is no package missing here.
    assert recorded["file"] == "requirements.lock" and recorded["not_as_locked"] == {
        "no-such-package": None
    }


def test_the_machine_names_its_platform():
    import platform

    assert platform.machine() in machine(threads=2)["platform"]


def test_environment_lock_is_none_without_a_lock(tmp_path):
    assert environment_lock(tmp_path) is None


def test_the_device_is_the_cpu_model_without_a_gpu(monkeypatch):
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists() and "model name" in cpuinfo.read_text():
        assert cpu_model() in cpuinfo.read_text()
    assert cpu_model()
    recorded = machine(threads=2)
    assert recorded["gpus"] == [] and recorded["device"] == cpu_model()


class FakeGPU:
    name = "/physical_device:GPU:0"


def test_the_device_is_the_first_gpu_tensorflow_sees(monkeypatch):
    # TensorFlow's API, as a CUDA build on a GPU machine answers it.
    config = SimpleNamespace(
        list_physical_devices=lambda kind: [FakeGPU()] if kind == "GPU" else [],
        experimental=SimpleNamespace(
            get_device_details=lambda device: {"device_name": "NVIDIA H200"}
        ),
    )
    monkeypatch.setitem(sys.modules, "tensorflow", SimpleNamespace(config=config))
    recorded = machine(threads=2)
    assert recorded["gpus"] == ["NVIDIA H200"] and recorded["device"] == "NVIDIA H200"
    assert recorded["cpu"] == cpu_model()
