import os
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")

# The logic lives in the package workflow/ablation. PYTHONPATH carries it to the
# rule scripts, which run in their own Python processes. The path comes from this
# file, not from the Snakefile being run: another project may use this workflow
# as a module (README, "Use it in your own project").
PACKAGE_ROOT = str(
    Path(workflow.current_basedir.get_path_or_uri(secret_free=True)).parent
)
sys.path.insert(0, PACKAGE_ROOT)
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])
    ),
    # The lecture rules run jupyter from PATH: the one next to this Python, also
    # when .venv/bin/snakemake runs without an activated environment.
    PATH=os.pathsep.join(
        filter(None, [str(Path(sys.executable).parent), os.environ.get("PATH")])
    ),
)
# Between-workflow cache location: the profile turns --cache on; this default
# makes it work without setting the variable (README, "How caching works").
CACHE_DIR = os.environ.setdefault(
    "SNAKEMAKE_OUTPUT_CACHE",
    str(
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        / "mnist-ablation"
    ),
)
Path(CACHE_DIR).mkdir(parents=True, exist_ok=True)

from ablation.cache import make_read_only, remove_dangling_links
from ablation.codehash import code_digest
from ablation.config import (
    ConfigError,
    check_config,
    describe_schema_error,
    variant_specs,
)
from ablation.datasets import FILE_NAMES, dataset_digest
from ablation.settings import write_if_changed

try:
    validate(config, "../schemas/config.schema.yaml")
except WorkflowError as error:
    raise ConfigError(describe_schema_error(error)) from None
check_config(config)


for link in remove_dangling_links("results", CACHE_DIR):
    print(
        f"{link}: its cache entry is gone; the job that makes it runs again",
        file=sys.stderr,
    )


onsuccess:
    make_read_only("results", CACHE_DIR)


onerror:
    make_read_only("results", CACHE_DIR)


VARIANT_SPECS = variant_specs(config)
DATASETS = config["data"]["datasets"]
SEEDS = config["training"]["seeds"]


wildcard_constraints:
    dataset="|".join(DATASETS),
    variant="|".join(VARIANT_SPECS),
    seed=r"\d+",
    file="|".join(FILE_NAMES),


def get_source(dataset):
    return config["data"]["sources"][dataset]


def get_dataset_info(dataset):
    source = get_source(dataset)
    return {
        "name": dataset,
        "digest": dataset_digest(source["sha256"]),
        "num_classes": len(source["class_names"]),
    }


def get_raw_files(wildcards):
    return {
        name.replace("-", "_"): f"results/{wildcards.dataset}/raw/{name}.gz"
        for name in FILE_NAMES
    }


def get_script(rule_name):
    """The path of a rule's script or notebook, as the rule declares it. ``rules``
    knows the rule by the name it has here, even in a module that renames its rules."""
    declared = getattr(rules, rule_name).rule
    source = declared.script or declared.notebook
    return declared.basedir.join(source).get_path_or_uri(secret_free=True)


def get_settings(rule_name, make_settings):
    """Input function for a job's settings file (see workflow/ablation/settings.py):
    ``make_settings(wildcards)`` plus the digest of the rule's script and of every
    package module that the script reaches through its imports."""

    def settings_file(wildcards):
        values = dict(wildcards.items())
        name = "-".join(str(values[key]) for key in sorted(values) if key != "dataset")
        folder = Path("results", values.get("dataset", ""), "settings", rule_name)
        path = folder / f"{name or rule_name}.json"
        settings = make_settings(wildcards) | {
            "code": code_digest(get_script(rule_name))
        }
        write_if_changed(path, settings)
        return str(path)

    return settings_file


def get_fetch_settings(wildcards):
    # Mirrors are deliberately left out: where a file came from does not
    # change what it is, and its SHA-256 is pinned.
    return {"sha256": get_source(wildcards.dataset)["sha256"][wildcards.file]}


def get_normalize_settings(wildcards):
    source = get_source(wildcards.dataset)
    return {
        "sha256": source["sha256"],
        "sizes": {"train": source["train_size"], "test": source["test_size"]},
        "num_classes": len(source["class_names"]),
    }


def get_training_threads():
    return config["training"]["threads"]


def get_train_settings(wildcards):
    """Everything a training result depends on; Snakemake reruns it when this changes."""
    return {
        "dataset": get_dataset_info(wildcards.dataset),
        "spec": VARIANT_SPECS[wildcards.variant],
        # Seeds are the job's own; the list of all seeds is not part of it.
        "settings": {k: v for k, v in config["training"].items() if k != "seeds"},
        "seed": int(wildcards.seed),
        "checkpoint_dir": f"results/{wildcards.dataset}/checkpoints/{wildcards.variant}/seed{wildcards.seed}",
    }


def get_evaluate_settings(wildcards):
    return {
        "batch_size": config["training"]["batch_size"],
        "threads": get_training_threads(),
    }


def get_aggregate_settings(wildcards):
    return {
        "runs": get_run_grid(),
        "variants": list(VARIANT_SPECS),
        "baseline": config["report"]["baseline"],
    }


def get_variant_list_settings(wildcards):
    return {"variants": list(VARIANT_SPECS)}


def get_filter_settings(wildcards):
    return {"title": get_figure_title(wildcards)}


def get_prediction_settings(wildcards):
    return {
        "title": get_figure_title(wildcards),
        "indices": config["report"]["prediction_indices"],
        "class_names": get_source(wildcards.dataset)["class_names"],
    }


def get_confusion_settings(wildcards):
    return {
        "title": get_figure_title(wildcards),
        "class_names": get_source(wildcards.dataset)["class_names"],
    }


def get_lecture_settings(wildcards):
    return {
        "sample": config["report"]["lecture_sample"],
        "class_names": get_source(wildcards.dataset)["class_names"],
        "variants": list(VARIANT_SPECS),
        "threads": get_training_threads(),
    }


def get_lecture_run(kind, extension):
    """The baseline's model or history record, of the reference seed."""
    baseline = config["report"]["baseline"]
    return (
        f"results/{{dataset}}/{kind}/{baseline}/seed{get_reference_seed()}.{extension}"
    )


def get_reference_seed():
    """The seed whose model the per-variant figures show."""
    return SEEDS[0]


def get_conv_variants():
    return [name for name, spec in VARIANT_SPECS.items() if spec["conv"]]


def get_figure_title(wildcards):
    return f"{wildcards.dataset} {wildcards.variant} seed {get_reference_seed()}"


def get_run_grid():
    """(variant, seed) pairs in the order of get_run_files()."""
    return [[variant, seed] for variant in VARIANT_SPECS for seed in SEEDS]


def get_run_files(kind, extension):
    return [
        f"results/{{dataset}}/{kind}/{variant}/seed{seed}.{extension}"
        for variant, seed in get_run_grid()
    ]


def get_final_targets():
    targets = []
    for dataset in DATASETS:
        results = f"results/{dataset}"
        targets += [
            f"{results}/histories.csv",
            f"{results}/summary.csv",
            f"{results}/comparisons.csv",
        ]
        targets += expand(
            f"{results}/figures/loss_comparison.{{ext}}", ext=["png", "svg"]
        )
        for variant in VARIANT_SPECS:
            kinds = ["predictions", "confusion"]
            if variant in get_conv_variants():
                kinds.append("filters")
            targets += expand(
                f"{results}/figures/{{kind}}/{variant}.{{ext}}",
                kind=kinds,
                ext=["png", "svg"],
            )
            targets += expand(
                f"{results}/models/{variant}/seed{{seed}}.keras", seed=SEEDS
            )
        # The lecture looks at the first layer's filters: a baseline with conv layers.
        if (
            config["report"]["lecture"]
            and config["report"]["baseline"] in get_conv_variants()
        ):
            targets += expand(
                f"{results}/lecture/lecture.{{ext}}", ext=["ipynb", "html"]
            )
    if len(DATASETS) > 1:
        targets += expand("results/accuracy_by_dataset.{ext}", ext=["png", "svg"])
    return targets


# The learning-rate sweep (workflow/rules/tuning.smk); none of this reaches the
# default study's jobs, so a tuning section leaves their settings as they are.
def get_tuning():
    return config["tuning"]


def rate_label(learning_rate):
    """How a learning rate appears in paths: Python's shortest repr (0.0001, 0.003)."""
    return repr(float(learning_rate))


def get_tuning_rates():
    """The grid plus the default rate, which the fair comparison needs next to it."""
    rates = set(get_tuning()["learning_rates"]) | {config["training"]["learning_rate"]}
    return [rate_label(rate) for rate in sorted(rates)]


def get_tuning_grid():
    """(variant, learning rate, seed) of every sweep point, in the order of get_tuning_files()."""
    return [
        [variant, float(rate), seed]
        for variant in VARIANT_SPECS
        for rate in get_tuning_rates()
        for seed in get_tuning()["seeds"]
    ]


def get_tuning_files(extension):
    return [
        f"results/{{dataset}}/tuning/runs/{variant}/lr{rate_label(rate)}/seed{seed}.{extension}"
        for variant, rate, seed in get_tuning_grid()
    ]


def get_tuning_split_settings(wildcards):
    return {
        "train_size": get_source(wildcards.dataset)["train_size"],
        "validation_size": get_tuning()["validation_size"],
        "split_seed": get_tuning()["split_seed"],
    }


def get_tune_settings(wildcards):
    """A study training's settings with the sweep's rate and epochs: train() runs it."""
    settings = get_train_settings(wildcards)
    settings["settings"] |= {
        "learning_rate": float(wildcards.lr),
        "epochs": get_tuning()["epochs"],
    }
    settings["checkpoint_dir"] = (
        f"results/{wildcards.dataset}/tuning/checkpoints/"
        f"{wildcards.variant}/lr{wildcards.lr}/seed{wildcards.seed}"
    )
    return settings


def get_tuning_select_settings(wildcards):
    return {
        "runs": get_tuning_grid(),
        "variants": list(VARIANT_SPECS),
        "default_learning_rate": config["training"]["learning_rate"],
    }


def get_tuning_test_settings(wildcards):
    return {
        "runs": get_tuning_grid(),
        "seeds": get_tuning()["seeds"],
        "batch_size": config["training"]["batch_size"],
        "threads": get_training_threads(),
    }


def get_tuning_compare_settings(wildcards):
    return {
        "variants": list(VARIANT_SPECS),
        "baseline": config["report"]["baseline"],
        "num_classes": len(get_source(wildcards.dataset)["class_names"]),
    }


def get_tuning_plot_settings(wildcards):
    return {
        "variants": list(VARIANT_SPECS),
        "default_learning_rate": config["training"]["learning_rate"],
    }


def get_tuning_targets():
    targets = []
    for dataset in DATASETS:
        tuning = f"results/{dataset}/tuning"
        targets += [
            f"{tuning}/{table}.csv"
            for table in ("sweep", "selected", "comparisons", "findings")
        ]
        targets += expand(
            f"{tuning}/figures/{{figure}}.{{ext}}",
            figure=["learning_rate_sweep", "loss_at_selected_rates"],
            ext=["png", "svg"],
        )
    return targets
