"""`make test-quick` runs no snakemake and no notebook: tests/conftest.py stops an
unmarked test that starts one, and so does a shared study declared quick, so the quick
tier cannot grow slow unnoticed."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import shared_studies
from project import SNAKEMAKE
from shared_studies import StudyScheduler
from subprocess_guard import runs_the_workflow


def test_a_workflow_run_is_recognised_however_it_is_started():
    assert runs_the_workflow([SNAKEMAKE, "-n"])
    assert runs_the_workflow([sys.executable, "-X", "importtime", "-m", "snakemake", "-n"])
    assert runs_the_workflow("jupyter nbconvert --to html --execute lecture.ipynb")
    assert not runs_the_workflow(["git", "rev-parse", "HEAD"])
    assert not runs_the_workflow([sys.executable, "-m", "pytest", "--snakemake"])


def test_a_test_without_the_e2e_marker_cannot_start_snakemake():
    with pytest.raises(AssertionError, match="must be marked e2e"):
        subprocess.run([SNAKEMAKE, "--version"], capture_output=True)


def test_a_quick_shared_study_cannot_start_snakemake(monkeypatch, tmp_path_factory):
    def starts_snakemake(root):
        subprocess.run([SNAKEMAKE, "--version"], capture_output=True)

    monkeypatch.setitem(shared_studies.SHARED_STUDIES, "starts_snakemake", starts_snakemake)
    monkeypatch.setattr(shared_studies, "QUICK_STUDIES", {"starts_snakemake"})
    with ThreadPoolExecutor(1) as executor:
        with pytest.raises(AssertionError, match="must not be declared quick"):
            StudyScheduler(executor, tmp_path_factory).result("starts_snakemake")
