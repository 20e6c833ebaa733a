"""Digest of the code a rule runs, for Snakemake's params rerun trigger and output cache.

Snakemake hashes a rule's script but not the modules the script imports. This
digest covers a module and, transitively, every module of this package that
it imports. It hashes the parsed syntax tree, so edits to comments or
whitespace change nothing, while any change to what the code does (docstrings
included) reruns the rules that use it. Reading source here never imports
TensorFlow, which keeps Snakemake's DAG check fast.
"""

import ast
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


def import_closure(module: str) -> dict[str, ast.AST]:
    """The parsed module and every package module it reaches through imports."""
    trees, pending = {}, [module]
    while pending:
        name = pending.pop()
        if name in trees:
            continue
        trees[name] = ast.parse(module_path(name).read_text(), filename=name)
        pending.extend(imported_package_modules(trees[name]))
    return trees


def code_digest(*modules: str) -> str:
    trees = {}
    for module in modules:
        trees.update(import_closure(module))
    digest = hashlib.sha256()
    for name in sorted(trees):
        digest.update(name.encode() + b"\0" + ast.dump(trees[name]).encode() + b"\0")
    return digest.hexdigest()
