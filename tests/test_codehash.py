"""The code digest that reruns a rule when its code changes (ablation/codehash.py): it
follows each script's imports, lazy ones and the notebook's included, changes with the
code a script reaches and with nothing else, not with comments, whitespace or outputs."""

import copy
import json
import shutil

import pytest
from project import REPO

from ablation import codehash

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
    assert {
        "train.py",
        "ablation.training",
        "ablation.model",
        "ablation.splits",
        "ablation.idx",
        "ablation.integrity",
        "ablation.provenance",
        "ablation.logs",
        "ablation.settings",
    } <= set(closure)
    assert "ablation.plots" not in closure


def test_a_module_imported_by_the_script_itself_counts():
    # plot_predictions.py loads the test images through ablation.splits itself.
    closure = codehash.import_closure(SCRIPTS / "plot_predictions.py")
    assert {"ablation.plots", "ablation.splits", "ablation.idx"} <= set(closure)


def test_the_same_walk_collects_the_other_top_level_modules(package_copy):
    assert {"keras", "tensorflow", "numpy", "pandas"} <= codehash.external_imports(
        SCRIPTS / "train.py"
    )
    script = package_copy.parent / "scripts" / "plot_confusion.py"
    found = codehash.external_imports(script)
    assert "matplotlib" in found and "keras" not in found
    # Neither this package nor the standard library, and a relative import is neither.
    script.write_text(
        "import os.path\nfrom json import loads\nfrom . import sibling\n"
        "from yaml.loader import SafeLoader\n" + script.read_text()
    )
    codehash.parsed_file.cache_clear()
    assert codehash.external_imports(script) == found | {"yaml"}


def test_editing_the_model_changes_the_training_digest_only(package_copy):
    scripts = package_copy.parent / "scripts"
    training, plots = digest(scripts / "train.py"), digest(scripts / "plot_confusion.py")
    # ablation.architecture plans the layers that ablation.model builds: training reaches
    # it through the model, plotting the confusion matrix does not.
    plan = package_copy / "architecture.py"
    plan.write_text(plan.read_text() + "\nEDITED_BY_A_TEST = None\n")
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


def test_a_notebooks_digest_covers_its_cells_and_imports_but_not_its_outputs(tmp_path):
    original = REPO / "workflow" / "notebooks" / "lecture.py.ipynb"
    assert "ablation.training" in codehash.import_closure(original)
    cells = json.loads(original.read_text())["cells"]
    code = next(i for i, cell in enumerate(cells) if cell["cell_type"] == "code")
    text = next(i for i, cell in enumerate(cells) if cell["cell_type"] == "markdown")
    path = tmp_path / "lecture.py.ipynb"

    def digest_with(index=None, **changes):
        edited = copy.deepcopy(cells)
        if index is not None:
            edited[index].update(changes)
        path.write_text(
            json.dumps({"cells": edited, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
        )
        return digest(path)

    unchanged = digest_with()
    # What running it does: outputs and execution counts.
    assert (
        digest_with(
            code,
            execution_count=3,
            outputs=[{"output_type": "stream", "name": "stdout", "text": "W0.shape"}],
        )
        == unchanged
    )
    assert digest_with(code, source="".join(cells[code]["source"]) + "\nprint(1)") != unchanged
    assert digest_with(text, source="".join(cells[text]["source"]) + " More.") != unchanged
