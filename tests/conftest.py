import inspect
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from tinydata import write_tiny_dataset

REPO = Path(__file__).resolve().parents[1]
# The tiny study (the Snakemake community's .test/ convention): its config, run as it
# is by `base`, and its generated data, which test_tinydata keeps equal to tinydata's.
TEST_CONFIG = REPO / ".test" / "config" / "config.yaml"
TEST_DATA = REPO / ".test" / "data" / "mnist"
# The tiny data as a run from a clone's root names it (.test's config names it from .test/).
TEST_DATA_FROM_ROOT = str(TEST_DATA.relative_to(REPO))
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# What a fresh clone holds: everything but generated and local-only paths.
NOT_IN_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "results", "resources", "logs", ".snakemake", "__pycache__",
    ".pytest_cache", ".ci-cache", ".venv-slurm", ".venv-bench", ".venv-gpu", "node_modules", "work",
)


# `make test-quick` runs the tests not marked e2e: no snakemake, no notebook. These
# fixtures run snakemake (and so do the shared studies, SHARED_STUDIES below), and so
# does any subprocess named below.
E2E_FIXTURES = {"served_tiny"}
WORKFLOW_PROGRAMS = {"snakemake", "jupyter", "jupyter-nbconvert", "jupyter-execute", "papermill"}


def pytest_collection_modifyitems(items):
    unmarked = [f"{item.nodeid} (uses {', '.join(sorted(uses_e2e_fixtures(item)))})"
                for item in items
                if item.get_closest_marker("e2e") is None and uses_e2e_fixtures(item)]
    if unmarked:
        raise pytest.UsageError("tests that run snakemake must be marked e2e:\n" + "\n".join(unmarked))
    # The modules that need no shared study run first, while the studies build in the
    # background (background_studies); each module keeps its own order.
    needs_study = {item.module for item in items if SHARED_STUDIES.keys() & set(item.fixturenames)}
    items.sort(key=lambda item: item.module in needs_study)


def uses_e2e_fixtures(item) -> set[str]:
    return (E2E_FIXTURES | SHARED_STUDIES.keys()) & set(item.fixturenames)


def runs_the_workflow(args) -> bool:
    words = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    words = [os.fsdecode(word) for word in words]
    if isinstance(args, (str, bytes)):
        words = words[0].split()
    programs = [Path(words[0]).name] if words else []
    if "-m" in words[:-1]:  # python -m snakemake
        programs.append(words[words.index("-m") + 1].split(".")[0])
    return bool(WORKFLOW_PROGRAMS & set(programs))


class GuardedPopen(subprocess.Popen):
    """Popen for tests not marked e2e. The shared studies' background thread may run
    snakemake while such a test runs: only the test's own (main) thread is stopped."""

    def __init__(self, args, *more, **options):
        if runs_the_workflow(args) and threading.current_thread() is threading.main_thread():
            raise AssertionError(f"{args!r}: a test that runs snakemake or a notebook must be "
                                 "marked e2e (pytest.mark.e2e), or `make test-quick` would run it")
        super().__init__(args, *more, **options)


@pytest.fixture(autouse=True)
def workflow_runs_only_in_e2e_tests(request, monkeypatch):
    if request.node.get_closest_marker("e2e") is None:
        monkeypatch.setattr(subprocess, "Popen", GuardedPopen)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class FaultyMirrorHandler(QuietHandler):
    """Serves a directory under /ok/, and misbehaves under the other prefixes:
    /404/ and /500/ answer with those codes, /html/ with a 200 HTML page,
    /truncated/ announces the full length but sends half, /corrupt/ flips a byte
    inside the gzip stream (a CRC error), /slow/ sends half, notes "half sent:
    <path>" in ``requests_seen``, and stalls until ``release`` is set (at the
    fixture's end) or a minute has passed."""

    requests_seen: list
    release: threading.Event

    def do_GET(self):
        self.requests_seen.append(self.path)
        prefix, _, name = self.path.lstrip("/").partition("/")
        path = Path(self.directory) / name
        if prefix == "404" or not path.is_file():
            return self.send_error(404)
        if prefix == "500":
            return self.send_error(500)
        body = path.read_bytes()
        sent = body
        if prefix == "html":
            body = sent = b"<!DOCTYPE html><html><body>Quota exceeded</body></html>"
        elif prefix == "truncated":
            sent = body[: len(body) // 2]
        elif prefix == "slow":  # half now, the rest much later: a hanging transfer
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.requests_seen.append(f"half sent: {self.path}")
            self.release.wait(timeout=60)
            return
        elif prefix == "corrupt":
            middle = len(body) // 2
            body = sent = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(sent)


def unused_port_url() -> str:
    """A mirror that refuses every connection: a machine without network, for downloads."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def mirror_server(tmp_path):
    """(base URL, served directory, list of request paths) of a local HTTP mirror."""
    served = tmp_path / "served"
    served.mkdir()
    seen, release = [], threading.Event()
    handler = partial(
        type("Handler", (FaultyMirrorHandler,), {"requests_seen": seen, "release": release}),
        directory=str(served),
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", served, seen
    release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def tiny_dataset(tmp_path):
    """A tiny MNIST-shaped dataset: (directory of .gz files, sha256 by file name)."""
    directory = tmp_path / "tiny"
    return directory, write_tiny_dataset(directory)


def make_clone(destination) -> Path:
    shutil.copytree(REPO, destination, ignore=NOT_IN_CLONE)
    return Path(destination)


def tiny_config(mirrors=None, sha256=None, lecture=False, **training) -> dict:
    """The tiny study's config, .test/config/config.yaml, for a run from a clone's
    root (or with other mirrors), other hashes or training settings on top (merged as
    snakemake merges a second --configfile).
    The lecture notebook runs only where a test looks at it (`base`, `warm_clone`, the
    SLURM test): a kernel start per run."""
    config = yaml.safe_load(TEST_CONFIG.read_text())
    source = {"mirrors": mirrors or [TEST_DATA_FROM_ROOT], "sha256": sha256}
    update_config(config, {
        "data": {"sources": {"mnist": {k: v for k, v in source.items() if v is not None}}},
        "training": training,
        "report": {"lecture": lecture},
    })
    return config


class Workflow:
    """A fresh clone of the repository with its own cache, run with the real snakemake
    (.venv's, or ``snakemake``: the command that runs it, in environment ``env``)."""

    def __init__(self, directory: Path, cache: Path, snakemake=(SNAKEMAKE,), env=None):
        self.directory = directory
        self.cache = cache
        self.snakemake = list(snakemake)
        self.env = env or os.environ

    def write_config(self, config: dict, name="tiny.yaml") -> Path:
        path = self.directory / "config" / name
        path.write_text(yaml.safe_dump(config))
        return path

    def run(self, *args, check=True, timeout=900, env=None):
        """``env``: variables on top of the workflow's (never set in os.environ: the
        shared studies run snakemake in background threads meanwhile)."""
        env = self.env | {"SNAKEMAKE_OUTPUT_CACHE": str(self.cache)} | (env or {})
        result = subprocess.run(
            [*self.snakemake, *args],
            cwd=self.directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result.output = result.stdout + result.stderr
        if check and result.returncode != 0:
            raise AssertionError(
                f"snakemake {' '.join(args)} failed:\n{result.stdout[-5000:]}\n{result.stderr[-8000:]}"
            )
        return result

    def path(self, relative) -> Path:
        return self.directory / relative


@pytest.fixture(scope="session")
def served_tiny():
    """The tiny study's data behind a plain local HTTP mirror: (URL, sha256)."""
    handler = partial(QuietHandler, directory=str(TEST_DATA))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", tiny_sha256()
    server.shutdown()
    server.server_close()


def tiny_sha256() -> dict:
    return yaml.safe_load(TEST_CONFIG.read_text())["data"]["sources"]["mnist"]["sha256"]


# The suite is bound by processor time, and many of its tests keep one core busy (a
# dry run, a unit test). So the studies that several tests share are built in
# background threads from the session's start, two at a time in the order the tests
# first need them, on the cores that those tests leave idle; a study's fixture waits
# for it. A study is a function of an empty directory, and of the studies it starts
# from (its other parameters, named like them), that returns its Workflow.
SHARED_STUDIES = {}


def shared_study(build):
    """A session fixture named like ``build``: the study that ``build`` makes in the background."""
    SHARED_STUDIES[build.__name__] = build

    @pytest.fixture(scope="session", name=build.__name__)
    def study_fixture(background_studies):
        return background_studies(build.__name__)

    study_fixture.__doc__ = build.__doc__
    return study_fixture


@pytest.fixture(scope="session", autouse=True)
def background_studies(request, tmp_path_factory):
    """Starts building every shared study that a selected test names; gives the
    function that waits for one (and starts one asked for by name only now)."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="shared-study") as executor:
        builds = {}

        def start(name):
            if name not in builds:
                build = SHARED_STUDIES[name]
                # The studies it starts from are submitted first, so they never wait
                # behind it.
                sources = [start(source) for source in list(inspect.signature(build).parameters)[1:]]
                root = tmp_path_factory.mktemp(name)
                builds[name] = executor.submit(
                    lambda: build(root, *(source.result() for source in sources)))
            return builds[name]

        for item in request.session.items:
            for name in [name for name in item.fixturenames if name in SHARED_STUDIES]:
                start(name)
        yield lambda name: start(name).result()
        for build in builds.values():  # after a failure with -x: start no more
            build.cancel()


@shared_study
def base(root):
    """A clone that has run the tiny study once, as .test/config/config.yaml has it
    (the lecture included) from the clone's root: 1 epoch, --cores 4, with
    config/tiny.yaml, which later runs use too."""
    (root / "cache").mkdir()
    flow = Workflow(make_clone(root / "clone"), root / "cache")
    flow.write_config(tiny_config(lecture=True))
    flow.first_run = flow.run("--cores", "4", "--configfile", "config/tiny.yaml")
    return flow


@shared_study
def study(root):
    """2 datasets x 2 variants x 2 seeds, 2 epochs, --cores 4, its own empty cache and
    no network: MNIST's four .gz files placed in resources/mnist/ beforehand (its
    mirror refuses every connection), Fashion-MNIST's from a directory mirror.
    test_study checks the seeds and datasets, test_nothing_lost the placed files."""
    (root / "cache").mkdir()
    flow = Workflow(make_clone(root / "clone"), root / "cache")
    shutil.copytree(TEST_DATA, flow.path("resources/mnist"))
    flow.placed = {path.name: path.read_bytes() for path in sorted(TEST_DATA.iterdir())}
    fashion_sha256 = write_tiny_dataset(root / "fashion", seed=1)
    config = tiny_config([unused_port_url()], seeds=[0, 1], epochs=2)
    config["data"]["datasets"] = ["mnist", "fashion_mnist"]
    config["data"]["sources"]["fashion_mnist"] = {
        "mirrors": [str(root / "fashion")], "sha256": fashion_sha256,
        "train_size": 300, "test_size": 120,
    }
    config["variants"] = [{"name": "v1_sigmoid"}, {"name": "v2_relu", "activation": "relu"}]
    config["findings"] = TWO_VARIANT_FINDINGS
    flow.write_config(config)
    flow.first_run = flow.run("--cores", "4", "--configfile", "config/tiny.yaml")
    return flow


def layered_venv(directory: Path) -> Path:
    """An environment layered on .venv as the Makefile's `layered_venv` makes
    .venv-slurm and .venv-bench (a venv whose .pth file names .venv's site-packages),
    without extra packages; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    python = directory / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", PURELIB], check=True, capture_output=True,
                             text=True).stdout.strip()
    Path(purelib, "mnist-ablation-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
# A checkout path with all three kinds of name that once broke a run: a space, an
# apostrophe (Snakemake's notebook preamble) and letters outside ASCII.
ODD_NAME = "the clone's café"


def without_jupyter(path: str) -> str:
    """PATH without the folders that hold a jupyter program (.venv/bin among them)."""
    return os.pathsep.join(
        folder for folder in path.split(os.pathsep)
        if not any(Path(folder, name).exists() for name in ("jupyter", "jupyter-nbconvert")))


@shared_study
def warm_clone(root, base):
    """A fresh clone in a folder named ODD_NAME that has run the tiny study (base's
    settings, the lecture included) with base's cache, so it trains nothing, from an
    environment layered on .venv inside it (.venv-bench, as `make bench-env` makes it)
    and a PATH without jupyter."""
    directory = make_clone(root / ODD_NAME)
    python = layered_venv(directory / ".venv-bench")
    clone = Workflow(directory, base.cache, snakemake=[python, "-m", "snakemake"],
                     env=os.environ | {"PATH": without_jupyter(os.environ["PATH"])})
    clone.python = python
    clone.write_config(tiny_config(lecture=True))
    clone.first_run = clone.run("--cores", "4", "--configfile", "config/tiny.yaml")
    return clone


# Two studies that differ in a key that no training depends on (docs/studies.md).
COMPARED_STUDIES = {"grid": {"report.lecture_sample": [3, 5]}}


@shared_study
def compared(root, base):
    """A fresh clone that has run `snakemake compare` on COMPARED_STUDIES, the tiny
    study's settings without the lecture, with base's cache: every training, made by
    base's run before, comes back from the cache. test_studies."""
    flow = Workflow(make_clone(root / "clone"), base.cache)
    config = tiny_config()
    config["studies"] = COMPARED_STUDIES
    flow.write_config(config)
    flow.first_run = flow.run("--cores", "4", "compare", "--configfile", "config/tiny.yaml")
    return flow


# What a config with only the first two variants declares: a finding may name only
# variants the study trains (ablation/config.py check_findings).
TWO_VARIANT_FINDINGS = [
    {"name": "relu_converges_fastest", "sentence": "ReLU's training loss is below sigmoid's",
     "variant": "v2_relu", "reference": "v1_sigmoid", "measure": "training_loss", "epoch": 1,
     "expect": "below"},
    {"name": "relu_beats_sigmoid", "sentence": "ReLU ends with a higher test accuracy",
     "variant": "v2_relu", "reference": "v1_sigmoid", "measure": "test_accuracy",
     "expect": "above"},
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
    flow.head = subprocess.run(git + ["rev-parse", "HEAD"], cwd=flow.directory, check=True,
                               capture_output=True, text=True).stdout.strip()
    flow.write_config(tiny_config())  # untracked, as results and logs are
    flow.first_run = flow.run(
        "--cores", "1", "--workflow-profile", "none", "--max-checksum-file-size", "2000000000",
        "--rerun-triggers", "mtime", "params", "input", "software-env",
        "--configfile", "config/tiny.yaml")
    return flow
