"""Side-by-side performance of the workflow, measured in one run on one machine.

    make bench            # or: .venv-bench/bin/python benchmarks/run.py [--mirror DIR] [--quick]
    make bench ARGS="--mirror /path/to/mnist"    # MNIST from a local copy

MNIST comes from --mirror, a directory with the four .gz files; without it, from
../shared/data/mnist when that directory exists beside the clone (this project's
development layout, a convenience: the run says which it used and results.md records
it), else from the default mirrors of config/config.yaml (needs the internet).

(a) training epochs of the workflow's code, a plain Keras script and PyTorch, interleaved
    A B C A B C, plus the levers tried (threads, steps per execution, XLA, oneDNN off);
(b) the full default ablation with `snakemake --cores 4` against the plain script running
    the same four trainings one after another;
(c) no-op rerun against a one-rule Snakefile's no-op, and a fresh clone with a warm cache;
(d) peak RSS of each training process.
Prints a table and writes benchmarks/results.md.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))

from ablation.provenance import package_versions  # noqa: E402

WORK = REPO / "benchmarks" / "work"
RUNNERS = REPO / "benchmarks" / "runners.py"
BIN = Path(sys.executable).parent
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
GENERATED = shutil.ignore_patterns(".git", ".venv*", "results", "resources", "logs",
                                   ".snakemake", "__pycache__", "work", "node_modules",
                                   ".ci-cache")
VARIANTS = ["v1_sigmoid", "v2_relu", "v3_no_pooling", "v4_no_conv"]

# (label, runner, options, extra environment); the first three are the comparison.
EPOCH_CASES = [
    ("workflow (default: 2 threads, uint8 tf.data, 64 steps/call)", "workflow", {}, {}),
    ("plain Keras model.fit on float32 arrays", "plain_keras", {}, {}),
    ("PyTorch 2.13 CPU (its default: 2 threads)", "pytorch", {}, {}),
    ("lever: workflow, 1 thread", "workflow", {"threads": "1"}, {}),
    ("lever: PyTorch, 1 thread", "pytorch", {"threads": "1"}, {}),
    ("lever: workflow, 1 step per call", "workflow", {"steps_per_execution": "1"}, {}),
    ("lever: workflow, fast (XLA, no determinism)", "workflow", {"fast": "true"}, {}),
    ("lever: workflow, oneDNN off", "workflow", {}, {"TF_ENABLE_ONEDNN_OPTS": "0"}),
]


def run_measured(command, cwd=REPO, env=None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB of the process, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=os.environ | (env or {}),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed")
    return seconds, usage.ru_maxrss / 1024, stdout


def clone(name: str, source: Path = REPO) -> Path:
    destination = WORK / name
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(source, destination, ignore=GENERATED)
    return destination


def snakemake(directory: Path, cache: Path, *args) -> float:
    cache.mkdir(parents=True, exist_ok=True)
    env = {"SNAKEMAKE_OUTPUT_CACHE": str(cache)}
    return run_measured([*SNAKEMAKE, *args], cwd=directory, env=env)[0]


def mirror_config(directory: Path, mirror: str | None) -> list[str]:
    if not mirror:
        return []
    (directory / "config" / "bench.yaml").write_text(
        yaml.safe_dump({"data": {"sources": {"mnist": {"mirrors": [mirror]}}}}))
    return ["--configfile", "config/bench.yaml"]


def epoch_benchmark(data: Path, rounds: int, epochs: int) -> dict:
    results = {label: {"epochs": [], "rss": [], "accuracy": []} for label, *_ in EPOCH_CASES}
    for round_number in range(rounds):
        for label, runner, options, env in EPOCH_CASES:
            command = [sys.executable, str(RUNNERS), runner, "v2_relu", str(epochs), str(data),
                       *(f"{key}={value}" for key, value in options.items())]
            _, rss, stdout = run_measured(command, env=env)
            measured = json.loads(stdout.strip().splitlines()[-1])
            # The first epoch also traces and compiles: count the warm ones.
            results[label]["epochs"] += measured["epoch_seconds"][1:]
            results[label]["rss"].append(rss)
            results[label]["accuracy"].append(measured["test_accuracy"])
            print(f"  round {round_number + 1}: {label}: {measured['epoch_seconds']}", flush=True)
    return results


def ablation_benchmark(mirror: str | None, epochs: int) -> dict:
    directory = clone("ablation")
    cache = WORK / "cache-ablation"
    shutil.rmtree(cache, ignore_errors=True)
    args = mirror_config(directory, mirror)
    if epochs != 10:
        (directory / "config" / "epochs.yaml").write_text(f"training:\n  epochs: {epochs}\n")
        args = (args or ["--configfile"]) + ["config/epochs.yaml"]
    workflow_seconds = snakemake(directory, cache, "--cores", "4", *args)
    data = directory / "results" / "mnist" / "data"
    sequential, plain_rss = 0.0, {}
    for variant in VARIANTS:
        seconds, rss, _ = run_measured([sys.executable, str(RUNNERS), "plain_keras", variant,
                                        str(epochs), str(data)])
        sequential += seconds
        plain_rss[variant] = rss
    rss = {variant: json.loads((directory / f"results/mnist/histories/{variant}/seed0.json")
                               .read_text())["peak_rss_mb"] for variant in VARIANTS}
    return {"directory": directory, "cache": cache, "args": args, "workflow": workflow_seconds,
            "sequential": sequential, "rss": rss, "plain_rss": plain_rss}


def noop_benchmark(ablation: dict, repeats: int = 5) -> dict:
    minimal = WORK / "one-rule"
    shutil.rmtree(minimal, ignore_errors=True)
    minimal.mkdir(parents=True)
    (minimal / "Snakefile").write_text(
        'rule all:\n    output:\n        "done.txt"\n    shell:\n        "touch {output}"\n')
    snakemake(minimal, WORK / "cache-one-rule", "--cores", "4")
    ours, floor = [], []
    for _ in range(repeats):
        ours.append(snakemake(ablation["directory"], ablation["cache"], "--cores", "4",
                              *ablation["args"]))
        floor.append(snakemake(minimal, WORK / "cache-one-rule", "--cores", "4"))
    # From the first clone, so that edits made while this runs cannot count.
    fresh = clone("fresh-clone", source=ablation["directory"])
    for extra in ("bench.yaml", "epochs.yaml"):
        if (ablation["directory"] / "config" / extra).exists():
            shutil.copy(ablation["directory"] / "config" / extra, fresh / "config" / extra)
    warm = snakemake(fresh, ablation["cache"], "--cores", "4", *ablation["args"])
    return {"noop": min(ours), "floor": min(floor), "noop_median": statistics.median(ours),
            "floor_median": statistics.median(floor), "warm_clone": warm}


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def report(epochs: dict, ablation: dict | None, noop: dict | None, settings: dict) -> str:
    median = {label: statistics.median(values["epochs"]) for label, values in epochs.items()}
    workflow, plain, torch = (median[label] for label, *_ in EPOCH_CASES[:3])
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Benchmark results",
        "",
        f"Written by `benchmarks/run.py` on {datetime.datetime.now().isoformat(timespec='minutes')}.",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gb:.0f} GiB, {platform.platform()}. No GPU.",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in package_versions(
            ("tensorflow-cpu", "keras", "torch", "numpy", "snakemake")).items()) + ".",
        f"Settings: {settings}.",
        "",
        "## (a) Training epoch, v2_relu, full MNIST, batch 128 (interleaved, median of warm epochs)",
        "",
        "| what | median epoch s | vs PyTorch | vs plain Keras | peak RSS MB | test accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for label, values in epochs.items():
        lines.append(
            f"| {label} | {median[label]:.2f} | {median[label] / torch:.2f}× | "
            f"{median[label] / plain:.2f}× | {max(values['rss']):.0f} | "
            f"{statistics.mean(values['accuracy']):.4f} |")
    lines += ["", f"Target: workflow epoch ≤ 1.0× PyTorch — measured {workflow / torch:.2f}×; "
              f"against the plain Keras script {workflow / plain:.2f}×."]
    if ablation:
        ratio = ablation["workflow"] / ablation["sequential"]
        lines += [
            "", f"## (b) Full default ablation (4 variants × {settings['ablation_epochs']} epochs)", "",
            "| what | wall s |", "|---|---|",
            f"| `snakemake --cores 4` (download to figures, fresh cache) | {ablation['workflow']:.0f} |",
            f"| plain script, the four trainings one after another | {ablation['sequential']:.0f} |",
            "", f"Ratio {ratio:.2f} (target ≤ 0.6).",
            "", "## (d) Peak RSS per training job (MB)", "",
            "| variant | workflow train job | plain script |", "|---|---|---|",
        ]
        lines += [f"| {variant} | {ablation['rss'][variant]:.0f} | {ablation['plain_rss'][variant]:.0f} |"
                  for variant in VARIANTS]
        lines += ["", f"Target ≤ 800 MB: highest measured {max(ablation['rss'].values()):.0f} MB."]
    if noop:
        lines += [
            "", "## (c) Reruns", "",
            "| what | s |", "|---|---|",
            f"| no-op rerun of the full study, best of 5 (median) | {noop['noop']:.2f} ({noop['noop_median']:.2f}) |",
            f"| no-op of a one-rule Snakefile, best of 5 (median), interleaved | {noop['floor']:.2f} ({noop['floor_median']:.2f}) |",
            f"| fresh clone, warm cache, every final target | {noop['warm_clone']:.1f} |",
            "", f"No-op ratio {noop['noop'] / noop['floor']:.2f} best of 5, "
                f"{noop['noop_median'] / noop['floor_median']:.2f} by medians (target ≤ 1.3); "
                f"warm-cache clone {noop['warm_clone']:.1f} s (target ≤ 30 s).",
        ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_mirror = REPO.parent / "shared" / "data" / "mnist"
    parser.add_argument("--mirror", default=str(default_mirror) if default_mirror.is_dir() else None,
                        help="a local MNIST mirror directory (default: ../shared/data/mnist if "
                             "present, else the config's mirrors, which need the internet)")
    parser.add_argument("--quick", action="store_true",
                        help="1 round, 2 ablation epochs: for trying the script, not for results")
    options = parser.parse_args()
    print(f"MNIST from {options.mirror or 'the default mirrors of config/config.yaml'}"
          " (choose with --mirror DIR)", flush=True)
    rounds, ablation_epochs = (1, 2) if options.quick else (3, 10)
    WORK.mkdir(parents=True, exist_ok=True)
    settings = {"rounds": rounds, "epochs per run": 3, "ablation_epochs": ablation_epochs,
                "mirror": options.mirror or "config default"}

    print("(b) full ablation with snakemake, then the plain script sequentially", flush=True)
    ablation = ablation_benchmark(options.mirror, ablation_epochs)
    print("(c) no-op rerun and warm-cache clone", flush=True)
    noop = noop_benchmark(ablation)
    print("(a) training epochs, interleaved", flush=True)
    epochs = epoch_benchmark(ablation["directory"] / "results" / "mnist" / "data", rounds, 3)

    text = report(epochs, ablation, noop, settings)
    output = REPO / "benchmarks" / ("results-quick.md" if options.quick else "results.md")
    output.write_text(text)
    print(text)
    print(f"written to {output}")


if __name__ == "__main__":
    main()
