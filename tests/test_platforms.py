"""One lock for every platform README names: Linux x86-64, Linux aarch64 and macOS on
Apple silicon, CPython 3.11 to 3.13. Environment markers choose the TensorFlow that
has wheels on each; .ci/check_platforms.py asks uv to install the lock for each, and
names the package and platform that has no wheel."""

import hashlib
import importlib.util
import re
import subprocess
import threading
import zipfile
from functools import partial
from http.server import ThreadingHTTPServer

import pytest
from mirror_servers import QuietHandler
from packaging.requirements import Requirement
from project import REPO

from ablation.provenance import locked_versions

spec = importlib.util.spec_from_file_location(
    "check_platforms", REPO / ".ci" / "check_platforms.py"
)
check_platforms = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_platforms)

# packaging's marker variables on each platform, as uv's --python-platform names it.
MARKERS = {
    "x86_64-manylinux_2_28": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
    },
    "aarch64-manylinux_2_28": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "aarch64",
    },
    "aarch64-apple-darwin": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "platform_machine": "arm64",
    },
}
TENSORFLOWS = set(check_platforms.TENSORFLOW)


def environments() -> list:
    return [
        pytest.param(
            MARKERS[platform] | {"python_version": python, "python_full_version": f"{python}.0"},
            id=f"{platform}-{python}",
        )
        for platform in check_platforms.PLATFORMS
        for python in check_platforms.PYTHONS
    ]


def required_here(environment) -> dict[str, str]:
    """requirements.txt's pins whose markers hold in ``environment``."""
    found = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                found[requirement.name] = str(requirement.specifier).removeprefix("==")
    return found


def test_the_check_covers_a_platform_per_marker_environment():
    assert set(check_platforms.PLATFORMS) == set(MARKERS)


@pytest.mark.parametrize("environment", environments())
def test_each_platform_gets_exactly_one_tensorflow_at_its_pinned_version(environment):
    required = required_here(environment)
    locked = locked_versions((REPO / "requirements.lock").read_text(), environment)
    assert len(TENSORFLOWS & set(required)) == 1
    assert {name: locked.get(name) for name in TENSORFLOWS if name in locked} == {
        name: required[name] for name in TENSORFLOWS & set(required)
    }
    # Every top-level pin that holds here is what the lock installs here.
    assert {name: locked.get(name.split("[")[0]) for name in required} == required
    # TensorBoard's minor release is TensorFlow's: each TensorFlow requires its own.
    tensorflow = next(locked[name] for name in TENSORFLOWS if name in locked)
    assert locked["tensorboard"].split(".")[:2] == tensorflow.split(".")[:2]


@pytest.mark.parametrize("environment", environments())
def test_linux_x86_64_keeps_tensorflow_cpu_and_the_others_get_tensorflow(environment):
    locked = locked_versions((REPO / "requirements.lock").read_text(), environment)
    expected = "tensorflow-cpu" if environment["platform_machine"] == "x86_64" else "tensorflow"
    assert TENSORFLOWS & set(locked) == {expected}


@pytest.mark.parametrize(
    "environment",
    [
        {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "x86_64"},
        {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "ppc64le"},
        {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64"},
    ],
    ids=["intel-mac", "linux-ppc64le", "windows"],
)
def test_another_platform_asks_for_a_tensorflow_rather_than_none(environment):
    """There the installer stops at once, naming tensorflow-cpu and the wheels it has
    (docs/troubleshooting.md), instead of making an environment without TensorFlow."""
    locked = locked_versions((REPO / "requirements.lock").read_text(), environment)
    assert TENSORFLOWS & set(locked) == {"tensorflow-cpu"}


def test_readme_names_each_platform_with_the_tensorflow_the_lock_gives_it():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Where it runs", 1)[1].split("\n## ", 1)[0]
    rows = {row.split("|")[1].strip(): row for row in section.splitlines() if row.startswith("| ")}
    for platform, name in check_platforms.PLATFORMS.items():
        row = next(row for title, row in rows.items() if title.startswith(name))
        environment = MARKERS[platform]
        locked = locked_versions((REPO / "requirements.lock").read_text(), environment)
        (tensorflow,) = TENSORFLOWS & set(locked)
        assert f"`{tensorflow}=={locked[tensorflow]}`" in row
    *earlier, last = check_platforms.PYTHONS
    assert f"CPython {', '.join(earlier)} or {last}" in " ".join(section.split())


# --- the check itself, against a package index on 127.0.0.1 (no network) -------------------


@pytest.fixture
def index(tmp_path, monkeypatch):
    """(URL, folder) of a PEP 503 simple index served on 127.0.0.1: what PyPI
    answers uv, for the wheels that ``wheel`` puts in the folder."""
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    folder = tmp_path / "simple"
    folder.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", folder
    server.shutdown()
    server.server_close()


def wheel(index_folder, name, version, tag) -> str:
    """A minimal wheel of ``name`` for platform ``tag``, listed in the index; its lock
    entry."""
    info = f"{name.replace('-', '_')}-{version}.dist-info"
    project = index_folder / name
    project.mkdir()
    path = project / f"{name.replace('-', '_')}-{version}-py3-none-{tag}.whl"
    files = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: py3-none-{tag}\n",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for file, text in files.items():
            archive.writestr(file, text)
        archive.writestr(f"{info}/RECORD", "")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (project / "index.html").write_text(
        f'<html><body><a href="{path.name}#sha256={digest}">{path.name}</a></body></html>'
    )
    return f"{name}=={version} \\\n    --hash=sha256:{digest}\n"


def check(lock, index_url, capsys) -> tuple[int, str, str]:
    code = check_platforms.main(["--lock", str(lock), "--", "--index-url", index_url])
    said = capsys.readouterr()
    return code, said.out, said.err


def test_a_lock_with_wheels_everywhere_passes_on_every_platform(index, tmp_path, capsys):
    url, folder = index
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        wheel(folder, "anywhere", "1.0", "any") + wheel(folder, "tensorflow", "2.0", "any")
    )
    code, out, err = check(lock, url, capsys)
    assert code == 0, err
    for platform, name in check_platforms.PLATFORMS.items():
        for python in check_platforms.PYTHONS:
            assert f"{name} ({platform}), Python {python}: installs, with tensorflow==2.0" in out


def test_a_package_without_a_wheel_for_a_platform_is_named_with_the_platform(
    index, tmp_path, capsys
):
    url, folder = index
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        wheel(folder, "anywhere", "1.0", "any")
        + wheel(folder, "x86-only", "2.21.0", "manylinux_2_17_x86_64")
    )
    code, out, err = check(lock, url, capsys)
    assert code == 1
    failing = re.findall(
        r"x86-only==2\.21\.0 has no wheel for .+? \(([\w.-]+)\), Python ([\d.]+)", err
    )
    assert set(failing) == {
        (platform, python)
        for platform in check_platforms.PLATFORMS
        if not platform.startswith("x86_64")
        for python in check_platforms.PYTHONS
    }
    assert "Linux x86-64 (x86_64-manylinux_2_28), Python 3.11: installs, with no TensorFlow" in out
    assert "make lock" in err  # and the way out


def test_make_check_platforms_runs_the_check(index, tmp_path):
    """`make check-platforms` (CI runs it against PyPI), here against the local index."""
    url, folder = index
    lock = tmp_path / "requirements.lock"
    lock.write_text(wheel(folder, "x86-only", "1.0", "manylinux_2_17_x86_64"))
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed",
            "check-platforms",
            f"ARGS=--lock {lock} -- --index-url {url}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "x86-only==1.0 has no wheel for macOS arm64" in result.stderr
    assert "Linux x86-64 (x86_64-manylinux_2_28), Python 3.13: installs" in result.stdout


def test_the_arm64_study_script_parses():
    """`make arm64-study` needs root, the network and hours; bash reads it whole here."""
    subprocess.run(["bash", "-n", str(REPO / ".ci" / "arm64_study.sh")], check=True)


def test_ci_runs_the_platform_check():
    """README: "CI asks PyPI whether each platform and Python installs the lock"."""
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert "make check-platforms" in lines


def test_readme_names_the_glibc_that_the_check_asks_for():
    """README's "Linux needs glibc 2.28 or newer" is the manylinux tag the check resolves."""
    tags = {
        re.search(r"manylinux_(\d+)_(\d+)", platform).groups()
        for platform in check_platforms.PLATFORMS
        if "manylinux" in platform
    }
    ((major, minor),) = tags
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"Linux needs glibc {major}.{minor} or newer" in readme
