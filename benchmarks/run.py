"""Side-by-side performance of the workflow, measured in one run on one machine.

    make bench            # or: .venv-bench/bin/python benchmarks/run.py [--mirror DIR]
    make bench ARGS="--mirror /path/to/mnist"    # MNIST from a local copy
    make bench ARGS="--tiny"                     # the script end to end, in minutes

MNIST comes from --mirror, a directory with the four .gz files; without it, from
../shared/data/mnist when that directory exists beside the clone (this project's
development layout, a convenience: the run says which it used and results.md records
it), else from the default mirrors of config/config.yaml (needs the internet).
--tiny runs everything on the tiny study of .test/ instead (generated data, 1 round):
for checking the script, not for results; it writes results-tiny.md.

Each round runs, one after another, so that a shared machine's drift falls on all:
  the full default study (`snakemake --cores 4`, a fresh clone and cache), its wall
  time against its lower bound from its own job times (benchmarks/measure.py) and
  the peak memory of all its processes together;
  the same study with the other choice of `training.threads` (1 or 2);
  the plain Keras script training the same four variants one after another;
  the learning-rate sweep on a smaller grid against its own bound;
  training epochs of the workflow's code, the plain script and PyTorch, and the levers;
  each variant's epoch with 2 threads, 1 thread, and 1 thread two side by side.
After the rounds: a no-op rerun against a one-rule Snakefile's, and a fresh clone
with a warm cache. Prints the results and writes benchmarks/results.md.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import statistics
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from measure import (  # noqa: E402
    THREAD_CASES,
    run_measured,
    run_runner,
    runner_command,
    study_bound,
    study_floor,
    threads_benchmark,
    threads_table,
)

from ablation.config import variant_specs  # noqa: E402
from ablation.provenance import package_versions  # noqa: E402

WORK = REPO / "benchmarks" / "work"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
GENERATED = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "results",
    "resources",
    "logs",
    ".snakemake",
    "__pycache__",
    "work",
    "node_modules",
    ".ci-cache",
)
CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
TINY_CONFIG = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())
TINY_DATA = ".test/data/mnist"
VARIANTS = list(variant_specs(CONFIG))
# The study as `make run` runs it.
STUDY_CORES = "4"
# The study is also run with this training.threads, the alternative to the config's.
OTHER_THREADS = 1 if CONFIG["training"]["threads"] != 1 else 2
# The sweep's smaller grid: every variant, two rates, one seed.
SWEEP = {"learning_rates": [1.0e-3, 1.0e-2], "seeds": [0]}

# (label, runner, options, extra environment); the first three are the comparison.
EPOCH_CASES = [
    ("workflow (config/config.yaml's settings)", "workflow", {}, {}),
    ("plain Keras model.fit on float32 arrays", "plain_keras", {}, {}),
    ("PyTorch CPU (its default threads)", "pytorch", {}, {}),
    ("lever: PyTorch, 1 thread", "pytorch", {"threads": "1"}, {}),
    ("lever: workflow, 1 step per call", "workflow", {"steps_per_execution": "1"}, {}),
    ("lever: workflow, fast (XLA, no determinism)", "workflow", {"fast": "true"}, {}),
    ("lever: workflow, oneDNN off", "workflow", {}, {"TF_ENABLE_ONEDNN_OPTS": "0"}),
]


def progress(message: str) -> None:
    print(message, flush=True)


def clone(name: str, source: Path = REPO) -> Path:
    destination = WORK / name
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(source, destination, ignore=GENERATED)
    return destination


def snakemake(directory: Path, cache: Path, *args, log: Path | None = None) -> dict:
    cache.mkdir(parents=True, exist_ok=True)
    return run_measured(
        [*SNAKEMAKE, *args], cwd=directory, env={"SNAKEMAKE_OUTPUT_CACHE": str(cache)}, log=log
    )


def config_args(directory: Path, plan: dict) -> list[str]:
    """--configfile arguments for a clone: an overlay that names the mirror, if one was
    given, after the tiny study's config with --tiny (whose data, named from .test/,
    is named from the clone's root here)."""
    tiny = [".test/config/config.yaml"] if plan["tiny"] else []
    mirror = TINY_DATA if plan["tiny"] else plan["mirror"]
    if not mirror:
        return []
    (directory / "config" / "bench.yaml").write_text(
        yaml.safe_dump({"data": {"sources": {"mnist": {"mirrors": [mirror]}}}})
    )
    return ["--configfile", *tiny, "config/bench.yaml"]


def study_round(plan: dict, round_number: int, threads: int | None = None) -> dict:
    """The full study in a fresh clone with an empty cache: wall time, bound, memory;
    with ``threads``, its trainings' `training.threads` set so."""
    name = "study" if threads is None else f"study-threads{threads}"
    directory = clone(name)
    cache = WORK / f"cache-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    args = ["--cores", STUDY_CORES, *config_args(directory, plan)]
    if threads is not None:
        (directory / "config" / "threads.yaml").write_text(
            yaml.safe_dump({"training": {"threads": threads}})
        )
        args += (
            ["config/threads.yaml"]
            if "--configfile" in args
            else ["--configfile", "config/threads.yaml"]
        )
    log = WORK / f"{name}-round{round_number}.log"
    run = snakemake(directory, cache, *args, log=log)
    bound = study_bound(log.read_text(), {"train"}, run["started"], run["finished"], plan["cores"])
    rss = {
        variant: json.loads(
            (directory / f"results/mnist/histories/{variant}/seed0.json").read_text()
        )["peak_rss_mb"]
        for variant in VARIANTS
    }
    return {
        "directory": directory,
        "cache": cache,
        "args": args,
        "bound": bound,
        "tree_mb": run["tree_mb"],
        "train_rss": rss,
    }


def plain_script(data: Path, epochs: int) -> dict:
    """The plain Keras script training the four variants one after another."""
    seconds, rss = 0.0, {}
    for variant in VARIANTS:
        measured = run_measured(runner_command("plain_keras", variant, epochs, data))
        seconds += measured["seconds"]
        rss[variant] = measured["process_mb"]
    return {"seconds": seconds, "rss": rss}


def sweep_round(plan: dict, round_number: int) -> dict:
    """The learning-rate sweep (target `tuning`) on SWEEP's grid against its bound."""
    directory = clone("sweep")
    cache = WORK / "cache-sweep"
    shutil.rmtree(cache, ignore_errors=True)
    (directory / "config" / "sweep.yaml").write_text(
        yaml.safe_dump({"tuning": SWEEP | {"epochs": plan["sweep_epochs"]}})
    )
    args = config_args(directory, plan) or ["--configfile"]
    log = WORK / f"sweep-round{round_number}.log"
    run = snakemake(
        directory, cache, "--cores", STUDY_CORES, "tuning", *args, "config/sweep.yaml", log=log
    )
    return study_bound(log.read_text(), {"tune"}, run["started"], run["finished"], plan["cores"])


def epoch_cases() -> list[tuple]:
    """EPOCH_CASES, less PyTorch's where it is not installed (`make bench-env` installs it)."""
    if importlib.util.find_spec("torch"):
        return EPOCH_CASES
    return [case for case in EPOCH_CASES if case[1] != "pytorch"]


def epoch_round(data: Path, epochs: int, results: dict, round_number: int) -> None:
    for label, runner, options, env in epoch_cases():
        measured = run_runner(runner, "v2_relu", epochs, data, env=env, **options)
        # The first epoch also traces and compiles: count the warm ones.
        results[label]["epochs"] += measured["epoch_seconds"][1:]
        results[label]["rss"].append(measured["rss_mb"])
        results[label]["accuracy"].append(measured["test_accuracy"])
        progress(f"  round {round_number}: {label}: {measured['epoch_seconds']}")


def noop_benchmark(study: dict, repeats: int = 5) -> dict:
    minimal = WORK / "one-rule"
    shutil.rmtree(minimal, ignore_errors=True)
    minimal.mkdir(parents=True)
    (minimal / "Snakefile").write_text(
        'rule all:\n    output:\n        "done.txt"\n    shell:\n        "touch {output}"\n'
    )
    snakemake(minimal, WORK / "cache-one-rule", "--cores", STUDY_CORES)
    ours, floor = [], []
    for _ in range(repeats):
        ours.append(snakemake(study["directory"], study["cache"], *study["args"])["seconds"])
        floor.append(snakemake(minimal, WORK / "cache-one-rule", "--cores", STUDY_CORES)["seconds"])
    # From the study's clone, so that edits made while this runs cannot count.
    fresh = clone("fresh-clone", source=study["directory"])
    if (study["directory"] / "config" / "bench.yaml").exists():
        shutil.copy(study["directory"] / "config" / "bench.yaml", fresh / "config")
    warm = snakemake(fresh, study["cache"], *study["args"])["seconds"]
    return {
        "noop": min(ours),
        "floor": min(floor),
        "noop_median": statistics.median(ours),
        "floor_median": statistics.median(floor),
        "warm_clone": warm,
    }


def cpu_model() -> str:
    """The processor's name as lscpu gives it ("Model name")."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def spread(values) -> str:
    """Median with the lowest and highest of the rounds."""
    values = list(values)
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def bound_rows(bounds: list[dict]) -> list[str]:
    lines = [
        "| round | wall s | before first training s | trainings: longest s | "
        "trainings: sum / cores s | after last training s | bound s | wall / bound |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, bound in enumerate(bounds, 1):
        lines.append(
            f"| {number} | {bound['wall']:.0f} | {bound['before']:.0f} | {bound['longest']:.0f} | "
            f"{bound['sum'] / bound['cores']:.0f} | {bound['after']:.0f} | {bound['bound']:.0f} | "
            f"{bound['ratio']:.2f} |"
        )
    return lines


def timeline(bound: dict) -> list[str]:
    """When each training ran, from the run's start (the order the scheduler chose)."""
    start = bound["jobs"][0].start - bound["before"]
    lines = ["| training | started at s | ended at s | s |", "|---|---|---|---|"]
    for job in bound["jobs"]:
        name = ", ".join(
            f"{key}={value}" for key, value in job.wildcards.items() if key != "dataset"
        )
        lines.append(
            f"| {name} | {job.start - start:.0f} | {job.end - start:.0f} | {job.seconds:.0f} |"
        )
    return lines


def report(plan: dict, rounds: list[dict], epochs: dict, threads: dict, noop: dict) -> str:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    studies = [r["study"]["bound"] for r in rounds]
    sweeps = [r["sweep"] for r in rounds]
    against_plain = [r["study"]["bound"]["wall"] / r["plain"]["seconds"] for r in rounds]
    against_other_threads = [
        r["other_threads"]["bound"]["wall"] / r["study"]["bound"]["wall"] for r in rounds
    ]
    thread_rows = threads_table(threads)
    # The floor needs every variant's epochs; --tiny measures one variant's.
    measured = [row["variant"] for row in thread_rows]
    if sorted(measured) == sorted(VARIANTS):
        floors = [
            study_floor(
                thread_rows,
                plan["study_epochs"],
                plan["cores"],
                r["study"]["bound"]["before"],
                r["study"]["bound"]["after"],
            )["floor"]
            for r in rounds
        ]
        floor_ratios = [floor / r["plain"]["seconds"] for floor, r in zip(floors, rounds)]
        floor_cells = [f"{floor:.0f} | {ratio:.2f}" for floor, ratio in zip(floors, floor_ratios)]
        floor_sentence = f"its floor here {spread(floor_ratios)}."
    else:
        floor_cells = ["– | –"] * len(rounds)
        floor_sentence = f"no floor: the threads table has only {', '.join(measured)}."
    grid = (
        f"{len(SWEEP['learning_rates'])} rates × {len(VARIANTS)} variants × "
        f"{len(SWEEP['seeds'])} seed, {plan['sweep_epochs']} epoch(s)"
    )
    lines = [
        "# Benchmark results" + (" (--tiny: numbers meaningless)" if plan["tiny"] else ""),
        "",
        f"Written by `benchmarks/run.py` on {datetime.datetime.now().isoformat(timespec='minutes')}, "
        f"{len(rounds)} round(s); a range is the rounds' lowest–highest beside their median.",
        f"Machine: {cpu_model()}, {plan['cores']} cores, {memory_gb:.0f} GiB, "
        f"{platform.platform()}. No GPU.",
        "Versions: "
        + ", ".join(
            f"{name} {version}"
            for name, version in package_versions(
                ("tensorflow-cpu", "keras", "torch", "numpy", "snakemake", "psutil")
            ).items()
        )
        + ".",
        f"Study: {plan['study']}, {len(VARIANTS)} variants × {plan['study_epochs']} epochs, "
        f"`snakemake --cores {STUDY_CORES}`, a fresh clone and an empty "
        f"cache each round. MNIST from {plan['source']}.",
        "",
        "## The study against its lower bound",
        "",
        "The bound: `max(longest training alone, sum of trainings / cores)` plus the time "
        "before the first training starts and after the last one ends, all from the job "
        "times of the same run (Snakemake's log, whole seconds: benchmarks/measure.py says "
        "why). The trainings' times are as they ran, beside each other.",
        "",
        *bound_rows(studies),
        "",
        f"Wall / bound {spread(b['ratio'] for b in studies)} (target ≤ 1.15).",
        "",
        f"The trainings of round {len(rounds)}, in the order they started:",
        "",
        *timeline(studies[-1]),
        "",
        "## The study against the plain Keras script four times in a row",
        "",
        "The floor: the shortest the study could be on this machine in any order and with "
        "any thread count per training (benchmarks/measure.py, `study_floor`): the larger of "
        "the slowest variant's quickest time alone and the sum of each variant's fewest "
        "core-seconds over the cores, from the warm epochs of the threads table below, plus "
        "this round's time before and after the trainings. A ratio below the floor's "
        "cannot be reached here by scheduling or threads, only by training faster.",
        "",
        "| round | study s | plain script, the four variants one after another s | ratio | "
        "floor s | floor / plain script |",
        "|---|---|---|---|---|---|",
        *(
            f"| {number} | {r['study']['bound']['wall']:.0f} | {r['plain']['seconds']:.0f} | "
            f"{ratio:.2f} | {floor} |"
            for number, (r, ratio, floor) in enumerate(zip(rounds, against_plain, floor_cells), 1)
        ),
        "",
        f"Ratio {spread(against_plain)} (target ≤ 0.6); {floor_sentence}",
        "",
        f"## The learning-rate sweep against its lower bound ({grid})",
        "",
        "`snakemake tuning`, its bound from its `tune` jobs as above.",
        "",
        *bound_rows(sweeps),
        "",
        f"Wall / bound {spread(b['ratio'] for b in sweeps)}.",
        "",
        "## Peak memory",
        "",
        "The whole study: the highest sum, sampled every 0.2 s, of the proportional set "
        "size (PSS: shared pages counted once) of snakemake and every process under it.",
        "",
        "| round | whole study, peak MB |",
        "|---|---|",
        *(f"| {number} | {r['study']['tree_mb']:.0f} |" for number, r in enumerate(rounds, 1)),
        "",
        f"Per training (round {len(rounds)}), the peak RSS of its process:",
        "",
        "| variant | workflow train job MB | plain script MB |",
        "|---|---|---|",
        *(
            f"| {variant} | {rounds[-1]['study']['train_rss'][variant]:.0f} | "
            f"{rounds[-1]['plain']['rss'][variant]:.0f} |"
            for variant in VARIANTS
        ),
        "",
        f"## Threads: each variant's epoch ({plan['epoch_runs']} epochs per run, the warm ones, "
        "median)",
        "",
        "Two one-thread trainings side by side against one two-thread training at a time: "
        "the last column is epochs per second side by side over epochs per second alone "
        "with 2 threads (above 1: one thread each trains the study's variants faster).",
        "",
        "| variant | "
        + " | ".join(f"{label} s" for label, *_ in THREAD_CASES)
        + " | side by side / 2 threads |",
        "|---|" + "---|" * (len(THREAD_CASES) + 1),
        *(
            f"| {row['variant']} | "
            + " | ".join(f"{row[label]:.2f}" for label, *_ in THREAD_CASES)
            + f" | {row['throughput']:.2f} |"
            for row in thread_rows
        ),
        "",
        f"The whole study (as above: `--cores {STUDY_CORES}`, a fresh clone and an empty cache) "
        f"with the config's `training.threads: {CONFIG['training']['threads']}` and with "
        f"{OTHER_THREADS}, in the same round:",
        "",
        f"| round | threads {CONFIG['training']['threads']}: study s | threads {OTHER_THREADS}: "
        "study s | ratio |",
        "|---|---|---|---|",
        *(
            f"| {number} | {r['study']['bound']['wall']:.0f} | "
            f"{r['other_threads']['bound']['wall']:.0f} | {ratio:.2f} |"
            for number, (r, ratio) in enumerate(zip(rounds, against_other_threads), 1)
        ),
        "",
        f"Threads {OTHER_THREADS} / threads {CONFIG['training']['threads']}: "
        f"{spread(against_other_threads)}.",
        "",
        f"## Training epoch, v2_relu ({plan['epoch_runs']} epochs per run, the warm ones, median)",
        "",
        "| what | median epoch s | vs PyTorch | vs plain Keras | peak RSS MB | test accuracy |",
        "|---|---|---|---|---|---|",
    ]
    median = {label: statistics.median(values["epochs"]) for label, values in epochs.items()}
    plain, torch = (median.get(label) for label, *_ in EPOCH_CASES[1:3])
    for label, values in epochs.items():
        against_torch = f"{median[label] / torch:.2f}×" if torch else "–"
        lines.append(
            f"| {label} | {median[label]:.2f} | {against_torch} | "
            f"{median[label] / plain:.2f}× | {max(values['rss']):.0f} | "
            f"{statistics.mean(values['accuracy']):.4f} |"
        )
    if not torch:
        lines += [
            "",
            "PyTorch is not installed in this environment (`make bench-env` installs "
            "it into .venv-bench): its rows are missing.",
        ]
    lines += [
        "",
        "## Reruns",
        "",
        "| what | s |",
        "|---|---|",
        f"| no-op rerun of the full study, best of 5 (median) | {noop['noop']:.2f} ({noop['noop_median']:.2f}) |",
        f"| no-op of a one-rule Snakefile, best of 5 (median), interleaved | {noop['floor']:.2f} ({noop['floor_median']:.2f}) |",
        f"| fresh clone, warm cache, every final target | {noop['warm_clone']:.1f} |",
        "",
        f"No-op ratio {noop['noop'] / noop['floor']:.2f} best of 5, "
        f"{noop['noop_median'] / noop['floor_median']:.2f} by medians (target ≤ 1.3); "
        f"warm-cache clone {noop['warm_clone']:.1f} s (target ≤ 30 s).",
    ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_mirror = REPO.parent / "shared" / "data" / "mnist"
    parser.add_argument(
        "--mirror",
        default=str(default_mirror) if default_mirror.is_dir() else None,
        help="a local MNIST mirror directory (default: ../shared/data/mnist if "
        "present, else the config's mirrors, which need the internet)",
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="the tiny study of .test/, 1 round: for trying the script, not "
        "for results (writes results-tiny.md)",
    )
    parser.add_argument("--rounds", type=int, help="rounds (default 3; 1 with --tiny)")
    options = parser.parse_args()
    tiny = options.tiny
    plan = {
        "tiny": tiny,
        "mirror": None if tiny else options.mirror,
        "rounds": options.rounds or (1 if tiny else 3),
        "cores": len(os.sched_getaffinity(0)),
        "study": ".test/config/config.yaml (tiny, generated data)"
        if tiny
        else "config/config.yaml (full MNIST)",
        "study_epochs": (TINY_CONFIG if tiny else CONFIG)["training"]["epochs"],
        "sweep_epochs": 1 if tiny else 2,
        "epoch_runs": 2 if tiny else 3,
        # --tiny checks the loop on one variant: each run starts TensorFlow.
        "thread_variants": ["v2_relu"] if tiny else VARIANTS,
    }
    plan["source"] = (
        f"{TINY_DATA} (--tiny)"
        if tiny
        else options.mirror or "the default mirrors of config/config.yaml"
    )
    progress(f"MNIST from {plan['source']} (choose with --mirror DIR)")
    WORK.mkdir(parents=True, exist_ok=True)
    rounds = []
    epochs = {label: {"epochs": [], "rss": [], "accuracy": []} for label, *_ in epoch_cases()}
    threads = {}
    for number in range(1, plan["rounds"] + 1):
        progress(f"round {number}: the study with snakemake")
        study = study_round(plan, number)
        progress(f"  {study['bound']['wall']:.0f} s, bound {study['bound']['bound']:.0f} s")
        progress(f"round {number}: the study with training.threads: {OTHER_THREADS}")
        other = study_round(plan, number, threads=OTHER_THREADS)
        progress(f"  {other['bound']['wall']:.0f} s, bound {other['bound']['bound']:.0f} s")
        data = study["directory"] / "results" / "mnist" / "data"
        progress(f"round {number}: the plain script, four variants one after another")
        plain = plain_script(data, plan["study_epochs"])
        progress(f"round {number}: the learning-rate sweep")
        sweep = sweep_round(plan, number)
        progress(f"round {number}: training epochs")
        epoch_round(data, plan["epoch_runs"], epochs, number)
        progress(f"round {number}: threads")
        for key, values in threads_benchmark(
            plan["thread_variants"],
            data,
            1,
            plan["epoch_runs"],
            progress=progress,
            first_round=number,
        ).items():
            threads.setdefault(key, []).extend(values)
        rounds.append({"study": study, "other_threads": other, "plain": plain, "sweep": sweep})
    progress("no-op rerun and warm-cache clone")
    noop = noop_benchmark(rounds[-1]["study"])

    text = report(plan, rounds, epochs, threads, noop)
    output = REPO / "benchmarks" / ("results-tiny.md" if tiny else "results.md")
    output.write_text(text)
    print(text)
    print(f"written to {output}")


if __name__ == "__main__":
    main()
