"""Deployed the way Snakemake users deploy it: the Snakemake Workflow Catalog's checks,
run as its crawler runs them, in an environment holding Snakemake and snakefmt alone
(tests/snakemake_only.py), and the tiny study run in .test/ with --directory, as the
Snakemake workflow template's CI runs a workflow's test case. (A module read from a
git source at a tag: tests/test_module.py; from github(...), here, with Snakemake alone.)"""

import json
import os
import re
import subprocess

import pytest
import yaml
from clones import Workflow, make_clone
from project import REPO
from shared_studies import shared_study
from snakemake_only import snakemake_only_environment
from test_module import TAG, module_project_directory, released_repository

# What the jobs import and the parse must not need.
JOB_PACKAGES = [
    "numpy",
    "pandas",
    "tensorflow",
    "keras",
    "matplotlib",
    "nbconvert",
    "scipy",
    "statsmodels",
]
# The crawler's commands (snakemake-workflow-catalog, scripts/generate-catalog.py), from
# the root of the repository at its release. Its time limit on the rule graph (15 s)
# is a benchmark's business, not a test's.
CATALOG_LINT = ["-m", "snakemake", "--lint"]
CATALOG_RULEGRAPH = [
    "-m",
    "snakemake",
    "--forceall",
    "-s",
    "workflow/Snakefile",
    "-d",
    ".test",
    "-c",
    "1",
    "--rulegraph",
]


def catalog_format_check(clone) -> list[str]:
    return [
        "-m",
        "snakefmt",
        "--check",
        "-v",
        "workflow/Snakefile",
        *sorted(
            str(path.relative_to(clone)) for path in (clone / "workflow" / "rules").glob("*.smk")
        ),
    ]


@pytest.fixture(scope="module")
def snakemake_only(tmp_path_factory):
    """(python of a Snakemake-only environment, a fresh clone, the environment variables)."""
    root = tmp_path_factory.mktemp("snakemake-only")
    python = snakemake_only_environment(root / "env")
    env = os.environ | {"SNAKEMAKE_OUTPUT_CACHE": str(root / "cache")}
    env.pop("PYTHONPATH", None)
    return python, make_clone(root / "clone"), env


def run(python, arguments, clone, env):
    return subprocess.run(
        [str(python), *arguments], cwd=clone, env=env, capture_output=True, text=True
    )


@pytest.mark.e2e
def test_the_environment_has_snakemake_and_none_of_the_jobs_packages(snakemake_only):
    python, clone, env = snakemake_only
    for package in JOB_PACKAGES:
        found = run(
            python,
            ["-c", f"import importlib.util as u; print(u.find_spec('{package}'))"],
            clone,
            env,
        )
        assert found.stdout.strip() == "None", package
    assert run(python, ["-m", "snakemake", "--version"], clone, env).returncode == 0


@pytest.mark.e2e
def test_the_catalogs_lint_format_check_and_rule_graph_pass_with_snakemake_alone(snakemake_only):
    python, clone, env = snakemake_only
    lint = run(python, CATALOG_LINT, clone, env)
    assert lint.returncode == 0 and "Lints for" not in lint.stdout + lint.stderr, lint.stderr
    formatting = run(python, catalog_format_check(clone), clone, env)
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr
    graph = run(python, CATALOG_RULEGRAPH, clone, env)
    assert graph.returncode == 0, graph.stderr
    assert graph.stdout.startswith("digraph")
    for rule in ["train", "lecture", "findings"]:
        assert f'label = "{rule}"' in graph.stdout


@pytest.mark.e2e
def test_a_dry_run_needs_only_snakemake_and_the_software_identity_is_its_environments(
    snakemake_only,
):
    """docs/caching.md, "Software is part of each result": the versions a job's settings
    name are those installed where Snakemake runs; here none of TensorFlow's."""
    python, clone, env = snakemake_only
    plan = run(python, ["-m", "snakemake", "--dry-run", "--cores", "1"], clone, env)
    assert plan.returncode == 0, plan.stderr
    assert "train" in plan.stdout
    settings = json.loads((clone / "results/mnist/settings/train/0-v1_sigmoid.json").read_text())
    assert "tensorflow" not in json.dumps(settings.get("software", {}))


@pytest.mark.e2e
def test_snakedeploys_module_from_github_at_a_tag_plans_the_study_with_snakemake_alone(
    snakemake_only, tmp_path
):
    """docs/module.md's Snakefile as snakedeploy writes it, `github(...)` at a tag, offline:
    Snakemake's own clone of the repository (where it keeps the clones that github()
    reads, under $XDG_CACHE_HOME) is made beforehand, so it fetches nothing."""
    python, _, env = snakemake_only
    clones = tmp_path / "xdg" / "snakemake" / "snakemake" / "source-cache" / "snakemake-git-cache"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--bare",
            str(released_repository(tmp_path)),
            str(clones / "github.com" / "someone" / "mnist-ablation"),
        ],
        check=True,
        capture_output=True,
    )
    source = f'github("someone/mnist-ablation", path="workflow/Snakefile", tag="{TAG}")'
    project = module_project_directory(tmp_path / "project", source)
    plan = run(
        python,
        ["-m", "snakemake", "--dry-run", "--cores", "2"],
        project,
        env | {"XDG_CACHE_HOME": str(tmp_path / "xdg")},
    )
    assert plan.returncode == 0, plan.stderr
    assert {"train", "lecture", "findings"} <= set(
        re.findall(r"^(?:local)?rule (\w+):", plan.stdout, re.M)
    )
    assert list(project.glob(".snakemake/workflow-source/*/ablation/config.py"))


@shared_study
def dot_test_run(root, base):
    """A fresh clone that has run `snakemake --directory .test --cores 2` from its root
    (README, .test/config/config.yaml), with base's cache."""
    clone = Workflow(make_clone(root / "clone"), base.cache)
    clone.first_run = clone.run("--directory", ".test", "--cores", "2")
    return clone


@pytest.mark.e2e
def test_the_tiny_study_runs_in_dot_test_with_directory(dot_test_run):
    """The tiny study runs in .test/, and with base's cache it trains nothing."""
    clone = dot_test_run
    results = clone.path(".test/results/mnist")
    for table in ["summary.csv", "findings.csv"]:
        assert (results / table).stat().st_size
    assert (results / "lecture" / "lecture.html").stat().st_size
    assert (
        "Symlinking output file results/mnist/models/v1_sigmoid/seed0.keras from cache"
        in clone.first_run.output
    )
    assert not clone.path("results").exists()


def test_the_catalog_lists_the_workflow():
    """What the crawler requires before it looks further: workflow/Snakefile, rule files
    ending in .smk, its settings file as a mapping, config/README.md and a licence."""
    assert (REPO / "workflow" / "Snakefile").is_file()
    assert list((REPO / "workflow" / "rules").glob("*.smk"))
    assert isinstance(yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text()), dict)
    assert (REPO / "config" / "README.md").is_file() and (REPO / "LICENSE").is_file()


def test_config_readme_links_nothing_that_the_catalog_page_lacks():
    """The catalog shows config/README.md as a page of its own: a relative link there
    leads nowhere. Links are absolute URLs or anchors of the page itself."""
    text = (REPO / "config" / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'href="([^"]+)"', text)
    assert [target for target in targets if not re.match(r"(https?://|#)", target)] == []
