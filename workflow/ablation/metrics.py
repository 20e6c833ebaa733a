"""The metrics a training records, named in this one place.

After every epoch Keras reports the loss and each compiled metric twice: on the
training batches, under the bare name, and on the evaluation data. Which data that
is depends on the job: the test set in the study (and in the sweep's one test
evaluation), the held-out validation split in the sweep's trainings. So the
evaluation numbers carry the prefix of their split (``test_accuracy``,
``val_accuracy``), never Keras' fixed ``val_``. Adding a metric is one more entry
in ``COMPILED``: the histories, epoch log lines, TensorBoard curves and tables
follow it.
"""

# What model.compile(metrics=...) gets; Keras reports the loss beside them.
COMPILED = ["accuracy"]
RECORDED = ["loss", *COMPILED]

TEST = "test"
VALIDATION = "val"
# How titles and axis labels call each split's numbers.
SPLIT_WORDS = {TEST: "test", VALIDATION: "validation"}


def on(split: str, metric: str) -> str:
    """The column of ``metric`` measured on ``split``: ``on(TEST, "loss") == "test_loss"``."""
    if split not in SPLIT_WORDS:
        raise ValueError(f"unknown split {split!r}: one of {', '.join(SPLIT_WORDS)}")
    return f"{split}_{metric}"


# The columns that the tables read most: the study's trainings are measured on the
# test set after every epoch; the sweep selects on validation accuracy.
TEST_ACCURACY = on(TEST, "accuracy")
VALIDATION_ACCURACY = on(VALIDATION, "accuracy")


def history_columns(split: str) -> list[str]:
    """A history's header: the epoch, each metric on the training batches, then on ``split``."""
    return ["epoch", *RECORDED, *(on(split, metric) for metric in RECORDED)]


def read_history(path, split: str):
    """A history CSV as a frame. One with other columns than a training writes now
    (kept from an earlier version of the code, say) is refused, so that tables never
    mix the names of two versions."""
    import pandas as pd

    history = pd.read_csv(path)
    expected = history_columns(split)
    if list(history.columns) != expected:
        raise ValueError(
            f"{path}: columns {','.join(history.columns)}, but a training writes "
            f"{','.join(expected)}; it comes from another version of this workflow: "
            "move it aside and run snakemake again to retrain it"
        )
    return history
