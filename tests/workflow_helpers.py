"""Reading what a snakemake run planned and produced."""

import hashlib
import re

import numpy as np
from project import TINY_CONFIG

# The columns of a study's histories.csv: one row per variant, seed and epoch.
HISTORY_COLUMNS = [
    "dataset",
    "variant",
    "seed",
    "epoch",
    "loss",
    "accuracy",
    "test_loss",
    "test_accuracy",
    "seconds",
    "parameters",
    "data_sha256",
]

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
    return flow.run("-n", "--configfile", TINY_CONFIG, *args, env=env).output


def curves_of(history) -> dict[str, list[tuple[int, float]]]:
    """The TensorBoard points that a history (a frame of epoch and metric columns)
    calls for: one per epoch and metric, as float32 like TensorBoard stores them."""
    return {
        name: [
            (int(epoch), float(np.float32(value)))
            for epoch, value in zip(history["epoch"], history[name])
        ]
        for name in ["loss", "accuracy", "test_loss", "test_accuracy"]
    }


def tensorboard_events(directory):
    """A run's TensorBoard event files, read with TensorBoard's own reader without its
    purging of repeated steps, so that duplicates show: (accumulator, tensor tags of
    each plugin)."""
    from tensorboard.backend.event_processing import event_accumulator

    accumulator = event_accumulator.EventAccumulator(
        str(directory),
        size_guidance={event_accumulator.TENSORS: 0},  # 0: keep every point
        purge_orphaned_data=False,
    )
    accumulator.Reload()
    plugins = {}
    for tag in accumulator.Tags()[event_accumulator.TENSORS]:
        plugin = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        plugins.setdefault(plugin, []).append(tag)
    return accumulator, plugins


def tensorboard_scalars(directory) -> dict[str, list[tuple[int, float]]]:
    """(step, value) of every scalar in a run's TensorBoard event files, in the order written."""
    from tensorboard.util import tensor_util

    accumulator, plugins = tensorboard_events(directory)
    return {
        tag: [
            (event.step, tensor_util.make_ndarray(event.tensor_proto).item())
            for event in accumulator.Tensors(tag)
        ]
        for tag in plugins.get("scalars", [])
    }


def tensorboard_hparams(directory) -> list[dict]:
    """The settings of each HParams session a run's event files start (one per
    training, when all is well), decoded with the HParams plugin's own protobuf."""
    from google.protobuf import json_format
    from tensorboard.plugins.hparams import metadata, plugin_data_pb2

    accumulator, plugins = tensorboard_events(directory)
    sessions = []
    for tag in plugins.get(metadata.PLUGIN_NAME, []):
        content = accumulator.SummaryMetadata(tag).plugin_data.content
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        if tag == metadata.SESSION_START_INFO_TAG:
            sessions += [
                {
                    name: json_format.MessageToDict(value)
                    for name, value in data.session_start_info.hparams.items()
                }
                for _ in accumulator.Tensors(tag)
            ]
    return sessions


def hparams_dashboard(logdir) -> dict[str, dict]:
    """What TensorBoard's HParams dashboard lists for ``logdir`` (as with
    ``tensorboard --logdir``), asked of the plugin's own session_groups route: for each
    run, its settings and the value of each metric it shows (the last point)."""
    import warnings

    import werkzeug.test
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.plugins import base_plugin

    with warnings.catch_warnings():
        # TensorBoard's vendored bleach imports a deprecated html5lib module: not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        from tensorboard.plugins.hparams import hparams_plugin

    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    plugin = hparams_plugin.HParamsPlugin(
        base_plugin.TBContext(
            logdir=str(logdir),
            data_provider=data_provider.MultiplexerDataProvider(multiplexer, str(logdir)),
            multiplexer=multiplexer,
        )
    )
    route = plugin.get_plugin_apps()["/session_groups"]

    def app(environ, start_response):
        context.set_in_environ(environ, context.RequestContext())
        return route(environ, start_response)

    request = {
        "experimentName": "",
        "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
        "colParams": [],
        "startIndex": 0,
        "sliceSize": 1000,
    }
    response = werkzeug.test.Client(app).post("/", json=request)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {
        session["name"]: {
            "hparams": group["hparams"],
            "metrics": {
                metric["name"]["tag"]: metric["value"] for metric in session["metricValues"]
            },
        }
        for group in response.get_json()["sessionGroups"]
        for session in group["sessions"]
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
    return {name for name, body in rules_that_run(rules_folder).items() if not LOCAL.search(body)}
