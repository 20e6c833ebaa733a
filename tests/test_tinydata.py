"""The tiny study of .test/: its committed data is what tests/tinydata.py generates,
and its config names that data by its hashes, so neither can drift."""

import yaml
from project import TEST_CONFIG, TEST_DATA
from tinydata import write_tiny_dataset


def test_the_committed_tiny_data_is_what_the_generator_writes(tmp_path):
    sha256 = write_tiny_dataset(tmp_path)
    generated = {path.name: path.read_bytes() for path in sorted(tmp_path.iterdir())}
    committed = {path.name: path.read_bytes() for path in sorted(TEST_DATA.iterdir())}
    assert committed == generated
    source = yaml.safe_load(TEST_CONFIG.read_text())["data"]["sources"]["mnist"]
    assert source["sha256"] == sha256
    # Relative to .test/, where `snakemake --directory .test` runs.
    assert source["mirrors"] == [str(TEST_DATA.relative_to(TEST_CONFIG.parents[1]))]
    assert sum(map(len, committed.values())) < 300_000  # small enough to commit
