"""benchmarks/: the lower bound from hand-made job times, the log reader on a real
snakemake run, the memory sampler on a process tree, and the runners on tiny data, so
that `make bench` cannot rot between its (long) runs."""

import importlib.util
import subprocess
import sys

import pytest
from project import REPO, default_config
from shared_studies import shared_study
from tinydata import tiny_split

from ablation.config import variant_specs
from ablation.splits import save_split

sys.path.insert(0, str(REPO / "benchmarks"))

from measure import (  # noqa: E402
    THREAD_CASES,
    PeakMemory,
    jobs_from_log,
    lower_bound,
    run_runner,
    study_bound,
    study_floor,
    threads_benchmark,
    threads_table,
)

# A measured study: v3_no_pooling (98 s) started last, beside the others.
V3_LAST = {"v1": (10, 50), "v4": (10, 26), "v2": (26, 63), "v3": (50, 148)}
# The same trainings, the longest first: they end when it ends.
V3_FIRST = {"v3": (10, 108), "v4": (10, 26), "v2": (26, 63), "v1": (63, 103)}


def test_the_bound_is_the_longest_training_when_it_dominates():
    bound = lower_bound(list(V3_LAST.values()), started=0, finished=160, cores=2)
    # durations 40, 16, 37, 98: their sum over 2 cores (95.5) is below v3 alone.
    assert bound["before"] == 10 and bound["after"] == 12
    assert bound["training"] == 98 and bound["bound"] == 120
    assert bound["ratio"] == pytest.approx(160 / 120)


def test_the_longest_training_first_reaches_the_bound():
    bound = lower_bound(list(V3_FIRST.values()), started=0, finished=120, cores=2)
    assert bound["bound"] == 120 and bound["ratio"] == 1


def test_the_bound_is_the_sum_over_the_cores_when_no_training_dominates():
    trainings = [(5, 15), (5, 15), (15, 25), (15, 25), (25, 35), (25, 35)]
    bound = lower_bound(trainings, started=0, finished=40, cores=2)
    assert bound["training"] == 30 and bound["bound"] == 5 + 30 + 5
    assert lower_bound(trainings, started=0, finished=40, cores=4)["training"] == 15


def test_no_training_no_bound():
    with pytest.raises(ValueError, match="no training job ran"):
        lower_bound([], started=0, finished=10, cores=2)


LOG = """\
Select jobs to execute...
Execute 2 jobs...

[Tue Dec  1 03:57:03 2026]
localrule normalize:
    output: results/mnist/data/train.npz
    jobid: 4
    resources: tmpdir=/tmp
[Tue Dec  1 03:57:05 2026]
Finished jobid: 4 (Rule: normalize)
[Tue Dec  1 03:57:05 2026]
rule train:
    output: results/mnist/models/v3/seed0.keras
    jobid: 1
    wildcards: dataset=mnist, variant=v3, seed=0
[Tue Dec  1 03:57:06 2026]
rule train:
    output: results/mnist/models/v1/seed0.keras
    jobid: 2
    wildcards: dataset=mnist, variant=v1, seed=0
[Tue Dec  1 03:57:16 2026]
Finished jobid: 2 (Rule: train)
1 of 4 steps (25%) done
[Tue Dec  1 03:57:45 2026]
Finished jobid: 1 (Rule: train)
"""


def test_the_log_gives_each_jobs_start_end_and_wildcards():
    jobs = {job.jobid: job for job in jobs_from_log(LOG)}
    assert {job.rule for job in jobs.values()} == {"normalize", "train"}
    v3, v1 = jobs[1], jobs[2]
    assert v3.wildcards == {"dataset": "mnist", "variant": "v3", "seed": "0"}
    assert (v3.seconds, v1.seconds) == (40, 10)
    assert v1.start - v3.start == 1 and jobs[4].end == v3.start
    bound = study_bound(LOG, {"train"}, started=v3.start - 3, finished=v3.end + 2, cores=2)
    assert [job.wildcards["variant"] for job in bound["jobs"]] == ["v3", "v1"]
    assert (bound["before"], bound["training"], bound["after"]) == (3, 40, 2)


def test_a_training_without_an_end_is_an_error():
    cut = LOG[: LOG.index("[Tue Dec  1 03:57:45 2026]")]
    with pytest.raises(ValueError, match="no end for 1 training job"):
        study_bound(cut, {"train"}, started=0, finished=2e9, cores=2)


@pytest.mark.e2e
def test_the_log_of_a_real_run_gives_every_training(base):
    """The tiny study's own snakemake output, as run.py reads it from the study's log."""
    trainings = [job for job in jobs_from_log(base.first_run.output) if job.rule == "train"]
    variants = variant_specs(default_config())
    assert sorted(job.wildcards["variant"] for job in trainings) == sorted(variants)
    assert all(job.end is not None and job.end >= job.start for job in trainings)


def test_threads_table_compares_side_by_side_with_two_threads():
    seconds = {
        ("v2", "2 threads, alone"): [2.0, 2.2, 2.1],
        ("v2", "1 thread, alone"): [2.5],
        ("v2", "1 thread, two side by side"): [3.0, 3.1, 2.9, 3.0],
    }
    [row] = threads_table(seconds)
    assert row["2 threads, alone"] == 2.1 and row["1 thread, two side by side"] == 3.0
    # two epochs every 3.0 s against one every 2.1 s
    assert row["throughput"] == pytest.approx(2 * 2.1 / 3.0)


# Warm epochs, 2 threads alone and 1 thread alone (benchmarks/results.md of 2026-12-01).
EPOCHS_BY_THREADS = {
    "v1": (2.55, 2.65),
    "v2": (2.30, 2.23),
    "v3": (10.24, 8.31),
    "v4": (0.30, 0.26),
}


def thread_rows(epochs_by_threads):
    """threads_table's rows: each THREAD_CASES label's epoch (side by side: twice alone)."""
    labels = [label for label, *_ in THREAD_CASES]
    return [
        {"variant": variant, **dict(zip(labels, (two, one, 2 * one)))}
        for variant, (two, one) in epochs_by_threads.items()
    ]


def test_the_floor_is_the_slowest_variant_at_its_quickest_when_it_dominates():
    floor = study_floor(thread_rows(EPOCHS_BY_THREADS), epochs=10, cores=2, before=1, after=10)
    # v3 is quicker with one thread; v1 too costs fewer core-seconds with one.
    assert floor["quickest"]["v3"] == pytest.approx(83.1)
    assert floor["core_seconds"]["v1"] == pytest.approx(26.5)
    # core-seconds 26.5 + 22.3 + 83.1 + 2.6 over 2 cores = 67.25, below v3's 83.1
    assert floor["training"] == pytest.approx(83.1)
    assert floor["floor"] == pytest.approx(94.1)


def test_the_floor_is_the_core_seconds_over_the_cores_when_two_threads_scale():
    # Two threads twice as fast as one: a 2-thread training holds both cores for the
    # same core-seconds, so no order of the four beats them one after another.
    scaling = {variant: (one / 2, one) for variant, (_, one) in EPOCHS_BY_THREADS.items()}
    floor = study_floor(thread_rows(scaling), epochs=10, cores=2, before=0, after=0)
    assert floor["quickest"]["v3"] == pytest.approx(41.55)
    assert floor["training"] == pytest.approx(sum(one for _, one in scaling.values()) * 10 / 2)


# A parent holding two children that each hold MEGABYTES of their own, until stdin closes.
MEGABYTES = 100
CHILD = (
    f"import sys; block = b'x' * ({MEGABYTES} << 20); print('ready', flush=True); sys.stdin.read()"
)
PARENT = f"""
import subprocess, sys
children = [subprocess.Popen([sys.executable, "-c", {CHILD!r}], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True) for _ in range(2)]
for child in children:
    child.stdout.readline()
print("ready", flush=True)
sys.stdin.read()
for child in children:
    child.communicate("")
"""


def test_peak_memory_sums_the_whole_process_tree():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    peak = PeakMemory(parent.pid)
    try:
        assert parent.stdout.readline() == "ready\n"
        peak.wait_for_samples(2)
    finally:
        parent.communicate("")
    assert peak.stop() >= 2 * MEGABYTES


TEST_IMAGES = 120


# The runners of the comparison; PyTorch's is in .venv-bench only (make bench-env).
RUNNERS = {"plain_keras": "keras", "pytorch": "torch"}
THREADS_CASE = ("1 thread, alone", 1, 1)


@shared_study(quick=True)
def benchmark_runs(root):
    """On train.npz (300 examples) and test.npz (TEST_IMAGES), as rule normalize writes
    them: the threads benchmark's loop on THREADS_CASE, and each runner of RUNNERS whose
    framework this environment has. Each runs in processes of its own (each starts
    TensorFlow, several seconds), in the background while other tests run."""
    data = root / "data"
    data.mkdir()
    for name, count, seed in (("train", 300, 1), ("test", TEST_IMAGES, 2)):
        save_split(data / f"{name}.npz", *tiny_split(count, seed))
    threads = threads_benchmark(
        ["v2_relu"], data, rounds=1, epochs=2, cases=[THREADS_CASE], progress=lambda message: None
    )
    return {"threads": threads} | {
        runner: run_runner(runner, "v2_relu", 2, data)
        for runner, framework in RUNNERS.items()
        if importlib.util.find_spec(framework)
    }


def test_the_threads_benchmark_runs_the_workflows_training(benchmark_runs):
    """The threads benchmark's loop, on one of its cases: the workflow's train() in a
    process of its own with 1 thread, 2 epochs (the other cases run the same command,
    alone or two at once)."""
    seconds = benchmark_runs["threads"]
    assert list(seconds) == [("v2_relu", THREADS_CASE[0])]
    assert len(seconds["v2_relu", THREADS_CASE[0]]) == 1  # the warm epoch: the first one traces


@pytest.mark.parametrize("runner", list(RUNNERS))
def test_a_comparison_runner_trains_on_tiny_data(runner, benchmark_runs):
    if runner not in benchmark_runs:
        pytest.skip(f"{RUNNERS[runner]} is in .venv-bench only (make bench-env)")
    result = benchmark_runs[runner]
    assert len(result["epoch_seconds"]) == 2 and result["rss_mb"] > 0
    # measured on the whole test set: a whole number of its 120 images right
    correct = result["test_accuracy"] * TEST_IMAGES
    assert 0 <= correct <= TEST_IMAGES and correct == pytest.approx(round(correct), abs=1e-3)


def test_the_results_page_shows_each_rounds_floor_beside_its_ratio():
    """run.py's report() on hand-made rounds: the plain-script table gives the study's
    floor (study_floor of the threads table and the round's time around the trainings)
    beside the ratio, so that a target below the floor reads as one."""
    import run
    from measure import Job

    def bound(wall, before, after):
        trainings = [Job("train", 1, before, wall - after, {"variant": "v3"})]
        return lower_bound([(job.start, job.end) for job in trainings], 0, wall, 2) | {
            "jobs": trainings
        }

    variants = ["v1", "v2", "v3", "v4"]
    threads = {
        (row["variant"], label): [row[label]]
        for row in thread_rows(EPOCHS_BY_THREADS)
        for label, *_ in THREAD_CASES
    }
    rounds = [
        {
            "study": {
                "bound": bound(wall, 1, 10),
                "tree_mb": 1400,
                "train_rss": dict.fromkeys(variants, 800),
            },
            "other_threads": {"bound": bound(wall + 10, 1, 10)},
            "plain": {"seconds": plain, "rss": dict.fromkeys(variants, 1100)},
            "sweep": bound(70, 4, 11),
        }
        for wall, plain in ((130, 164), (142, 170))
    ]
    plan = {
        "tiny": False,
        "cores": 2,
        "study": "config/config.yaml",
        "study_epochs": 10,
        "source": "a mirror",
        "sweep_epochs": 2,
        "epoch_runs": 3,
    }
    epochs = {
        label: {"epochs": [2.5], "rss": [750], "accuracy": [0.98]} for label, *_ in run.EPOCH_CASES
    }
    noop = {"noop": 1.1, "floor": 0.8, "noop_median": 1.2, "floor_median": 0.9, "warm_clone": 20.0}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "VARIANTS", variants)
        text = run.report(plan, rounds, epochs, threads, noop)
        # --tiny's threads table has one variant: no floor rather than a wrong one
        one_variant = {key: value for key, value in threads.items() if key[0] == "v2"}
        tiny = run.report(plan, rounds, epochs, one_variant, noop)
    # the floor of both rounds: 1 + 83.1 + 10 s (test above), against 164 and 170 s
    assert "| 1 | 130 | 164 | 0.79 | 94 | 0.57 |" in text
    assert "| 2 | 142 | 170 | 0.84 | 94 | 0.55 |" in text
    assert "Ratio 0.81 (0.79–0.84) (target ≤ 0.6); its floor here 0.56 (0.55–0.57)." in text
    assert "| 1 | 130 | 164 | 0.79 | – | – |" in tiny
    assert "no floor: the threads table has only v2." in tiny


def test_the_setup_benchmark_compares_an_environment_with_what_the_lock_installs_on_its_platform():
    """benchmarks/venv_setup.py's comparison, run by this checkout's .venv: the lock's
    entries for other platforms (the tensorflow of macOS and Linux aarch64) are not
    taken for packages missing here."""

    from venv_setup import installed_and_locked

    installed, locked = installed_and_locked(sys.executable, REPO)
    assert len({"tensorflow", "tensorflow-cpu"} & set(locked)) == 1  # this platform's alone
    assert [name for name in locked if installed.get(name) != locked[name]] == []
