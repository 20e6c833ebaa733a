"""What benchmarks/run.py measures with, importable by the tests.

- the jobs of one snakemake run, read from its log (``jobs_from_log``), and the
  study's lower bound from them (``lower_bound``, a pure function);
- the peak memory of a whole process tree (``PeakMemory``);
- one runner of benchmarks/runners.py alone (``run_runner``) or several side by side
  (``run_together``), and the threads comparison built from them (``threads_benchmark``,
  ``threads_table``);
- the floor under the study's time that no order and no thread count can beat, from
  the threads comparison (``study_floor``, a pure function).

Why the log: Snakemake writes a timestamp before each job starts and before it
reports it finished, in the scheduler's process. Those times include what a job
costs beyond its own code (the interpreter and TensorFlow starting), are on the
same clock as the run's start and end, and need no change to the workflow. The
other sources miss one of these: the provenance json's wall_seconds starts inside
train() and has no absolute time, and a `benchmark:` file per rule would add
outputs to every user's run and records no start time. The price is the log's
resolution, whole seconds.
"""

import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

RUNNERS = Path(__file__).resolve().with_name("runners.py")

TIMESTAMP = re.compile(r"^\[(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\]$")
JOB_START = re.compile(r"^(?:local)?rule (\w+):$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)$")


@dataclass
class Job:
    rule: str
    jobid: int
    start: float
    end: float | None = None
    wildcards: dict = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.end - self.start


def jobs_from_log(text: str) -> list[Job]:
    """Every job that the snakemake log ``text`` shows starting, with its start and end
    (seconds since the epoch, local time as the log writes it; end None if it never
    finished) and its wildcards."""
    jobs, open_job, now = {}, None, None
    for line in text.splitlines():
        line = line.strip()
        if match := TIMESTAMP.match(line):
            now = time.mktime(time.strptime(match[1], "%a %b %d %H:%M:%S %Y"))
            open_job = None
        elif (match := JOB_START.match(line)) and now is not None:
            open_job = Job(rule=match[1], jobid=-1, start=now)
        elif open_job and line.startswith("jobid: "):
            open_job.jobid = int(line.removeprefix("jobid: "))
            jobs[open_job.jobid] = open_job
        elif open_job and line.startswith("wildcards: "):
            open_job.wildcards = dict(
                item.split("=", 1) for item in line.removeprefix("wildcards: ").split(", ")
            )
        elif match := FINISHED.match(line):
            if int(match[1]) in jobs:
                jobs[int(match[1])].end = now
    return list(jobs.values())


def lower_bound(
    trainings: list[tuple[float, float]], started: float, finished: float, cores: int
) -> dict:
    """The study's lower bound on ``cores`` cores, from the (start, end) of each training
    job as it ran between ``started`` and ``finished`` (one clock, seconds).

    No order of the trainings ends them sooner than the longest one alone, nor sooner
    than their sum spread over every core; the time before the first training starts
    and after the last one ends (data, figures, the lecture) is added as measured.
    """
    if not trainings:
        raise ValueError("no training job ran: the bound needs an uncached run")
    durations = [end - start for start, end in trainings]
    before = min(start for start, _ in trainings) - started
    after = finished - max(end for _, end in trainings)
    training = max(max(durations), sum(durations) / cores)
    bound = before + training + after
    wall = finished - started
    return {
        "wall": wall,
        "before": before,
        "after": after,
        "longest": max(durations),
        "sum": sum(durations),
        "cores": cores,
        "training": training,
        "bound": bound,
        "ratio": wall / bound,
    }


def study_bound(
    log_text: str, training_rules: set[str], started: float, finished: float, cores: int
) -> dict:
    """lower_bound of one snakemake run, with its training jobs (those of
    ``training_rules``) as a list under "jobs"."""
    jobs = [job for job in jobs_from_log(log_text) if job.rule in training_rules]
    unfinished = [job for job in jobs if job.end is None]
    if unfinished:
        raise ValueError(f"the log shows no end for {len(unfinished)} training job(s)")
    bound = lower_bound([(job.start, job.end) for job in jobs], started, finished, cores)
    return bound | {"jobs": sorted(jobs, key=lambda job: job.start)}


def tree_memory_mb(root: psutil.Process) -> float:
    """Resident memory of ``root`` and all its descendants, in MB: each one's PSS, so
    pages that several of them share (the libraries TensorFlow maps) count once;
    its RSS where the kernel has no smaps_rollup."""
    total = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            rollup = Path(f"/proc/{process.pid}/smaps_rollup").read_text()
            total += next(
                int(line.split()[1]) * 1024
                for line in rollup.splitlines()
                if line.startswith("Pss:")
            )
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue  # ended between the listing and the read
        except PermissionError:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
    return total / 2**20


class PeakMemory:
    """Samples ``tree_memory_mb`` of the process ``pid`` in a thread until stopped:
    ``peak_mb`` is the highest sum seen, ``samples`` how many sums were taken."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_mb = 0.0
        self.samples = 0
        self.sampled = threading.Condition()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while not self.stopped.is_set():
            try:
                memory = tree_memory_mb(self.root)
            except psutil.NoSuchProcess:
                return
            with self.sampled:
                self.peak_mb = max(self.peak_mb, memory)
                self.samples += 1
                self.sampled.notify_all()
            self.stopped.wait(self.interval)

    def wait_for_samples(self, count: int, timeout: float = 60) -> None:
        """Wait until ``count`` more sums have been taken."""
        with self.sampled:
            target = self.samples + count
            if not self.sampled.wait_for(lambda: self.samples >= target, timeout):
                raise TimeoutError("the memory sampler took no sample")

    def stop(self) -> float:
        self.stopped.set()
        self.thread.join()
        return self.peak_mb


def run_measured(command, cwd=None, env=None, log=None) -> dict:
    """Run ``command``; its wall seconds (and start and end on the wall clock), the peak
    memory of its whole process tree, the peak RSS of its largest single process, and
    its stdout. stderr goes to the file ``log`` when given."""
    with open(log or os.devnull, "w") as stderr:
        started_at, started = time.time(), time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=os.environ | (env or {}),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        peak = PeakMemory(process.pid)
        stdout = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        tree_mb = peak.stop()
    if os.waitstatus_to_exitcode(status) != 0:
        where = f"; its log: {log}" if log else ""
        raise RuntimeError(f"{' '.join(map(str, command))} failed{where}")
    return {
        "seconds": seconds,
        "started": started_at,
        "finished": started_at + seconds,
        "tree_mb": tree_mb,
        "process_mb": usage.ru_maxrss / 1024,
        "stdout": stdout,
    }


def runner_command(runner: str, variant: str, epochs: int, data, **options) -> list[str]:
    return [
        sys.executable,
        str(RUNNERS),
        runner,
        variant,
        str(epochs),
        str(data),
        *(f"{key}={value}" for key, value in options.items()),
    ]


def result_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def run_runner(runner: str, variant: str, epochs: int, data, env=None, **options) -> dict:
    """One runner in a process of its own (thread pools are set once per process): its
    epoch seconds, test accuracy and peak RSS in MB."""
    measured = run_measured(runner_command(runner, variant, epochs, data, **options), env=env)
    return result_of(measured["stdout"]) | {"rss_mb": measured["process_mb"]}


def run_together(commands: list[list[str]]) -> list[dict]:
    """Runner commands started at once, side by side; each one's result."""
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for command in commands
    ]
    outputs = [process.communicate()[0] for process in processes]
    for command, process in zip(commands, processes):
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed")
    return [result_of(stdout) for stdout in outputs]


# (label, threads, trainings side by side): the question behind training.threads is
# whether two one-thread trainings beside each other use a 2-core machine better
# than one two-thread training after another.
THREAD_CASES = [
    ("2 threads, alone", 2, 1),
    ("1 thread, alone", 1, 1),
    ("1 thread, two side by side", 1, 2),
]


def threads_benchmark(
    variants,
    data,
    rounds: int,
    epochs: int,
    cases=THREAD_CASES,
    progress=print,
    first_round: int = 1,
) -> dict:
    """Warm epoch seconds of the workflow's training per (variant, case label),
    the cases interleaved within each round; the first epoch of each run (tracing,
    compiling) is left out. Progress lines number the rounds from ``first_round``."""
    seconds = {(variant, label): [] for variant in variants for label, *_ in cases}
    for round_number in range(first_round - 1, first_round - 1 + rounds):
        for variant in variants:
            for label, threads, copies in cases:
                command = runner_command("workflow", variant, epochs, data, threads=threads)
                for result in run_together([command] * copies):
                    seconds[variant, label] += result["epoch_seconds"][1:]
                progress(
                    f"  round {round_number + 1}: {variant}, {label}: "
                    f"{seconds[variant, label][-1]:.2f} s"
                )
    return seconds


def threads_table(seconds: dict, cases=THREAD_CASES) -> list[dict]:
    """Per variant: the median warm epoch of each case, and how many epochs per second
    the machine trains with one thread per training, side by side, against two
    threads one training at a time (above 1: one thread each is the faster study)."""
    from statistics import median

    labels = [label for label, *_ in cases]
    copies = {label: count for label, _, count in cases}
    rows = []
    for variant in dict.fromkeys(variant for variant, _ in seconds):
        medians = {label: median(seconds[variant, label]) for label in labels}
        alone, side_by_side = labels[0], labels[-1]
        gain = (copies[side_by_side] / medians[side_by_side]) / (copies[alone] / medians[alone])
        rows.append({"variant": variant, **medians, "throughput": gain})
    return rows


def study_floor(
    rows: list[dict], epochs: int, cores: int, before: float, after: float, cases=THREAD_CASES
) -> dict:
    """The shortest the study could take on ``cores`` cores, whatever the order of its
    trainings and whatever thread count each one had: ``rows`` are threads_table's,
    one per variant, each training ``epochs`` epochs; ``before`` and ``after`` the time
    around the trainings, as lower_bound measures it.

    Each variant alone trains no faster than its quicker thread count alone does, and
    spends no fewer core-seconds than the cheaper of the two: one thread alone, or two
    threads alone times the cores they hold. No schedule ends before the slowest
    variant's quickest time, nor before the sum of those core-seconds spread over
    every core. Only warm epochs count (no TensorFlow start, no tracing), so the floor
    is below what any real run can reach.
    """
    alone = {threads: label for label, threads, copies in cases if copies == 1}
    quickest, core_seconds = {}, {}
    for row in rows:
        seconds = {threads: row[label] * epochs for threads, label in alone.items()}
        quickest[row["variant"]] = min(seconds.values())
        core_seconds[row["variant"]] = min(
            min(threads, cores) * value for threads, value in seconds.items()
        )
    training = max(max(quickest.values()), sum(core_seconds.values()) / cores)
    return {
        "quickest": quickest,
        "core_seconds": core_seconds,
        "training": training,
        "floor": before + training + after,
    }
