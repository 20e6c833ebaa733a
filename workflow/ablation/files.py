"""Writing files so that a reader never sees half a file.

Used where a partial file could be read: downloads, checkpoints, settings
files and the outputs that later jobs trust. (Snakemake itself removes the
declared outputs of a failed job.)
"""

import json
import os
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced(path, suffix: str = "", clobber: bool = True):
    """Yield a temporary path beside ``path``; it becomes ``path`` only if the block succeeds.

    The process id keeps concurrent writers apart; ``suffix`` is for writers that
    insist on an extension (Keras wants ``.keras``). With ``clobber=False`` a
    file that appeared at ``path`` meanwhile is kept and the new one dropped.
    """
    path = Path(path)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part{suffix}")
    try:
        yield partial
        if clobber:
            os.replace(partial, path)
        else:
            try:
                os.link(partial, path)  # fails rather than replace an existing file
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not path.exists():
                    os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def json_text(payload) -> str:
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def write_text(path, text: str) -> None:
    with replaced(path) as partial:
        partial.write_text(text)


def write_json(path, payload) -> None:
    write_text(path, json_text(payload))
