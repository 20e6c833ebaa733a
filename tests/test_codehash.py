import shutil

import pytest

from ablation import codehash


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the package whose files the tests may edit."""
    copy = tmp_path / "ablation"
    shutil.copytree(codehash.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codehash, "PACKAGE_DIR", copy)
    yield copy
    codehash.parsed_module.cache_clear()  # no digests of the copy left behind
    codehash.code_digest.cache_clear()


def digest(module):
    """The digest as a new Snakemake process would compute it (no cached parses)."""
    codehash.parsed_module.cache_clear()
    codehash.code_digest.cache_clear()
    return codehash.code_digest(module)


def test_closure_follows_package_imports_including_lazy_ones():
    closure = codehash.import_closure("ablation.training")
    assert {"ablation.training", "ablation.model", "ablation.data", "ablation.idx",
            "ablation.download", "ablation.provenance"} <= set(closure)
    assert "ablation.plots" not in closure


def test_editing_the_model_changes_the_training_digest_only(package_copy):
    training, plots = digest("ablation.training"), digest("ablation.plots")
    model = package_copy / "model.py"
    model.write_text(model.read_text().replace('activation="softmax"', 'activation="linear"'))
    assert digest("ablation.training") != training
    assert digest("ablation.plots") == plots


def test_comments_and_whitespace_do_not_change_the_digest(package_copy):
    before = digest("ablation.training")
    model = package_copy / "model.py"
    model.write_text("# a new comment\n\n" + model.read_text().replace("\n\n", "\n\n\n") + "\n\n")
    assert digest("ablation.training") == before
