"""The shared output cache, seen from this checkout.

Snakemake restores cached outputs as symlinks into ``$SNAKEMAKE_OUTPUT_CACHE``
and leaves its entries writable by everyone, so editing a restored
``results/…`` file in place would edit every user's copy. Entries that this
checkout links to are made read-only once a run ends.

When an entry is removed (a damaged one, or a cache cleaned up by whoever
shares it), the links to it dangle, and Snakemake stops at such a link before
it plans anything. They are removed at the start of a run, so that their jobs
run again or come back from the cache.
"""

import os
import stat
from pathlib import Path

WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def cache_links(results_dir, cache_dir) -> dict[Path, Path]:
    """Each symlink under ``results_dir`` into ``cache_dir``, and its cache entry."""
    cache_dir = Path(os.path.realpath(cache_dir))
    links = {}
    for folder, _, names in os.walk(results_dir):
        for name in names:
            link = Path(folder, name)
            if link.is_symlink():
                target = Path(os.path.realpath(link))
                if target.parent == cache_dir:
                    links[link] = target
    return links


def remove_dangling_links(results_dir, cache_dir) -> list[Path]:
    """Remove the links whose cache entry is gone; return them."""
    dangling = [
        link for link, entry in cache_links(results_dir, cache_dir).items() if not entry.exists()
    ]
    for link in dangling:
        link.unlink()
    return dangling


def make_read_only(results_dir, cache_dir) -> None:
    for entry in cache_links(results_dir, cache_dir).values():
        if not entry.exists():
            continue
        mode = entry.stat().st_mode
        if mode & WRITE_BITS:
            try:
                entry.chmod(mode & ~WRITE_BITS)
            except PermissionError:  # another user's entry: theirs to protect
                pass
