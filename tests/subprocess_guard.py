"""The guard of `make test-quick`: a test not marked e2e that starts snakemake or a
notebook is stopped, and so is a quick shared study (tests/shared_studies.py), so the
quick tier cannot grow slow unnoticed (conftest installs GuardedPopen for the session)."""

import os
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

WORKFLOW_PROGRAMS = {"snakemake", "jupyter", "jupyter-nbconvert", "jupyter-execute", "papermill"}

# Per thread: whether GuardedPopen refuses a workflow run there now.
REFUSING = threading.local()


def runs_the_workflow(args) -> bool:
    words = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    words = [os.fsdecode(word) for word in words]
    if isinstance(args, (str, bytes)):
        words = words[0].split()
    programs = [Path(words[0]).name] if words else []
    if "-m" in words[:-1]:  # python -m snakemake
        programs.append(words[words.index("-m") + 1].split(".")[0])
    return bool(WORKFLOW_PROGRAMS & set(programs))


@contextmanager
def refusing_workflow_runs(refuse: bool = True):
    """Inside it, in this thread, GuardedPopen refuses to start snakemake or a notebook
    (if ``refuse``): the main thread while a test not marked e2e runs, and the thread
    that builds a quick shared study, whatever test runs meanwhile."""
    before = getattr(REFUSING, "active", False)
    REFUSING.active = refuse
    try:
        yield
    finally:
        REFUSING.active = before


class GuardedPopen(subprocess.Popen):
    """subprocess.Popen for the whole session: refuses a workflow run in a thread
    inside refusing_workflow_runs. The shared studies' background threads may run
    snakemake meanwhile."""

    def __init__(self, args, *more, **options):
        if runs_the_workflow(args) and getattr(REFUSING, "active", False):
            raise AssertionError(
                f"{args!r}: a test that runs snakemake or a notebook must be "
                "marked e2e (pytest.mark.e2e), and a shared study that does must not be "
                "declared quick, or `make test-quick` would run it"
            )
        super().__init__(args, *more, **options)
