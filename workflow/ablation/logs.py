"""Send a rule script's logging and all stderr (TensorFlow's C++ logs included) to its log file."""

import logging
import os
import sys


def log_to(path) -> None:
    # Line-buffered so that `tail -f` on a running job's log shows each epoch as it ends.
    stream = open(path, "a", buffering=1)
    # TensorFlow's C++ code writes to file descriptor 2, not to sys.stderr.
    os.dup2(stream.fileno(), 2)
    sys.stderr = stream
    logging.basicConfig(
        stream=stream,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
