"""Digest of the code a rule runs: its script and every package module the script reaches.

Snakemake hashes a rule's script but not the modules the script imports, so a
job's settings file carries this digest instead. Which modules count is read
from the script itself: its imports of this package and, transitively, theirs
(lazy imports inside functions included). It hashes the parsed syntax tree, so
edits to comments or whitespace change nothing, while any change to what the
code does (docstrings included) reruns the rules that use it. Reading source
here never imports TensorFlow, which keeps Snakemake's DAG check fast.
"""

import ast
import functools
import hashlib
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


@functools.cache
def parsed_file(path: Path) -> tuple[str, set[str]]:
    """(digest of the syntax tree, package modules it imports) of one source file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    digest = hashlib.sha256(ast.dump(tree).encode()).hexdigest()
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
