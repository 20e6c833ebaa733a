"""Each result is tied to the software that made it. A job's settings file
names the installed versions of the distributions its code imports, with all they
require, and the TensorFlow build where it runs a GPU one (workflow/ablation/software.py).

The version source is importlib.metadata: a folder of ``*.dist-info`` first on the
path (PYTHONPATH for a snakemake process) changes what it reports, as a new version
would, without installing anything."""

import importlib
import importlib.metadata
import json
import re
import shutil

import pytest
from clones import Workflow
from project import REPO, VARIANTS
from workflow_helpers import dry_run, planned_jobs, planned_rules

from ablation import software
from ablation.provenance import normalized

SCRIPTS = REPO / "workflow" / "scripts"
TRAIN = SCRIPTS / "train.py"
PLOT = SCRIPTS / "plot_confusion.py"
JOB_CODE = [*sorted(SCRIPTS.glob("*.py")), REPO / "workflow" / "notebooks" / "lecture.py.ipynb"]
FIGURES = {"plot_loss_comparison", "plot_filters", "plot_predictions", "plot_confusion"}
# What tf.sysconfig.get_build_info() says in TensorFlow's CUDA build for Linux x86-64.
CUDA_BUILD_INFO = """import collections

build_info = collections.OrderedDict([('cpu_compiler', '/usr/lib/llvm-18/bin/clang'), \
('cuda_compute_capabilities', ['sm_60', 'sm_70', 'sm_80', 'sm_89', 'compute_90']), \
('cuda_version', '12.5.1'), ('cudnn_version', '9'), ('is_cuda_build', True), \
('is_rocm_build', False), ('is_tensorrt_build', False)])
"""


# --- changing what importlib.metadata reports ------------------------------------------


def dist_info(folder, name, version, like=None, top_level=None):
    """A ``*.dist-info`` of ``name`` at ``version`` in ``folder``: the metadata
    (requirements included) of installed distribution ``like``, if given."""
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    if like:
        metadata = importlib.metadata.distribution(like).read_text("METADATA")
        metadata = re.sub(r"^Name: .*$", f"Name: {name}", metadata, count=1, flags=re.M)
        metadata = re.sub(r"^Version: .*$", f"Version: {version}", metadata, count=1, flags=re.M)
    info = folder / f"{normalized(name).replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(metadata)
    if top_level:  # what importlib.metadata.packages_distributions() reads
        (info / "top_level.txt").write_text(top_level + "\n")


def newer(*modules):
    """The distributions that install ``modules``, each at a new version."""

    def write(folder):
        for module in modules:
            name = importlib.metadata.packages_distributions()[module][0]
            dist_info(folder, name, "99.0.0", like=name)

    return write


def cuda_build(folder):
    """.venv-gpu (make gpu-env) as importlib.metadata sees it: the tensorflow
    distribution at tensorflow-cpu's version with its requirements, its CUDA build
    info, and a CUDA library of its and-cuda extra."""
    dist_info(
        folder,
        "tensorflow",
        importlib.metadata.version("tensorflow-cpu"),
        like="tensorflow-cpu",
        top_level="tensorflow",
    )
    build_info = folder / software.BUILD_INFO
    build_info.parent.mkdir(parents=True)
    build_info.write_text(CUDA_BUILD_INFO)
    dist_info(folder, "nvidia-cudnn-cu12", "9.3.0.75")


def clear_caches():
    importlib.invalidate_caches()  # importlib.metadata's listings of the path
    for cached in (
        software.installed,
        software.installed_requirements,
        software.installed_version,
        software.providers,
        software.software,
        software.environment_fingerprint,
    ):
        cached.cache_clear()


@pytest.fixture
def environment(tmp_path, monkeypatch):
    """A folder first on sys.path: what this process's importlib.metadata reports."""
    monkeypatch.syspath_prepend(str(tmp_path))
    clear_caches()
    yield tmp_path
    monkeypatch.undo()
    clear_caches()


# --- the requirement closure (pure) ---------------------------------------------------------

INDEX = {
    "app": [
        "lib>=1",
        "not-installed",
        "windows-only; sys_platform == 'nowhere'",
        "tester; extra == 'test'",
        "Plugin_X[fast]",
    ],
    "lib": ["base", "app"],  # a cycle
    "base": [],
    "tester": [],
    "windows-only": [],
    "plugin-x": ["speedup; extra == 'fast'", "sphinx; extra == 'docs'"],
    "speedup": [],
    "sphinx": [],
}


@pytest.mark.parametrize(
    "roots, closure",
    [
        (["app"], {"app", "lib", "base", "plugin-x", "speedup"}),
        (["app[test]"], {"app", "lib", "base", "plugin-x", "speedup", "tester"}),
        (["plugin-x"], {"plugin-x"}),
        (["not-installed"], set()),
    ],
    ids=[
        "requirements and the extras they ask for",
        "an extra asked for",
        "no extras",
        "not installed",
    ],
)
def test_the_requirement_closure(roots, closure):
    assert software.requirement_closure(roots, INDEX.get) == closure


# --- this environment ---------------------------------------------------------------------


def packages(script, share=False) -> dict:
    return software.software(script, share).get("packages", {})


def test_each_job_records_what_its_code_imports_with_all_that_requires():
    training = packages(TRAIN)
    assert {"tensorflow", "keras", "numpy", "pandas", "h5py", "ml-dtypes", "protobuf"} <= set(
        training
    )
    assert training["keras"] == importlib.metadata.version("keras")
    # TensorFlow's version under one name, whichever build installs it.
    assert training["tensorflow"] == importlib.metadata.version(software.providers()["tensorflow"])
    assert "matplotlib" not in training
    figures = packages(PLOT)
    assert {"matplotlib", "numpy", "pillow", "pandas"} <= set(figures)
    assert not {"tensorflow", "keras"} & set(figures)
    assert software.software(SCRIPTS / "fetch.py", False) == {}  # the standard library only


def test_tools_the_jobs_never_import_are_in_no_identity():
    for code in JOB_CODE:
        assert not {"pytest", "snakefmt", "snakemake"} & set(packages(code)), code.name


def test_a_dist_info_without_metadata_is_no_distribution(environment):
    before = software.software(TRAIN, False)
    (environment / "half-removed-1.0.dist-info").mkdir()  # what a failed uninstall leaves
    clear_caches()
    assert software.software(TRAIN, False) == before


def test_the_build_info_is_tensorflows_own_read_without_importing_it():
    import tensorflow as tf

    name = software.providers()["tensorflow"]
    assert software.build_info(software.installed()[name]) == dict(tf.sysconfig.get_build_info())


def test_a_cpu_build_records_no_build():
    assert software.gpu_build(software.providers()["tensorflow"]) is None
    assert "tensorflow_gpu_build" not in software.software(TRAIN, False)
    assert software.software(TRAIN, True) == software.software(TRAIN, False)


def test_a_gpu_build_is_recorded_unless_shared(environment):
    cpu = {code: software.software(code, False) for code in (TRAIN, PLOT)}
    cuda_build(environment)
    clear_caches()
    gpu = software.software(TRAIN, False)
    assert gpu.pop("tensorflow_gpu_build") == {
        "distribution": "tensorflow",
        "build_info": {
            "cpu_compiler": "/usr/lib/llvm-18/bin/clang",
            "cuda_compute_capabilities": ["sm_60", "sm_70", "sm_80", "sm_89", "compute_90"],
            "cuda_version": "12.5.1",
            "cudnn_version": "9",
            "is_cuda_build": True,
            "is_rocm_build": False,
            "is_tensorrt_build": False,
        },
        "libraries": {"nvidia-cudnn-cu12": "9.3.0.75"},
    }
    assert gpu == cpu[TRAIN]  # the same versions otherwise
    assert software.software(TRAIN, True) == cpu[TRAIN]
    assert software.software(PLOT, False) == cpu[PLOT]  # no TensorFlow in the figures


def test_a_build_whose_info_cannot_be_read_is_not_taken_for_the_cpu_build(environment):
    dist_info(environment, "tensorflow", "2.21.0", top_level="tensorflow")
    clear_caches()
    assert software.gpu_build("tensorflow")["build_info"] is None


def test_an_identity_kept_for_this_environment_is_read_back(environment):
    kept = environment / "kept"
    read_from_metadata = software.software(str(TRAIN), False)
    assert software.software(str(TRAIN), False, kept) == read_from_metadata
    (file,) = kept.glob("*.json")
    assert file.stem == software.environment_fingerprint()
    # A later process reads the kept file, not the metadata.
    file.write_text(file.read_text().replace(software.installed_version("numpy"), "from-the-file"))
    clear_caches()
    assert software.software(str(TRAIN), False, kept)["packages"]["numpy"] == "from-the-file"


@pytest.mark.parametrize(
    "change",
    [
        lambda folder: dist_info(folder, "numpy", "99.0.0", like="numpy"),
        lambda folder: (next(folder.glob("*.dist-info")) / "METADATA").write_text("Name: x\n"),
    ],
    ids=["a new distribution first on the path", "a distribution's metadata rewritten"],
)
def test_another_environment_has_another_fingerprint(environment, change):
    dist_info(environment, "example", "1.0")
    before = software.environment_fingerprint()
    change(environment)
    clear_caches()
    assert software.environment_fingerprint() != before


def test_a_folder_without_distributions_on_the_path_leaves_the_fingerprint(tmp_path, monkeypatch):
    """The checkout's workflow/ folder is on the path: a copy of it elsewhere keeps its
    kept identities."""
    before = software.environment_fingerprint()
    monkeypatch.syspath_prepend(str(tmp_path))
    clear_caches()
    assert software.environment_fingerprint() == before


def test_a_job_that_imports_packages_records_its_platform():
    assert software.software(TRAIN, False)["platform"] == software.platform_identity()
    assert software.software(PLOT, False)["platform"] == software.platform_identity()
    assert "platform" not in software.software(SCRIPTS / "fetch.py", False)


@pytest.mark.parametrize("system, machine", [("linux", "aarch64"), ("darwin", "arm64")])
def test_another_platform_is_another_identity(monkeypatch, system, machine):
    here = {code: software.software(code, False) for code in (TRAIN, PLOT)}
    monkeypatch.setattr(software.sys, "platform", system)
    monkeypatch.setattr(software.platform, "machine", lambda: machine)
    software.software.cache_clear()
    try:
        for code, identity in here.items():
            there = software.software(code, False)
            assert there["platform"] | {"system": system, "machine": machine} == there["platform"]
            assert there != identity and there["packages"] == identity["packages"]
    finally:
        software.software.cache_clear()


def test_macos_tensorflow_is_never_taken_for_linux_tensorflow_cpu(environment, monkeypatch):
    """requirements.lock installs ``tensorflow`` (a CPU build) on macOS and
    ``tensorflow-cpu`` on Linux x86-64, at one version: the platform keeps them apart."""
    linux = software.software(TRAIN, False)
    dist_info(
        environment,
        "tensorflow",
        importlib.metadata.version(software.providers()["tensorflow"]),
        like=software.providers()["tensorflow"],
        top_level="tensorflow",
    )
    build_info = environment / software.BUILD_INFO
    build_info.parent.mkdir(parents=True)
    build_info.write_text(CUDA_BUILD_INFO.replace("True", "False"))
    monkeypatch.setattr(software.sys, "platform", "darwin")
    monkeypatch.setattr(software.platform, "machine", lambda: "arm64")
    clear_caches()
    macos = software.software(TRAIN, False)
    assert software.providers()["tensorflow"] == "tensorflow"
    assert "tensorflow_gpu_build" not in macos  # a CPU build, as on Linux
    assert macos["packages"]["tensorflow"] == linux["packages"]["tensorflow"]
    assert macos != linux
    assert software.software(TRAIN, True) == macos  # sharing CPU and GPU results does not join them


def test_the_locks_agree_on_what_the_trainings_import():
    """software.share_cpu_and_gpu_results shares results only where .venv and
    .venv-gpu have the same versions of everything the training imports."""
    from ablation.provenance import locked_versions

    cpu, gpu = (
        locked_versions((REPO / lock).read_text())
        for lock in ("requirements.lock", "requirements-gpu.lock")
    )
    training = set(packages(TRAIN)) - {"tensorflow"}
    assert {name: cpu.get(name) for name in training} == {name: gpu.get(name) for name in training}
    assert cpu["tensorflow-cpu"] == gpu["tensorflow"]


# --- what a dry run plans on a built tiny study --------------------------------------------


@pytest.fixture(scope="module")
def built(base, tmp_path_factory):
    """A copy of base (built once, with this environment): only dry runs."""
    destination = tmp_path_factory.mktemp("software") / "clone"
    shutil.copytree(base.directory, destination, symlinks=True)
    return Workflow(destination, base.cache)


def dry_run_in(flow, folder, *args) -> str:
    return dry_run(flow, *args, env={"PYTHONPATH": str(folder)})


def trained(output):
    return sorted(
        wildcards["variant"] for rule, wildcards in planned_jobs(output) if rule == "train"
    )


@pytest.mark.e2e
@pytest.mark.parametrize(
    "change, planned",
    [
        (newer("tensorflow"), "every training"),
        (newer("keras"), "every training"),
        (newer("numpy"), "every training, and normalize"),
        (newer("matplotlib"), "the figures and the lecture"),
        (newer("pytest", "snakefmt"), "nothing"),
    ],
    ids=["tensorflow", "keras", "numpy", "matplotlib", "pytest and snakefmt"],
)
def test_a_new_version_reruns_what_imports_it(built, tmp_path, change, planned):
    """docs/caching.md, "Which changes rerun what"."""
    change(tmp_path)
    output = dry_run_in(built, tmp_path)
    if planned.startswith("every training"):
        assert trained(output) == VARIANTS
        assert "fetch" not in planned_rules(output)
        assert ("normalize" in planned_rules(output)) == planned.endswith("normalize")
    elif planned == "nothing":
        assert "Nothing to be done" in output
    else:
        assert planned_rules(output) == FIGURES | {"lecture", "render_lecture"}


@pytest.mark.e2e
def test_gpu_and_cpu_builds_exchange_models_only_when_asked(built, tmp_path):
    """The cache key of a training hashes its settings file: the models of a CPU run
    are restored for a GPU run (and the other way round) only if those are equal."""
    shadows = tmp_path / "gpu"
    cuda_build(shadows)
    settings = built.path("results/mnist/settings/train/0-v1_sigmoid.json")

    built.write_config({"software": {"share_cpu_and_gpu_results": True}}, "share.yaml")
    assert "Nothing to be done" in dry_run_in(built, shadows, "config/share.yaml")
    shared = json.loads(settings.read_text())

    output = dry_run_in(built, shadows)
    assert trained(output) == VARIANTS
    separate = json.loads(settings.read_text())
    assert separate["software"].pop("tensorflow_gpu_build")["distribution"] == "tensorflow"
    assert separate == shared


@pytest.mark.e2e
def test_a_training_made_on_another_platform_is_never_restored_here(built, tmp_path):
    """The same versions on Linux aarch64 (a sitecustomize that makes
    platform.machine() say so in the snakemake process): every job that imports a
    package plans to run, as its settings file, and so its cache key, differ."""
    other = tmp_path / "aarch64"
    other.mkdir()
    (other / "sitecustomize.py").write_text(
        'import platform\nplatform.machine = lambda: "aarch64"\n'
    )
    settings = built.path("results/mnist/settings/train/0-v1_sigmoid.json")
    assert "Nothing to be done" in dry_run(built)  # writes this platform's settings again
    here = json.loads(settings.read_text())
    output = dry_run_in(built, other)
    assert trained(output) == VARIANTS
    assert FIGURES | {"normalize", "aggregate", "lecture"} <= planned_rules(output)
    assert "fetch" not in planned_rules(output)  # the standard library only
    there = json.loads(settings.read_text())
    assert there["software"].pop("platform")["machine"] == "aarch64"
    assert here["software"].pop("platform")["machine"] != "aarch64"
    assert there == here
    assert "Nothing to be done" in dry_run(built)  # back here, nothing reruns
