"""The Python that runs the rule scripts, as Snakemake writes it into a shell command.

Snakemake 9.27 runs a rule's script as ``<python> <script>`` with the interpreter's
path unquoted (``{py_exec} {fname:q}``; a cluster job's ``python -m snakemake`` is
written the same way), where ``<python>`` is ``sys.executable``. In a checkout whose
path has a space or a quote, ``.venv/bin/python`` there then splits into words and
every job fails with exit 127. Jobs run in the working directory, so the same
interpreter, named relative to it, needs no quoting when the environment lies inside
the checkout, as `make` creates ``.venv``.
"""

import os
import re

# What the shell reads as more than a plain word: blanks, quotes, expansions,
# operators and globs. Letters outside ASCII are plain.
SHELL_SPECIAL = re.compile(r"[\s'\"\\$`&|;<>()*?\[\]!{}]")


class InterpreterPathError(RuntimeError):
    pass


def python_for_rule_scripts(executable: str, workdir: str) -> str:
    """``executable`` as a path that the shell reads as one word: as it is, else
    relative to ``workdir``; raises InterpreterPathError, naming the way out, when
    neither is."""
    if not SHELL_SPECIAL.search(executable):
        return executable
    relative = os.path.relpath(executable, workdir)
    if not SHELL_SPECIAL.search(relative):
        return relative
    raise InterpreterPathError(
        f"{executable}: the Python that runs this workflow lies in a folder whose path has "
        "a space, a quote or another character that the shell splits or expands, and "
        "Snakemake writes this path unquoted into the command of every job, so each job "
        "would fail. Use an environment inside the folder you run snakemake in "
        "(`make run` creates .venv there) or in a folder whose path has none of these "
        "characters."
    )
