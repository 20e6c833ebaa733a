# The learning-rate sweep: `snakemake --cores 4 tuning`. Not part of `all`: the
# default study stays the lecture's. Selection reads validation numbers only; the
# test set is read once, by tuning_test, after selection.


wildcard_constraints:
    lr=r"[0-9][0-9.e+-]*",


rule tuning_split:
    input:
        train="results/{dataset}/data/train.npz",
        settings=get_settings("tuning_split", get_tuning_split_settings),
    output:
        train="results/{dataset}/tuning/data/train.npz",
        validation="results/{dataset}/tuning/data/validation.npz",
        indices="results/{dataset}/tuning/validation_indices.csv",
    log:
        "logs/{dataset}/tuning/split.log",
    conda:
        "../../environment.yml"
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/tuning_split.py"


rule tune:
    input:
        train="results/{dataset}/tuning/data/train.npz",
        validation="results/{dataset}/tuning/data/validation.npz",
        settings=get_settings("tune", get_tune_settings),
    output:
        model="results/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.keras",
        history="results/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.csv",
        provenance="results/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.json",
    log:
        "logs/{dataset}/tuning/runs/{variant}/lr{lr}/seed{seed}.log",
    cache: "omit-software"
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
        histories=get_tuning_files("csv"),
        provenance=get_tuning_files("json"),
        settings=get_settings("tuning_select", get_tuning_select_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/tuning_select.py"


rule tuning_test:
    input:
        selected="results/{dataset}/tuning/selected.csv",
        models=get_tuning_files("keras"),
        provenance=get_tuning_files("json"),
        test="results/{dataset}/data/test.npz",
        settings=get_settings("tuning_test", get_tuning_test_settings),
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
        test="results/{dataset}/tuning/test.csv",
        settings=get_settings("tuning_compare", get_tuning_compare_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/tuning_compare.py"


rule plot_tuning_sweep:
    input:
        sweep="results/{dataset}/tuning/sweep.csv",
        selected="results/{dataset}/tuning/selected.csv",
        settings=get_settings("plot_tuning_sweep", get_tuning_plot_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_tuning_sweep.py"


rule plot_tuning_loss:
    input:
        histories="results/{dataset}/tuning/histories.csv",
        selected="results/{dataset}/tuning/selected.csv",
        settings=get_settings("plot_tuning_loss", get_tuning_plot_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_tuning_loss.py"


rule tuning:
    input:
        get_tuning_targets(),
