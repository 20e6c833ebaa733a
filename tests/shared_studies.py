"""The studies that several tests share, built in the background.

The suite is bound by processor time, and many of its tests keep one core busy (a dry
run, a unit test). So the studies that several tests share are built in background
threads from the session's start, two at a time in the order the tests first need
them, on the cores that those tests leave idle; a study's fixture waits for it. A study
is a function of an empty directory, and of the studies it starts from (its other
parameters, named like them), that returns its Workflow."""

import inspect
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from subprocess_guard import refusing_workflow_runs

SHARED_STUDIES = {}
# The studies that run neither snakemake nor a notebook: the tests that use them stay
# in `make test-quick`.
QUICK_STUDIES = set()


def shared_study(build=None, *, quick=False):
    """A session fixture named like ``build``: the study that ``build`` makes in the
    background. ``quick``: it runs no snakemake and no notebook."""
    if build is None:
        return lambda build: shared_study(build, quick=quick)
    SHARED_STUDIES[build.__name__] = build
    if quick:
        QUICK_STUDIES.add(build.__name__)

    @pytest.fixture(scope="session", name=build.__name__)
    def study_fixture(background_studies):
        return background_studies(build.__name__)

    study_fixture.__doc__ = build.__doc__
    return study_fixture


class StudyScheduler:
    """Builds shared studies on two background threads, each once, a study's sources
    before it; ``result(name)`` waits for one (and starts one asked for only now)."""

    def __init__(self, executor: ThreadPoolExecutor, tmp_path_factory):
        self.executor = executor
        self.tmp_path_factory = tmp_path_factory
        self.builds = {}

    def start(self, name):
        if name not in self.builds:
            build = SHARED_STUDIES[name]
            # The studies it starts from are submitted first, so they never wait behind it.
            sources = [
                self.start(source) for source in list(inspect.signature(build).parameters)[1:]
            ]
            root = self.tmp_path_factory.mktemp(name)

            def made():
                with refusing_workflow_runs(name in QUICK_STUDIES):
                    return build(root, *(source.result() for source in sources))

            self.builds[name] = self.executor.submit(made)
        return self.builds[name]

    def result(self, name):
        return self.start(name).result()

    def cancel_the_rest(self):
        """After a failure with -x: start no more."""
        for build in self.builds.values():
            build.cancel()


@contextmanager
def building_in_background(items, tmp_path_factory):
    """A StudyScheduler that has started every shared study that one of ``items`` (the
    selected tests) names; on leaving, the studies not started yet are cancelled and
    the running ones finish."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="shared-study") as executor:
        scheduler = StudyScheduler(executor, tmp_path_factory)
        for item in items:
            for name in [name for name in item.fixturenames if name in SHARED_STUDIES]:
                scheduler.start(name)
        yield scheduler
        scheduler.cancel_the_rest()
