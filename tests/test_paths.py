"""Any checkout path, any environment the Makefile builds: the study runs in
a folder whose name has a space, an apostrophe and letters outside ASCII, from an
environment layered on .venv, the lecture included (conftest's `warm_clone`)."""

import os
import shutil
from types import SimpleNamespace

import nbformat
import pytest
from clones import ODD_NAME, without_jupyter
from project import REPO
from test_caching import copy_of
from workflow_helpers import dry_run, planned_rules

from ablation.interpreter import InterpreterPathError, python_for_rule_scripts
from ablation.notebook import inputs_cell, jupyter_data_dir

# One folder name per kind, each with that kind only.
KINDS = {"space": "my study", "apostrophe": "the_lab's_study", "non-ASCII": "étude_ü"}


def has_kinds(name: str) -> set[str]:
    return {
        kind
        for kind, present in [
            ("space", " " in name),
            ("apostrophe", "'" in name),
            ("non-ASCII", not name.isascii()),
        ]
        if present
    }


def test_the_folder_names_have_their_kinds():
    assert has_kinds(ODD_NAME) == set(KINDS)
    assert {kind: has_kinds(name) for kind, name in KINDS.items()} == {
        kind: {kind} for kind in KINDS
    }


@pytest.mark.e2e
def test_the_whole_study_runs_in_an_odd_folder_from_a_layered_environment(base, warm_clone):
    assert warm_clone.directory.name == ODD_NAME
    # The environment as the Makefile layers .venv-slurm and .venv-bench: no jupyter
    # program in it nor on the PATH that the run had (the lecture once exited 127).
    assert warm_clone.snakemake[:3] == [warm_clone.python, "-m", "snakemake"]
    assert not any(warm_clone.python.parent.glob("jupyter*"))
    assert shutil.which("jupyter-nbconvert", path=warm_clone.env["PATH"]) is None
    assert {"lecture", "render_lecture", "aggregate"} <= planned_rules(warm_clone.first_run.output)
    notebook = nbformat.read(warm_clone.path("results/mnist/lecture/lecture.ipynb"), as_version=4)
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    # The executed notebook and its HTML hold no path of the checkout: they are the
    # other clone's, byte for byte.
    for name in ("lecture.ipynb", "lecture.html"):
        path = f"results/mnist/lecture/{name}"
        assert warm_clone.path(path).read_bytes() == base.path(path).read_bytes(), name


@pytest.mark.e2e
@pytest.mark.parametrize("kind", KINDS)
def test_a_checkout_moved_into_a_folder_of_each_kind_reruns_nothing(warm_clone, tmp_path, kind):
    """Every job's identity is free of the checkout's path, whichever kind of name it has."""
    moved = copy_of(warm_clone, tmp_path / KINDS[kind])
    assert "Nothing to be done" in dry_run(moved)


def test_without_jupyter_drops_exactly_the_folders_with_a_jupyter_program(tmp_path):
    with_jupyter, plain = tmp_path / "a b's", tmp_path / "plain"
    for folder in (with_jupyter, plain):
        folder.mkdir()
    (with_jupyter / "jupyter").touch()
    assert without_jupyter(os.pathsep.join([str(with_jupyter), str(plain)])) == str(plain)
    assert (REPO / ".venv" / "bin" / "jupyter").exists()  # what the layered run must do without


@pytest.mark.parametrize("name", [ODD_NAME, *KINDS.values(), 'quote " and back\\slash'])
def test_the_notebooks_inputs_cell_holds_any_path(name):
    namespace = {}
    exec(
        inputs_cell({"model": f"{name}/seed0.keras", "test": "results/test.npz"}).source, namespace
    )
    assert namespace["snakemake"].input == SimpleNamespace(
        model=f"{name}/seed0.keras", test="results/test.npz"
    )


def test_the_jupyter_data_of_nbconvert_holds_its_html_template():
    assert (jupyter_data_dir() / "nbconvert" / "templates" / "lab" / "index.html.j2").is_file()


def test_the_python_of_the_rule_scripts_is_named_as_one_shell_word():
    inside = f"/home/{ODD_NAME}/.venv/bin/python"
    assert python_for_rule_scripts(inside, f"/home/{ODD_NAME}") == ".venv/bin/python"
    assert (
        python_for_rule_scripts("/home/étude/.venv/bin/python", "/x")
        == "/home/étude/.venv/bin/python"
    )
    # A module's clone beside the project: the common part of the paths drops out.
    assert (
        python_for_rule_scripts("/a b/clone/.venv/bin/python", "/a b/project")
        == "../clone/.venv/bin/python"
    )
    with pytest.raises(InterpreterPathError, match="make run` creates .venv there"):
        python_for_rule_scripts("/my envs/venv/bin/python", "/home/study")
