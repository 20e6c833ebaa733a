"""Send a rule script's logging and stray stderr (TensorFlow's included) to its log file."""

import logging
import sys


def log_to(path) -> None:
    # Line-buffered so that `tail -f` on a running job's log shows each epoch as it ends.
    stream = open(path, "a", buffering=1)
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
