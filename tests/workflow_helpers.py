"""Reading what a snakemake run planned and produced."""

import hashlib
import re

import numpy as np

JOB_START = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")
WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


def planned_jobs(output: str) -> list[tuple[str, dict]]:
    """(rule, wildcards) of each job listed by a dry run or a real run."""
    jobs = []
    for line in output.splitlines():
        start = JOB_START.match(line)
        if start:
            jobs.append((start.group(1), {}))
            continue
        wildcards = WILDCARDS.match(line)
        if wildcards and jobs:
            jobs[-1][1].update(part.split("=", 1) for part in wildcards.group(1).split(", "))
    return jobs


def planned_rules(output: str) -> set[str]:
    return {rule for rule, _ in planned_jobs(output)} - {"all"}


def weights_digest(path) -> str:
    """SHA-256 over the weight arrays in a weights .npz (the .keras zip carries timestamps)."""
    digest = hashlib.sha256()
    with np.load(path, allow_pickle=False) as weights:
        for name in sorted(weights.files):
            digest.update(name.encode() + weights[name].tobytes())
    return digest.hexdigest()


def dry_run(flow, *args, env=None) -> str:
    return flow.run("-n", "--configfile", "config/tiny.yaml", *args, env=env).output


def curves_of(history) -> dict[str, list[tuple[int, float]]]:
    """The TensorBoard points that a history (a frame of epoch and metric columns)
    calls for: one per epoch and metric, as float32 like TensorBoard stores them."""
    return {
        name: [(int(epoch), float(np.float32(value))) for epoch, value in zip(history["epoch"], history[name])]
        for name in ["loss", "accuracy", "test_loss", "test_accuracy"]
    }


def tensorboard_scalars(directory) -> dict[str, list[tuple[int, float]]]:
    """(step, value) of every scalar in a run's TensorBoard event files, in the order
    written, read with TensorBoard's own reader without its purging of repeated steps,
    so that duplicates show."""
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    accumulator = event_accumulator.EventAccumulator(
        str(directory),
        size_guidance={event_accumulator.TENSORS: 0},  # 0: keep every point
        purge_orphaned_data=False,
    )
    accumulator.Reload()
    return {
        tag: [(event.step, tensor_util.make_ndarray(event.tensor_proto).item())
              for event in accumulator.Tensors(tag)]
        for tag in accumulator.Tags()[event_accumulator.TENSORS]
    }


RULE = re.compile(r"^rule (\w+):\n((?:(?: {4}.*)?\n)*)", re.M)
RUNS_SOMETHING = re.compile(r"^ {4}(script|shell|notebook|run|wrapper):", re.M)
LOCAL = re.compile(r"^ {4}localrule: True$", re.M)


def rules_that_run(rules_folder) -> dict[str, str]:
    """{rule name: its text} of the rules in ``rules_folder``/*.smk that run a job
    (not the target rules such as `all`)."""
    rules = {}
    for path in sorted(rules_folder.glob("*.smk")):
        for name, body in RULE.findall(path.read_text()):
            if RUNS_SOMETHING.search(body):
                rules[name] = body
    return rules


def cluster_rules(rules_folder) -> set[str]:
    """The rules whose jobs a cluster executor submits: those not `localrule: True`."""
    return {name for name, body in rules_that_run(rules_folder).items()
            if not LOCAL.search(body)}
