"""The guard of `make test-quick`: a test not marked e2e that starts snakemake or a
notebook is stopped, so the quick tier cannot grow slow unnoticed (conftest installs
GuardedPopen for every such test)."""

import os
import subprocess
import threading
from pathlib import Path

WORKFLOW_PROGRAMS = {"snakemake", "jupyter", "jupyter-nbconvert", "jupyter-execute", "papermill"}


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
            raise AssertionError(
                f"{args!r}: a test that runs snakemake or a notebook must be "
                "marked e2e (pytest.mark.e2e), or `make test-quick` would run it"
            )
        super().__init__(args, *more, **options)
