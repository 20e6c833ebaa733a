"""What the project defines, named once for the tests: the repository, its Snakemake,
the tiny study of .test/ (its config, its data, the config file a clone's runs read),
the default config, its schema and the variants it declares."""

import sys
from pathlib import Path

import yaml

from ablation.config import variant_specs

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
# The tiny study (the Snakemake community's .test/ convention): its config, and its
# generated data, which test_tinydata keeps equal to tinydata's.
TEST_CONFIG = REPO / ".test" / "config" / "config.yaml"
TEST_DATA = REPO / ".test" / "data" / "mnist"
# The tiny data as a run from a clone's root names it (.test's config names it from .test/).
TEST_DATA_FROM_ROOT = str(TEST_DATA.relative_to(REPO))
# Where a clone's runs find the tiny study's config (Workflow.write_config writes it).
TINY_CONFIG = "config/tiny.yaml"
# The study the workflow reads first, and the schema that validates every config.
DEFAULT_CONFIG = REPO / "config" / "config.yaml"
CONFIG_SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def default_config() -> dict:
    """config/config.yaml, freshly read: a test may change its copy."""
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


# The study's variants, in the order config/config.yaml declares them (the tiny study
# of .test/ trains them all).
VARIANTS = list(variant_specs(default_config()))
