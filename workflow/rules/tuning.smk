# The learning-rate sweep: `snakemake --cores 4 tuning`. Not part of `all`: the
# default study stays the lecture's. Selection reads validation numbers only; the
# test set is read once, by tuning_test, after selection. Nothing here reaches the
# default study's jobs, so a tuning section leaves their settings as they are.

TUNING = config["tuning"]
# Every sweep point, (variant, learning rate, seed): the grid plus the default
# rate, which the fair comparison needs next to it.
SWEEP_GRID = [
    [variant, float(rate), seed]
    for variant in VARIANT_SPECS
    for rate in sorted(
        set(TUNING["learning_rates"]) | {config["training"]["learning_rate"]}
    )
    for seed in TUNING["seeds"]
]
# The same points as rule tune's wildcards, in the same order. A rate appears in
# paths as Python's shortest repr (0.0001, 0.003).
SWEEP_RUNS = {
    "variant": [variant for variant, rate, seed in SWEEP_GRID],
    "lr": [repr(rate) for variant, rate, seed in SWEEP_GRID],
    "seed": [seed for variant, rate, seed in SWEEP_GRID],
}


wildcard_constraints:
    lr=r"[0-9][0-9.e+-]*",


rule tuning_split:
    input:
        train=rules.normalize.output.train,
        settings=get_settings(
            "tuning_split",
            lambda wildcards: {
                "train_size": get_source(wildcards.dataset)["train_size"],
                "validation_size": TUNING["validation_size"],
                "split_seed": TUNING["split_seed"],
            },
        ),
    output:
        train="results/{dataset}/tuning/data/train.npz",
        validation="results/{dataset}/tuning/data/validation.npz",
        indices="results/{dataset}/tuning/validation_indices.csv",
    log:
        "logs/{dataset}/tuning/split.log",
    localrule: True
    conda:
        "../../environment.yml"
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/tuning_split.py"


rule tune:
    input:
        train=rules.tuning_split.output.train,
        validation=rules.tuning_split.output.validation,
        settings=get_settings(
            "tune",
            lambda wildcards: get_training_settings(
                wildcards,
                checkpoint_dir=(
                    f"results/{wildcards.dataset}/tuning/checkpoints/"
                    f"{wildcards.variant}/lr{wildcards.lr}/seed{wildcards.seed}"
                ),
                learning_rate=float(wildcards.lr),
                epochs=TUNING["epochs"],
            ),
        ),
    output:
        model="results/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.keras",
        history="results/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.csv",
        provenance="results/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.json",
    log:
        "logs/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.log",
    cache: "omit-software"
    priority: get_training_priority(TUNING["epochs"], TUNING["validation_size"])
    conda:
        "../../environment.yml"
    threads: get_training_threads()
    resources:
        mem_mb=1500,
        runtime=60,
    script:
        "../scripts/tune.py"


rule tuning_select:
    input:
        histories=expand(
            rules.tune.output.history, zip, **SWEEP_RUNS, allow_missing=True
        ),
        provenance=expand(
            rules.tune.output.provenance, zip, **SWEEP_RUNS, allow_missing=True
        ),
        settings=get_settings(
            "tuning_select",
            lambda wildcards: {
                "runs": SWEEP_GRID,
                "variants": list(VARIANT_SPECS),
                "default_learning_rate": config["training"]["learning_rate"],
            },
        ),
    output:
        histories="results/{dataset}/tuning/histories.csv",
        sweep=report(
            "results/{dataset}/tuning/sweep.csv",
            caption="../report/tuning_sweep_table.rst",
            category="Tuning",
            subcategory="{dataset}",
        ),
        selected=report(
            "results/{dataset}/tuning/selected.csv",
            caption="../report/tuning_selected.rst",
            category="Tuning",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/tuning/select.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/tuning_select.py"


rule tuning_test:
    input:
        selected=rules.tuning_select.output.selected,
        models=expand(rules.tune.output.model, zip, **SWEEP_RUNS, allow_missing=True),
        provenance=expand(
            rules.tune.output.provenance, zip, **SWEEP_RUNS, allow_missing=True
        ),
        test=rules.normalize.output.test,
        settings=get_settings(
            "tuning_test",
            lambda wildcards: {
                "runs": SWEEP_GRID,
                "seeds": TUNING["seeds"],
                "batch_size": config["training"]["batch_size"],
                "threads": get_training_threads(),
            },
        ),
    output:
        test="results/{dataset}/tuning/test.csv",
    log:
        "logs/{dataset}/tuning/test.log",
    conda:
        "../../environment.yml"
    threads: get_training_threads()
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/tuning_test.py"


rule tuning_compare:
    input:
        test=rules.tuning_test.output.test,
        histories=rules.tuning_select.output.histories,
        selected=rules.tuning_select.output.selected,
        settings=get_settings(
            "tuning_compare",
            lambda wildcards: {
                "variants": list(VARIANT_SPECS),
                "baseline": config["report"]["baseline"],
                "num_classes": get_dataset_info(wildcards.dataset)["num_classes"],
                "findings": get_findings(wildcards.dataset),
                "epochs": TUNING["epochs"],
                "evidence": config["evidence"],
            },
        ),
    output:
        comparisons=report(
            "results/{dataset}/tuning/comparisons.csv",
            caption="../report/tuning_comparisons.rst",
            category="Tuning",
            subcategory="{dataset}",
        ),
        findings=report(
            "results/{dataset}/tuning/findings.csv",
            caption="../report/tuning_findings.rst",
            category="Tuning",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/tuning/compare.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/tuning_compare.py"


rule plot_tuning_sweep:
    input:
        sweep=rules.tuning_select.output.sweep,
        selected=rules.tuning_select.output.selected,
        settings=get_settings(
            "plot_tuning_sweep",
            lambda wildcards: {
                "variants": list(VARIANT_SPECS),
                "default_learning_rate": config["training"]["learning_rate"],
            },
        ),
    output:
        png=report(
            "results/{dataset}/tuning/figures/learning_rate_sweep.png",
            caption="../report/tuning_sweep.rst",
            category="Tuning",
            subcategory="{dataset}",
        ),
        svg="results/{dataset}/tuning/figures/learning_rate_sweep.svg",
    log:
        "logs/{dataset}/tuning/plot_sweep.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_tuning_sweep.py"


rule plot_tuning_loss:
    input:
        histories=rules.tuning_select.output.histories,
        selected=rules.tuning_select.output.selected,
        settings=get_settings(
            "plot_tuning_loss",
            lambda wildcards: {
                "variants": list(VARIANT_SPECS),
                "default_learning_rate": config["training"]["learning_rate"],
            },
        ),
    output:
        png=report(
            "results/{dataset}/tuning/figures/loss_at_selected_rates.png",
            caption="../report/tuning_loss.rst",
            category="Tuning",
            subcategory="{dataset}",
        ),
        svg="results/{dataset}/tuning/figures/loss_at_selected_rates.svg",
    log:
        "logs/{dataset}/tuning/plot_loss.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_tuning_loss.py"


rule tuning:
    input:
        expand(
            [
                rules.tuning_select.output.sweep,
                rules.tuning_select.output.selected,
                *rules.tuning_compare.output,
                *rules.plot_tuning_sweep.output,
                *rules.plot_tuning_loss.output,
            ],
            dataset=DATASETS,
        ),
