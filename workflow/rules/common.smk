# Process set-up and config validation. Each stage's helpers are in the
# functions-only file named for it (<stage>_helpers.smk, included before its rules);
# a rule's own settings are written in the rule.

import os
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

# The Snakemake that the test suite runs (requirements.lock): the caching and rerun
# guarantees rest on its behaviour, which has changed between releases.
min_version("9.27.1")

# The logic lives in the package workflow/ablation (on disk: rules/source.smk).
# PYTHONPATH carries it to the rule scripts, which run in their own Python
# processes. The parse imports only its modules that need nothing but the standard
# library and Snakemake: it runs where Snakemake alone is installed (the Workflow
# Catalog's lint); the jobs import the rest.
PACKAGE_ROOT = str(WORKFLOW_FOLDER)
sys.path.insert(0, PACKAGE_ROOT)

from ablation.interpreter import InterpreterPathError, python_for_rule_scripts

# Snakemake writes this into each job's command unquoted (ablation/interpreter.py):
# the same Python, named so that the shell reads it as one word.
try:
    sys.executable = python_for_rule_scripts(sys.executable, os.getcwd())
except InterpreterPathError as error:
    raise WorkflowError(str(error)) from None

os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])
    )
)

# Between-workflow cache location: the profile turns --cache on; this default
# makes it work without setting the variable (docs/caching.md, "How caching works").
CACHE_DIR = os.environ.setdefault(
    "SNAKEMAKE_OUTPUT_CACHE",
    str(
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "mnist-ablation"
    ),
)
Path(CACHE_DIR).mkdir(parents=True, exist_ok=True)

from ablation.cache import make_read_only, remove_dangling_links
from ablation.config import (
    ConfigError,
    check_config,
    describe_schema_error,
    variant_specs,
)
from ablation.datasets import FILE_NAMES
from ablation.reference import check_reference


def check_whole_config(checked):
    """The schema (defaults filled in), then what it cannot express: the checks of
    the config and of each study's config (rules/studies.smk)."""
    try:
        validate(checked, "../schemas/config.schema.yaml")
    except WorkflowError as error:
        raise ConfigError(describe_schema_error(error)) from None
    check_config(checked)
    check_reference(checked)


check_whole_config(config)


for link in remove_dangling_links("results", CACHE_DIR):
    print(
        f"{link}: its cache entry is gone; the job that makes it runs again",
        file=sys.stderr,
    )


onsuccess:
    make_read_only("results", CACHE_DIR)


onerror:
    make_read_only("results", CACHE_DIR)


VARIANT_SPECS = variant_specs(config)
DATASETS = config["data"]["datasets"]
SEEDS = config["training"]["seeds"]


wildcard_constraints:
    dataset="|".join(DATASETS),
    variant="|".join(VARIANT_SPECS),
    seed=r"\d+",
    file="|".join(FILE_NAMES),
