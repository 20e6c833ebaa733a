"""Digest of the code a rule runs: its script and every package module the script reaches.

Snakemake hashes a rule's script but not the modules the script imports, so a
job's settings file carries this digest instead. Which modules count is read
from the script itself: its imports of this package and, transitively, theirs
(lazy imports inside functions included). It hashes the parsed syntax tree, so
edits to comments or whitespace change nothing, while any change to what the
code does (docstrings included) reruns the rules that use it. A notebook's code
is its code cells; its markdown cells count as they are, since they are part of
what the notebook rule produces. The same walk collects the other top-level
modules that the code imports (numpy, keras, ...), whose installed versions are
part of a job's identity too (software.py). Reading source here never imports
TensorFlow, which keeps Snakemake's DAG check fast.
"""

import ast
import functools
import hashlib
import json
import sys
from pathlib import Path

PACKAGE = "ablation"
PACKAGE_DIR = Path(__file__).resolve().parent


def module_path(module: str) -> Path:
    return PACKAGE_DIR / (module.removeprefix(PACKAGE + ".").replace(".", "/") + ".py")


def imported_modules(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(this package's modules, top-level names of the modules outside this package
    and the standard library) that ``tree`` imports."""
    package, others = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            if top == PACKAGE:
                if module_path(name).is_file():
                    package.add(name)
            elif top not in sys.stdlib_module_names:
                others.add(top)
    return package, others


def notebook_sources(path: Path) -> tuple[str, list[str]]:
    """(code of the code cells, text of the markdown cells) of a Jupyter notebook.
    Outputs and execution counts are left out: running the notebook changes them."""
    cells = json.loads(path.read_text())["cells"]

    def text(cell):
        return "".join(cell["source"])  # a string, or a list of lines

    code = "\n".join(text(cell) for cell in cells if cell["cell_type"] == "code")
    return code, [text(cell) for cell in cells if cell["cell_type"] == "markdown"]


@functools.cache
def parsed_file(path: Path) -> tuple[str, set[str], set[str]]:
    """(digest of the syntax tree, package modules it imports, other modules it
    imports) of one source file."""
    if path.suffix == ".ipynb":
        code, prose = notebook_sources(path)
    else:
        code, prose = path.read_text(), []
    tree = ast.parse(code, filename=str(path))
    hashed = ast.dump(tree) + "".join(f"\n{text}" for text in prose)
    digest = hashlib.sha256(hashed.encode()).hexdigest()
    return digest, *imported_modules(tree)


def reached_files(script) -> dict[str, tuple[str, set[str], set[str]]]:
    """parsed_file of ``script`` and of every package module it reaches through
    imports, keyed by module name (the script by its file name)."""
    script = Path(script).resolve()
    parsed, pending = {}, [(script.name, script)]
    while pending:
        name, path = pending.pop()
        if name in parsed:
            continue
        parsed[name] = parsed_file(path)
        pending.extend((module, module_path(module)) for module in parsed[name][1])
    return parsed


def import_closure(script) -> dict[str, str]:
    """Digest of ``script`` and of every package module it reaches through imports,
    keyed by module name (the script by its file name)."""
    return {name: digest for name, (digest, _, _) in reached_files(script).items()}


def external_imports(script) -> set[str]:
    """Top-level names of the modules outside this package and the standard library
    that ``script`` and the package modules it reaches import, lazily or not."""
    return set().union(*(others for _, _, others in reached_files(script).values()))


@functools.cache
def code_digest(script) -> str:
    digests = import_closure(script)
    combined = "".join(f"{name} {digests[name]}\n" for name in sorted(digests))
    return hashlib.sha256(combined.encode()).hexdigest()
