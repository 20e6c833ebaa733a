"""Redraws every figure under docs/figures/ with the current code.

Each figure comes from a real run: the command on the page that shows it. figures.yaml
names, for each, that page and command, the script of the rule that draws it, and the
files of the run that the rule read; copies of those files are kept under
docs/figures/inputs/<figure>/. The rule's script runs here as Snakemake runs it, on
those copies, so a figure follows the plotting code without a new run.

Usage:
  .venv/bin/python docs/figures/redraw.py              redraw from the kept inputs
  .venv/bin/python docs/figures/redraw.py --from RUN   keep RUN's files first (RUN: a
                                                       clone that ran the page's command)
  .venv/bin/python docs/figures/redraw.py --into DIR   write the figures into DIR
"""

import argparse
import multiprocessing
import runpy
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import yaml

FIGURES = Path(__file__).resolve().parent
REPO = FIGURES.parents[1]
SCRIPTS = REPO / "workflow" / "scripts"
INPUTS = FIGURES / "inputs"


def read_manifest() -> dict:
    return yaml.safe_load((FIGURES / "figures.yaml").read_text())


class RuleFiles(list):
    """A rule's input or output as its script sees them: every path in order, and each
    name as an attribute (a path, or a list of paths)."""

    def __init__(self, named: dict):
        super().__init__(path for paths in named.values() for path in as_list(paths))
        for name, paths in named.items():
            setattr(self, name, paths)


def as_list(paths) -> list:
    return paths if isinstance(paths, list) else [paths]


def kept(figure: str, paths):
    """Where the copy of a run's file (or of each of a list of them) is kept: its path
    under the run's results/, under inputs/<figure>/."""
    if isinstance(paths, list):
        return [kept(figure, path) for path in paths]
    return str(INPUTS / Path(figure).stem / Path(paths).relative_to("results"))


def run_files(spec: dict) -> list[str]:
    return [path for paths in spec["input"].values() for path in as_list(paths)]


def keep_inputs(manifest: dict, run: Path) -> None:
    """Copies each figure's files out of ``run``, after checking that it has them all."""
    missing = [
        f"{run / path} (made by `{spec['command']}`)"
        for spec in manifest.values()
        for path in run_files(spec)
        if not (run / path).is_file()
    ]
    if missing:
        sys.exit(f"redraw.py: {run} lacks, so nothing was changed:\n" + "\n".join(missing))
    for figure, spec in manifest.items():
        target = INPUTS / Path(figure).stem
        if target.exists():
            shutil.rmtree(target)
        for path in run_files(spec):
            copy = Path(kept(figure, path))
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(run / path, copy)


def run_script(script: Path, snakemake: SimpleNamespace) -> None:
    runpy.run_path(str(script), init_globals={"snakemake": snakemake})


def draw(figure: str, spec: dict, into: Path, scratch: Path) -> None:
    """Runs the figure's rule script on the kept inputs, in a process of its own (the
    script sends stderr to its log), and puts its .png in place as ``into/figure``
    once it is whole."""
    outputs = {name: str(scratch / f"output.{name}") for name in spec["output"]}
    log = scratch / "draw.log"
    snakemake = SimpleNamespace(
        input=RuleFiles({name: kept(figure, paths) for name, paths in spec["input"].items()}),
        output=RuleFiles(outputs),
        log=[str(log)],
    )
    process = multiprocessing.get_context("fork").Process(
        target=run_script, args=(SCRIPTS / spec["script"], snakemake)
    )
    process.start()
    process.join()
    if process.exitcode != 0:
        sys.exit(f"redraw.py: drawing {figure} failed; its log:\n{log.read_text()}")
    partial = into / f".{figure}.partial"
    shutil.copyfile(outputs["png"], partial)
    partial.replace(into / figure)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="run", type=Path, help="a clone that ran the commands")
    parser.add_argument("--into", type=Path, default=FIGURES, help="where the figures go")
    args = parser.parse_args(argv)
    args.into.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest()
    if args.run:
        keep_inputs(manifest, args.run.resolve())
    # Imported once here, so that each forked drawing process has matplotlib already.
    sys.path.insert(0, str(REPO / "workflow"))
    import ablation.plots  # noqa: F401

    for figure, spec in manifest.items():
        with tempfile.TemporaryDirectory() as scratch:
            draw(figure, spec, args.into.resolve(), Path(scratch))
        print(f"redraw.py: {args.into / figure}")


if __name__ == "__main__":
    main()
