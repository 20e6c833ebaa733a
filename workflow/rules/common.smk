# Process set-up, config validation and the helpers that several rules share. A
# rule's own settings are written in the rule, in its stage's .smk file.

import os
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

# The Snakemake that the test suite runs (requirements.lock): the caching and rerun
# guarantees rest on its behaviour, which has changed between releases.
min_version("9.27.1")

# The logic lives in the package workflow/ablation (on disk: rules/source.smk).
# PYTHONPATH carries it to the rule scripts, which run in their own Python
# processes. The parse imports only its modules that need nothing but the standard
# library and Snakemake: it runs where Snakemake alone is installed (the Workflow
# Catalog's lint); the jobs import the rest.
PACKAGE_ROOT = str(WORKFLOW_FOLDER)
sys.path.insert(0, PACKAGE_ROOT)

from ablation.interpreter import InterpreterPathError, python_for_rule_scripts

# Snakemake writes this into each job's command unquoted (ablation/interpreter.py):
# the same Python, named so that the shell reads it as one word.
try:
    sys.executable = python_for_rule_scripts(sys.executable, os.getcwd())
except InterpreterPathError as error:
    raise WorkflowError(str(error)) from None

os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")])
    )
)

# Between-workflow cache location: the profile turns --cache on; this default
# makes it work without setting the variable (docs/caching.md, "How caching works").
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
    training_cost,
    training_identity,
    variant_specs,
)
from ablation.datasets import FILE_NAMES, dataset_digest
from ablation.findings import applying
from ablation.reference import check_reference
from ablation.settings import write_if_changed
from ablation.software import software
from ablation.studies import declared_studies, get_key, rule_prefix


def check_whole_config(checked):
    """The schema (defaults filled in), then what it cannot express: the checks of
    the config and of each study's config (rules/studies.smk)."""
    try:
        validate(checked, "../schemas/config.schema.yaml")
    except WorkflowError as error:
        raise ConfigError(describe_schema_error(error)) from None
    check_config(checked)
    check_reference(checked)


check_whole_config(config)


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


def get_script(rule_name):
    """The path of a rule's script or notebook, as the rule declares it. ``rules``
    knows the rule by the name it has here, even in a module that renames its rules."""
    declared = getattr(rules, rule_name).rule
    return str(on_disk(declared.basedir.join(declared.script or declared.notebook)))


# Where this workflow's paths go: unchanged, or, in a module (a study of a
# `studies:` config, or another project's Snakefile), moved by its prefix. Input
# functions return unmoved paths, which Snakemake moves; the settings files that
# they write must be where Snakemake will look.
PATH_MODIFIER = workflow.modifier.path_modifier


def get_settings(rule_name, make_settings):
    """Input function for a job's settings file (see workflow/ablation/settings.py):
    ``make_settings(wildcards)`` plus the digest of the rule's script and of every
    package module that the script reaches through its imports, and the third-party
    software that this code imports (workflow/ablation/software.py)."""

    def settings_file(wildcards):
        values = dict(wildcards.items())
        name = "-".join(str(values[key]) for key in sorted(values) if key != "dataset")
        folder = Path("results", values.get("dataset", ""), "settings", rule_name)
        path = folder / f"{name or rule_name}.json"
        script = get_script(rule_name)
        settings = make_settings(wildcards) | {"code": code_digest(script)}
        third_party = software(script, config["software"]["share_cpu_and_gpu_results"])
        if third_party:  # none for code that imports only the standard library
            settings["software"] = third_party
        write_if_changed(Path(PATH_MODIFIER.replace_prefix(str(path))), settings)
        return str(path)

    return settings_file


def get_training_threads():
    return config["training"]["threads"]


def get_training_settings(wildcards, checkpoint_dir=None, **training):
    """Everything a result of rule train or tune depends on; Snakemake reruns it when
    this changes. ``training`` overrides keys of the config's training section.
    Rule train leaves out its ``checkpoint_dir``: its settings, and so its cache
    key, are the same in every study that runs the same training."""
    identity = training_identity(
        config, VARIANT_SPECS, wildcards.variant, wildcards.seed
    )
    identity["settings"] |= training
    return (
        {"dataset": get_dataset_info(wildcards.dataset)}
        | identity
        | ({"checkpoint_dir": checkpoint_dir} if checkpoint_dir else {})
    )


def get_training_priority(epochs, validation_size=0):
    """Input function for a training job's priority: its multiply-accumulates, in
    millions (the variant's forward pass per example, times the training examples
    and the epochs). The scheduler starts the costliest training first, so that the
    others run beside it rather than after it."""

    def priority(wildcards):
        return training_cost(
            VARIANT_SPECS[wildcards.variant],
            get_source(wildcards.dataset),
            epochs,
            config["training"].get("train_subset"),
            validation_size,
        )

    return priority


def get_findings(dataset):
    """The config's findings that apply to ``dataset`` (the study's and the sweep's)."""
    return applying(config.get("findings", []), dataset)


def get_reference_seed():
    """The seed whose model the per-variant figures show."""
    return SEEDS[0]


def get_reference_run(path, **wildcards):
    """``path``, an output of rule train, of the reference seed's run."""
    return expand(path, seed=get_reference_seed(), **wildcards, allow_missing=True)[0]


def get_conv_variants():
    return [name for name, spec in VARIANT_SPECS.items() if spec["conv"]]


def get_figure_title(wildcards):
    return f"{wildcards.dataset} {wildcards.variant} seed {get_reference_seed()}"


def get_reference():
    """The config's reference: section, which rule metrics_diff compares with."""
    if "reference" not in config:
        raise WorkflowError(
            "metrics_diff needs a reference: section in the config (a committed "
            "table and a tolerance per number; see config/README.md and config/ci.yaml)"
        )
    return config["reference"]


def get_final_targets():
    targets = []
    for dataset in DATASETS:
        results = f"results/{dataset}"
        targets += [
            f"{results}/histories.csv",
            f"{results}/summary.csv",
            f"{results}/comparisons.csv",
            f"{results}/findings.csv",
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
        if "reference" in config:
            targets += expand(f"{results}/metrics_diff.{{ext}}", ext=["md", "csv"])
    if len(DATASETS) > 1:
        targets += expand("results/accuracy_by_dataset.{ext}", ext=["png", "svg"])
    return targets


# Several studies side by side (rules/studies.smk declares them as STUDIES).


def get_study_prefixes(study):
    """Where a study's module puts this workflow's results and logs."""
    return {"results/": f"results/studies/{study}/", "logs/": f"logs/studies/{study}/"}


def get_study_results(study, path):
    """``path`` under results/ in the study's results directory."""
    return get_study_prefixes(study)["results/"] + str(
        Path(path).relative_to("results")
    )


def get_study_targets(wildcards):
    """Every study in full: what plain `snakemake` builds for each."""
    return [
        path
        for study in get_compared_studies()
        for path in getattr(rules, f"{rule_prefix(study)}all").input
    ]


def get_compared_studies():
    if not STUDIES:
        raise WorkflowError(
            "compare needs studies: declare them in the config's studies: section "
            "(docs/studies.md, config/README.md)"
        )
    return list(STUDIES)


def get_study_settings():
    """[study, [[key, value], ...]] for each study, in declaration order: every key
    that some study sets, with its value in that study. Lists, not mappings: the
    settings file sorts a mapping's keys, and this order is the inputs' order."""
    declared = declared_studies(config, SCHEMA)
    keys = list(dict.fromkeys(key for keys in declared.values() for key in keys))
    return [
        [study, [[key, get_key(STUDIES[study], key)] for key in keys]]
        for study in get_compared_studies()
    ]


def get_study_runs():
    """[study, dataset] of each of rule compare's summaries and histories, in order."""
    return [
        [study, dataset]
        for study in get_compared_studies()
        for dataset in STUDIES[study]["data"]["datasets"]
    ]


def get_study_training_priority(study, cost):
    """Priority of a study's training job: ``cost``, the priority its module gives it
    (get_training_priority); but when an earlier study has the same training, the
    lowest there is. Snakemake looks into the cache only when a job starts, so two
    copies started side by side would both train; started after every other training,
    this copy finds the earlier one's result in the cache (unless that one is still
    running)."""
    names = list(STUDIES)
    specs = {name: variant_specs(STUDIES[name]) for name in names}

    def identity(name, wildcards):
        return training_identity(
            STUDIES[name], specs[name], wildcards.variant, wildcards.seed
        )

    def priority(wildcards):
        own = identity(study, wildcards)
        for earlier in names[: names.index(study)]:
            other = STUDIES[earlier]
            if (
                wildcards.dataset in other["data"]["datasets"]
                and int(wildcards.seed) in other["training"]["seeds"]
                and identity(earlier, wildcards) == own
            ):
                return SHARED_TRAINING_PRIORITY
        return cost(wildcards)

    return priority


# Below every training's cost and the default priority (0) of the other jobs.
SHARED_TRAINING_PRIORITY = -1


def get_compare_inputs(kind):
    def inputs(wildcards):
        return [
            get_study_results(study, f"results/{dataset}/{kind}.csv")
            for study, dataset in get_study_runs()
        ]

    return inputs
