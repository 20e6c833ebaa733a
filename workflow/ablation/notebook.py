"""The lecture notebook: executed on a job's inputs (rule lecture), rendered as HTML
(rule render_lecture).

Executed here with nbconvert's Python API rather than by Snakemake's ``notebook:``
directive, whose first cell holds the working directory in an unescaped string
literal, ``os.chdir(r'...')`` (snakemake 9.27): a SyntaxError in a checkout whose
path has an apostrophe, after every training has run. The cell added here names the
job's inputs relative to the working directory, where the kernel runs, so the
executed notebook holds no path of the checkout. The kernel is the
one the notebook names, found through JUPYTER_PATH (use_workflow_jupyter_path), and
jupyter_client starts it with the Python that runs this code, so no ``jupyter``
program has to be on PATH: every environment runs it, the layered ones too.
nbconvert is imported, and its installation looked up, in the jobs only: the
workflow reads LECTURE_NOTEBOOK when it builds the DAG, which needs nothing but
Snakemake and stays fast.
"""

import os
from pathlib import Path

from ablation.files import replaced

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LECTURE_NOTEBOOK = NOTEBOOKS / "lecture.py.ipynb"
# A fixed id (nbformat gives new cells random ones) keeps the executed notebook
# the same from run to run.
INPUTS_CELL_ID = "job-inputs"


def inputs_cell(inputs: dict[str, str]):
    """The first cell: ``snakemake.input``, as the notebook reads it."""
    import nbformat

    lines = [
        "# Added by rule lecture: the job's inputs, relative to the directory that",
        "# Snakemake runs in, which is where this notebook runs.",
        "from types import SimpleNamespace",
        "",
        "snakemake = SimpleNamespace(",
        "    input=SimpleNamespace(",
        *(f"        {name}={str(path)!r}," for name, path in inputs.items()),
        "    )",
        ")",
    ]
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.id = INPUTS_CELL_ID
    return cell


def execute_notebook(source, inputs: dict[str, str], output) -> None:
    """Runs notebook ``source`` with ``inputs`` in the working directory and writes
    the executed notebook to ``output``; a failing cell raises, naming the cell and
    its traceback, and writes nothing."""
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    use_workflow_jupyter_path()
    notebook = nbformat.read(source, as_version=4)
    notebook.cells.insert(0, inputs_cell(inputs))
    # No timestamps in the cells' metadata: a rerun gives the same file.
    executor = ExecutePreprocessor(timeout=None, record_timing=False)
    executor.preprocess(notebook, {"metadata": {"path": str(Path.cwd())}})
    with replaced(output) as partial:
        nbformat.write(notebook, partial)


JUPYTER_DATA = ("share", "jupyter")


def use_workflow_jupyter_path() -> None:
    """Puts first on this process's JUPYTER_PATH, which the kernel it starts inherits:

    - notebooks/, whose kernels/python3 is the kernel that the lecture notebook
      names: Python whose C-level output, TensorFlow's C++ log lines (oneDNN notices,
      "E0000 ..."), goes to the lecture job's log rather than into red notebook cells
      that a student reads as errors; TF_CPP_MIN_LOG_LEVEL there leaves the few that
      TensorFlow writes at import regardless;
    - the Jupyter data (nbconvert's templates) of the environment that nbconvert is
      installed in, which is not the running one in an environment layered on .venv
      (the Makefile's .venv-slurm, .venv-bench)."""
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(
            None, [str(NOTEBOOKS), str(jupyter_data_dir() or ""), os.environ.get("JUPYTER_PATH")]
        )
    )


def jupyter_data_dir() -> Path | None:
    """The Jupyter data folder (share/jupyter) that nbconvert's templates went to;
    None where nbconvert's installation record does not say (Jupyter's own search
    applies then).

    Jupyter looks in the running environment's, but in an environment layered on
    another one (a .pth file: the Makefile's .venv-slurm and .venv-bench) they are
    in the other's, which the workflow therefore puts on JUPYTER_PATH."""
    from importlib.metadata import distribution

    package = distribution("nbconvert")
    for file in package.files or []:
        parts = file.parts
        for end in range(len(JUPYTER_DATA), len(parts)):
            if parts[end - len(JUPYTER_DATA) : end] == JUPYTER_DATA:
                return Path(package.locate_file(Path(*parts[:end]))).resolve()
    return None


def render_html(notebook_path, output) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    use_workflow_jupyter_path()
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook_path, as_version=4))
    with replaced(output) as partial:
        Path(partial).write_text(body, encoding="utf-8")
