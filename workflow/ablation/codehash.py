"""Digest of the code a rule runs, for Snakemake's params rerun trigger and output cache.

Snakemake hashes a rule's script but not the modules the script imports. This
digest covers a module and, transitively, every module of this package that
it imports. It hashes the parsed syntax tree, so edits to comments or
whitespace change nothing, while any change to what the code does (docstrings
included) reruns the rules that use it. Reading source here never imports
TensorFlow, which keeps Snakemake's DAG check fast.
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
def parsed_module(module: str) -> tuple[str, set[str]]:
    """(digest of the syntax tree, package modules it imports) of one module."""
    tree = ast.parse(module_path(module).read_text(), filename=module)
    digest = hashlib.sha256(ast.dump(tree).encode()).hexdigest()
    return digest, imported_package_modules(tree)


def import_closure(module: str) -> dict[str, str]:
    """Digest of the module and of every package module it reaches through imports."""
    digests, pending = {}, [module]
    while pending:
        name = pending.pop()
        if name in digests:
            continue
        digests[name], imports = parsed_module(name)
        pending.extend(imports)
    return digests


@functools.cache
def code_digest(*modules: str) -> str:
    digests = {}
    for module in modules:
        digests.update(import_closure(module))
    combined = "".join(f"{name} {digests[name]}\n" for name in sorted(digests))
    return hashlib.sha256(combined.encode()).hexdigest()
