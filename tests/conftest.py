import os
import shutil
import socket
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tinydata import write_tiny_dataset

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# What a fresh clone holds: everything but generated and local-only paths.
NOT_IN_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "results", "resources", "logs", ".snakemake", "__pycache__",
    ".pytest_cache", ".ci-cache", ".venv-slurm", ".venv-bench", ".venv-gpu", "node_modules", "work",
)


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


def tiny_config(mirrors, sha256, **training) -> dict:
    return {
        "data": {
            "sources": {
                "mnist": {
                    "mirrors": mirrors,
                    "sha256": sha256,
                    "train_size": 300,
                    "test_size": 120,
                }
            }
        },
        "training": {"epochs": 1, **training},
        # The lecture notebook runs in `base` only (tiny_workflow): a kernel start per run.
        "report": {"prediction_indices": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
                   "lecture": False, "lecture_sample": 7},
        # The default holds out 10,000 examples, more than the tiny training set has.
        "tuning": {"validation_size": 60},
    }


class Workflow:
    """A fresh clone of the repository with its own cache, run with the real snakemake."""

    def __init__(self, directory: Path, cache: Path):
        self.directory = directory
        self.cache = cache

    def write_config(self, config: dict, name="tiny.yaml") -> Path:
        path = self.directory / "config" / name
        path.write_text(yaml.safe_dump(config))
        return path

    def run(self, *args, check=True, timeout=900):
        env = os.environ | {"SNAKEMAKE_OUTPUT_CACHE": str(self.cache)}
        result = subprocess.run(
            [SNAKEMAKE, *args],
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


@pytest.fixture
def workflow_clone(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    return Workflow(make_clone(tmp_path / "clone"), cache)


@pytest.fixture(scope="session")
def served_tiny(tmp_path_factory):
    """The tiny dataset behind a plain local HTTP mirror: (URL, sha256)."""
    directory = tmp_path_factory.mktemp("mirror")
    sha256 = write_tiny_dataset(directory)
    handler = partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", sha256
    server.shutdown()
    server.server_close()


def tiny_workflow(root: Path, served, cores="4", lecture=False) -> Workflow:
    """A fresh clone with its own empty cache that has run the tiny study once."""
    (root / "cache").mkdir(parents=True)
    flow = Workflow(make_clone(root / "clone"), root / "cache")
    url, sha256 = served
    config = tiny_config([url], sha256)
    config["report"]["lecture"] = lecture
    flow.write_config(config)
    flow.first_run = flow.run("--cores", cores, "--configfile", "config/tiny.yaml")
    return flow


@pytest.fixture(scope="session")
def base(tmp_path_factory, served_tiny):
    """A clone that has run the whole workflow once, the lecture included: 1 epoch, --cores 4."""
    return tiny_workflow(tmp_path_factory.mktemp("base"), served_tiny, lecture=True)


@pytest.fixture(scope="session")
def second_clean_run(tmp_path_factory, served_tiny):
    """The same study from scratch in another clone, its own empty cache, --cores 4."""
    return tiny_workflow(tmp_path_factory.mktemp("clean"), served_tiny)
