import shutil

import pytest

from ablation import codehash
from conftest import REPO

SCRIPTS = REPO / "workflow" / "scripts"


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the package and the scripts whose files the tests may edit."""
    copy = tmp_path / "ablation"
    shutil.copytree(codehash.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    monkeypatch.setattr(codehash, "PACKAGE_DIR", copy)
    yield copy
    codehash.parsed_file.cache_clear()  # no digests of the copy left behind
    codehash.code_digest.cache_clear()


def digest(script):
    """The digest as a new Snakemake process would compute it (no cached parses)."""
    codehash.parsed_file.cache_clear()
    codehash.code_digest.cache_clear()
    return codehash.code_digest(str(script))


def test_closure_follows_the_scripts_imports_including_lazy_ones():
    closure = codehash.import_closure(SCRIPTS / "train.py")
    assert {"train.py", "ablation.training", "ablation.model", "ablation.data", "ablation.idx",
            "ablation.integrity", "ablation.provenance", "ablation.logs",
            "ablation.settings"} <= set(closure)
    assert "ablation.plots" not in closure


def test_a_module_imported_by_the_script_itself_counts():
    # plot_predictions.py loads the test images through ablation.data itself.
    closure = codehash.import_closure(SCRIPTS / "plot_predictions.py")
    assert {"ablation.plots", "ablation.data", "ablation.idx"} <= set(closure)


def test_editing_the_model_changes_the_training_digest_only(package_copy):
    scripts = package_copy.parent / "scripts"
    training, plots = digest(scripts / "train.py"), digest(scripts / "plot_confusion.py")
    model = package_copy / "model.py"
    model.write_text(model.read_text().replace('activation="softmax"', 'activation="linear"'))
    assert digest(scripts / "train.py") != training
    assert digest(scripts / "plot_confusion.py") == plots


def test_editing_a_script_changes_its_digest_only(package_copy):
    scripts = package_copy.parent / "scripts"
    confusion, filters = digest(scripts / "plot_confusion.py"), digest(scripts / "plot_filters.py")
    script = scripts / "plot_confusion.py"
    script.write_text(script.read_text() + "print('done')\n")
    assert digest(script) != confusion
    assert digest(scripts / "plot_filters.py") == filters


def test_comments_and_whitespace_do_not_change_the_digest(package_copy):
    script = package_copy.parent / "scripts" / "train.py"
    before = digest(script)
    model = package_copy / "model.py"
    model.write_text("# a new comment\n\n" + model.read_text().replace("\n\n", "\n\n\n") + "\n\n")
    script.write_text("# why this script exists\n" + script.read_text() + "\n\n")
    assert digest(script) == before
