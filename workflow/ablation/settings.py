"""Per-job settings files: how a job's non-file inputs reach Snakemake's content checks.

Each job reads its settings (spec, hyperparameters, titles, the digest of its
code) from a small JSON input file instead of ``params:``. Snakemake's params
check would do the same but imports pandas on every DAG check (0.4 s of a
1.1 s no-op here).

A settings file's modification time says when its content last changed, as
far as this checkout can tell, because Snakemake reruns a job whose input is
newer than its outputs:

- same content as the file on disk: the file is not touched;
- other content: the file is rewritten now, so the jobs that read it rerun;
- no file yet (a fresh clone, ``rm -rf results/``): nothing is known to have
  changed, so the file gets the oldest timestamp there is. A new settings file
  therefore never makes an output that is already there look stale.
"""

import json
import os
from pathlib import Path

from ablation.files import json_text, write_text

NO_KNOWN_CHANGE = 0  # the Unix epoch: older than any output


def write_if_changed(path, settings: dict) -> None:
    path = Path(path)
    text = json_text(settings)
    try:
        if path.read_text() == text:
            return
        is_new = False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        is_new = True
    write_text(path, text)
    if is_new:
        os.utime(path, (NO_KNOWN_CHANGE, NO_KNOWN_CHANGE))


def read_settings(path) -> dict:
    return json.loads(Path(path).read_text())
