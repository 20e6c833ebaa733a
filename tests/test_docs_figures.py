"""The figures under docs/figures/ are what the current code draws from a real run:
each is listed in docs/figures/figures.yaml with the page that shows it and the command
on that page that made its run, the files it was drawn from are kept beside it, and
`make docs-figures` redraws it from them with the words the committed figure has."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from project import REPO

from ablation.plots import png_labels

FIGURES = REPO / "docs" / "figures"
MANIFEST = yaml.safe_load((FIGURES / "figures.yaml").read_text())
sys.path.insert(0, str(FIGURES))
from redraw import as_list, kept  # noqa: E402


def test_every_docs_figure_is_listed_and_every_listed_one_is_there():
    assert sorted(path.name for path in FIGURES.glob("*.png")) == sorted(MANIFEST)


@pytest.mark.parametrize("figure", sorted(MANIFEST))
def test_each_figure_is_shown_on_its_page_beside_the_command_of_its_run(figure):
    page = (REPO / MANIFEST[figure]["page"]).read_text()
    assert f"figures/{figure})" in page
    assert MANIFEST[figure]["command"] in page
    assert (REPO / "workflow" / "scripts" / MANIFEST[figure]["script"]).is_file()


@pytest.mark.parametrize("figure", sorted(MANIFEST))
def test_the_files_each_figure_was_drawn_from_are_kept(figure):
    for paths in MANIFEST[figure]["input"].values():
        for path in as_list(paths):
            assert Path(kept(figure, path)).is_file(), path


@pytest.fixture(scope="module")
def redrawn(tmp_path_factory):
    """The figures as `make docs-figures` draws them with the current code, written
    elsewhere (the target's ARGS) so that the committed ones stay as they are."""
    into = tmp_path_factory.mktemp("redrawn")
    subprocess.run(
        ["make", "-o", ".venv/.installed", "docs-figures", f"ARGS=--into {into}"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return into


@pytest.mark.parametrize("figure", sorted(MANIFEST))
def test_each_figure_has_the_words_the_current_code_draws(figure, redrawn):
    committed = png_labels(FIGURES / figure)
    assert committed is not None, f"docs/figures/{figure} was not drawn by save_figure"
    assert committed == png_labels(redrawn / figure), (
        f"docs/figures/{figure} was drawn with other titles than the current code "
        "draws: redraw it with `make docs-figures`"
    )


def test_a_title_changed_in_the_code_is_caught(tmp_path, monkeypatch):
    import redraw

    from ablation.plots import plot_loss_comparison

    figure = "fashion_mnist_loss_comparison_3_seeds.png"
    monkeypatch.setattr(redraw, "read_manifest", lambda: {figure: MANIFEST[figure]})
    monkeypatch.setitem(plot_loss_comparison.__kwdefaults__, "loss_title", "Loss")
    redraw.main(["--into", str(tmp_path)])
    assert "Loss" in png_labels(tmp_path / figure)
    assert png_labels(tmp_path / figure) != png_labels(FIGURES / figure)
