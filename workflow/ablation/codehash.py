"""Digest of the code a rule runs: its script and every package module the script reaches.

Snakemake hashes a rule's script but not the modules the script imports, so a
job's settings file carries this digest instead. Which modules count is read
from the script itself: its imports of this package and, transitively, theirs
(lazy imports inside functions included). It hashes the parsed syntax tree, so
edits to comments or whitespace change nothing, while any change to what the
code does (docstrings included) reruns the rules that use it. A notebook's code
is its code cells; its markdown cells count as they are, since they are part of
what the notebook rule produces. Reading source here never imports TensorFlow,
which keeps Snakemake's DAG check fast.
"""

import ast
import functools
import hashlib
import json
from pathlib import Path

PACKAGE = "ablation"
PACKAGE_DIR = Path(__file__).resolve().parent


def module_path(module: str) -> Path:
    return PACKAGE_DIR / (module.removeprefix(PACKAGE + ".").replace(".", "/") + ".py")


def imported_package_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(
            name for name in names
            if name.startswith(PACKAGE + ".") and module_path(name).is_file()
        )
    return found


def notebook_sources(path: Path) -> tuple[str, list[str]]:
    """(code of the code cells, text of the markdown cells) of a Jupyter notebook.
    Outputs and execution counts are left out: running the notebook changes them."""
    cells = json.loads(path.read_text())["cells"]

    def text(cell):
        return "".join(cell["source"])  # a string, or a list of lines

    code = "\n".join(text(cell) for cell in cells if cell["cell_type"] == "code")
    return code, [text(cell) for cell in cells if cell["cell_type"] == "markdown"]


@functools.cache
def parsed_file(path: Path) -> tuple[str, set[str]]:
    """(digest of the syntax tree, package modules it imports) of one source file."""
    if path.suffix == ".ipynb":
        code, prose = notebook_sources(path)
    else:
        code, prose = path.read_text(), []
    tree = ast.parse(code, filename=str(path))
    hashed = ast.dump(tree) + "".join(f"\n{text}" for text in prose)
    digest = hashlib.sha256(hashed.encode()).hexdigest()
    return digest, imported_package_modules(tree)


def import_closure(script) -> dict[str, str]:
    """Digest of ``script`` and of every package module it reaches through imports,
    keyed by module name (the script by its file name)."""
    script = Path(script).resolve()
    digests, pending = {}, [(script.name, script)]
    while pending:
        name, path = pending.pop()
        if name in digests:
            continue
        digests[name], imports = parsed_file(path)
        pending.extend((module, module_path(module)) for module in imports)
    return digests


@functools.cache
def code_digest(script) -> str:
    digests = import_closure(script)
    combined = "".join(f"{name} {digests[name]}\n" for name in sorted(digests))
    return hashlib.sha256(combined.encode()).hexdigest()
