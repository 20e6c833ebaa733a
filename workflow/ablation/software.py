"""The third-party software a job's code runs: part of the job's identity.

A new TensorFlow, Keras or numpy can change every weight a training writes, so a
job's settings file (settings.py) names the installed version of each distribution
its code needs, and Snakemake's rerun decision and its between-workflow cache key,
which both read that file, change with them. Which distributions count is derived
from the code, never listed by hand:

1. the top-level modules that the job's script, and every package module it
   reaches, import, other than this package's and the standard library's
   (codehash.external_imports);
2. the distributions that install those modules (importlib.metadata);
3. everything those distributions require, and what that requires in turn, as far
   as it is installed: the requirement closure. A requirement counts when its
   environment markers hold here and it belongs to no extra, or to an extra that a
   requirement on the way asks for (``foo[bar]``). The extras a distribution was
   installed with are recorded nowhere, and they name optional features
   (``pandas[test]`` is pytest) that the code would import if it used them.

So tools that no job's code imports (pytest, snakefmt, Snakemake itself) are in
no job's identity, and a new matplotlib reaches the figures, not the trainings.

The same versions are other binaries on another platform: each wheel is compiled
for one operating system, processor architecture and Python version, and
requirements.lock installs another TensorFlow distribution on each platform
(tensorflow-cpu on Linux x86-64, tensorflow on macOS and on Linux aarch64). So a job
whose code imports any third-party package also records the platform it runs on
(``sys.platform``, ``platform.machine()`` and the Python version), and a shared
cache never hands a model trained on one platform to another.

Two facts about TensorFlow that its metadata does not state are added here:

- Keras imports its backend at run time (``KERAS_BACKEND``, default tensorflow):
  code that imports keras runs that too.
- Which build of TensorFlow is installed. ``tensorflow-cpu`` (.venv) and
  ``tensorflow[and-cuda]`` (.venv-gpu, requirements-gpu.txt) have the same version,
  but a GPU computes with other kernels and its results differ in the last bits.
  TensorFlow's version is recorded as ``tensorflow``, whichever distribution
  installs it, and a job that runs a GPU build also records that build (its build
  info, as ``tf.sysconfig.get_build_info()`` reports it, and the CUDA libraries of
  its ``and-cuda`` extra), unless the config's ``software.share_cpu_and_gpu_results``
  asks for GPU and CPU results to count as the same. A CPU build records nothing
  more, so that switch never changes a CPU run's identity.

Everything is read from metadata and source files: TensorFlow is never imported,
which keeps Snakemake's DAG check fast. Reading the metadata of every installed
distribution still takes a good part of a second, once per snakemake process: so the
workflow keeps each identity in a file named for a fingerprint of the environment
(environment_fingerprint), and a later process in the same environment reads it.
"""

import ast
import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from packaging.requirements import Requirement

from ablation.codehash import external_imports
from ablation.files import write_json
from ablation.provenance import normalized

TENSORFLOW = "tensorflow"
# The file behind tf.sysconfig.get_build_info(), inside the distribution.
BUILD_INFO = "tensorflow/python/platform/build_info.py"
# TensorFlow's extra that installs the CUDA libraries its CUDA build loads.
CUDA_EXTRA = "and-cuda"


@functools.cache
def installed() -> dict[str, importlib.metadata.Distribution]:
    """The version source: every installed distribution, by normalized name. As for
    importlib.metadata.version(), the first one on sys.path wins, so a folder of
    ``*.dist-info`` put first on PYTHONPATH changes what this reports without
    installing anything (tests/test_software.py)."""
    found = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name:  # None: a *.dist-info without metadata, left by a failed uninstall
            found.setdefault(normalized(name), distribution)
    return found


@functools.cache
def installed_requirements(name: str) -> list[str] | None:
    """The requirements of an installed distribution; None if it is not installed."""
    distribution = installed().get(normalized(name))
    return None if distribution is None else distribution.requires or []


@functools.cache
def installed_version(name: str) -> str:
    return installed()[name].version


@functools.cache
def providers() -> dict[str, str]:
    """The distribution that installs each top-level module. Where two do (tensorflow
    and tensorflow-cpu, which overwrite each other's files), the first on sys.path,
    whose files an import finds first."""
    found = {}
    for module, names in importlib.metadata.packages_distributions().items():
        named = [name for name in names if name]
        if named:
            found[module] = normalized(named[0])
    return found


def requirement_closure(
    roots: Iterable[str], requirements: Callable[[str], list[str] | None]
) -> set[str]:
    """Normalized names of the installed distributions among ``roots`` (requirement
    strings: ``keras``, ``tensorflow[and-cuda]``) and among everything they require,
    transitively. ``requirements(name)`` gives a distribution's Requires-Dist
    strings, or None when it is not installed."""
    found, done = set(), set()
    pending = [parsed(root) for root in roots]
    while pending:
        requirement = pending.pop()
        name, extras = normalized(requirement.name), frozenset(requirement.extras)
        needs = requirements(name)
        if needs is None or (name, extras) in done:
            continue
        done.add((name, extras))
        found.add(name)
        pending.extend(parsed(text) for text in needs if applies(text, extras))
    return found


@functools.cache
def parsed(requirement: str) -> Requirement:
    return Requirement(requirement)


@functools.cache
def applies(requirement: str, extras: frozenset[str]) -> bool:
    """Whether a requirement holds here, for a distribution asked for with ``extras``."""
    marker = parsed(requirement).marker
    return marker is None or any(marker.evaluate({"extra": extra}) for extra in {"", *extras})


def build_info(distribution: importlib.metadata.Distribution) -> dict | None:
    """What tf.sysconfig.get_build_info() returns, read from its source file without
    importing TensorFlow; None when the file is missing or not as expected."""
    try:
        tree = ast.parse(Path(distribution.locate_file(BUILD_INFO)).read_text())
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and [
            getattr(target, "id", None) for target in node.targets
        ] == ["build_info"]:
            value = node.value
            if isinstance(value, ast.Call) and value.args:  # OrderedDict([(k, v), ...])
                value = value.args[0]
            try:
                return dict(ast.literal_eval(value))
            except (ValueError, TypeError):
                return None
    return None


def gpu_build(name: str) -> dict | None:
    """What sets an installed GPU build of TensorFlow apart; None for a CPU-only
    build. A build whose build info cannot be read counts as a GPU build: it is
    never taken for the CPU build."""
    info = build_info(installed()[name])
    if info is not None and not (info.get("is_cuda_build") or info.get("is_rocm_build")):
        return None
    cuda = requirement_closure(
        [f"{name}[{CUDA_EXTRA}]"], installed_requirements
    ) - requirement_closure([name], installed_requirements)
    return {
        "distribution": name,
        "build_info": info,
        "libraries": {library: installed_version(library) for library in sorted(cuda)},
    }


def platform_identity() -> dict[str, str]:
    """The platform that compiled packages were built for: the operating system, the
    processor architecture and the Python version (its minor release)."""
    return {
        "system": sys.platform,
        "machine": platform.machine(),
        "python": f"{sys.implementation.name} {sys.version_info.major}.{sys.version_info.minor}",
    }


@functools.cache
def environment_fingerprint() -> str:
    """A digest of everything importlib.metadata and this module read: the
    interpreter, the platform, KERAS_BACKEND, and each folder of sys.path that holds
    distributions, in order, with each distribution's metadata folder and the size and
    modification time of that folder and of its METADATA (a new version is a new
    folder; a rewritten one, a new time). Folders without distributions, such as the
    checkout's own, are left out: a copy of a checkout elsewhere keeps its identities."""
    digest = hashlib.sha256(
        repr((sys.executable, platform_identity(), os.environ.get("KERAS_BACKEND"))).encode()
    )
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        folders = [name for name in names if name.endswith((".dist-info", ".egg-info"))]
        if folders:
            digest.update(f"{entry}\0".encode())
        for name in folders:
            folder = os.path.join(entry or ".", name)
            for path in (folder, os.path.join(folder, "METADATA")):
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


@functools.cache
def software(script, share_cpu_and_gpu_results: bool, kept_in: Path | None = None) -> dict:
    """The third-party software that ``script``'s code runs (the module docstring
    says which): {} for code that imports only the standard library and this package.
    With ``kept_in``, a folder, the identity is read from there where this
    environment (environment_fingerprint) has kept it, and kept there otherwise."""
    modules = external_imports(script)
    if "keras" in modules:
        modules.add(os.environ.get("KERAS_BACKEND", TENSORFLOW))
    if kept_in is None:
        return identity_of(frozenset(modules), share_cpu_and_gpu_results)
    kept = Path(kept_in) / f"{environment_fingerprint()}.json"
    key = json.dumps([sorted(modules), share_cpu_and_gpu_results])
    try:
        identities = json.loads(kept.read_text())
    except (OSError, ValueError):
        identities = {}
    if key not in identities:
        identities[key] = identity_of(frozenset(modules), share_cpu_and_gpu_results)
        kept.parent.mkdir(parents=True, exist_ok=True)
        write_json(kept, identities)  # whole or not at all, whatever runs beside it
    return identities[key]


def identity_of(modules: frozenset[str], share_cpu_and_gpu_results: bool) -> dict:
    """software()'s answer for code that imports the top-level ``modules``."""
    roots = sorted({providers()[module] for module in modules if module in providers()})
    names = requirement_closure(roots, installed_requirements)
    tensorflow = providers().get(TENSORFLOW)
    identity = {}
    if names:
        identity["packages"] = {
            (TENSORFLOW if name == tensorflow else name): installed_version(name)
            for name in sorted(names)
        }
        identity["platform"] = platform_identity()
    if tensorflow in names and not share_cpu_and_gpu_results:
        build = gpu_build(tensorflow)
        if build is not None:
            identity["tensorflow_gpu_build"] = build
    return identity
