"""The shared output cache, seen from this checkout.

Snakemake restores cached outputs as symlinks into ``$SNAKEMAKE_OUTPUT_CACHE``
and leaves its entries writable by everyone, so editing a restored
``results/…`` file in place would edit every user's copy. Entries that this
checkout links to are made read-only once a run ends.
"""

import os
import stat
from pathlib import Path

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def linked_entries(results_dir, cache_dir) -> list[Path]:
    """The cache entries that symlinks under ``results_dir`` point to."""
    cache_dir = Path(os.path.realpath(cache_dir))
    entries = []
    for folder, _, names in os.walk(results_dir):
        for name in names:
            link = Path(folder, name)
            if link.is_symlink():
                target = Path(os.path.realpath(link))
                if target.parent == cache_dir and target.exists():
                    entries.append(target)
    return entries


def make_read_only(results_dir, cache_dir) -> None:
    for entry in linked_entries(results_dir, cache_dir):
        mode = entry.stat().st_mode
        if mode & WRITE_BITS:
            try:
                entry.chmod(mode & ~WRITE_BITS)
            except PermissionError:  # another user's entry: theirs to protect
                pass
