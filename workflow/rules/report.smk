# Every training run, (variant, seed), in the order of aggregate's input files.
RUN_GRID = [[variant, seed] for variant in VARIANT_SPECS for seed in SEEDS]


rule aggregate:
    input:
        histories=expand(
            rules.train.output.history,
            variant=list(VARIANT_SPECS),
            seed=SEEDS,
            allow_missing=True,
        ),
        provenance=expand(
            rules.train.output.provenance,
            variant=list(VARIANT_SPECS),
            seed=SEEDS,
            allow_missing=True,
        ),
        # Read for their checksums only: every model, also those no figure shows, is
        # checked against its training's record wherever it came back from the cache.
        models=expand(
            rules.train.output.model,
            variant=list(VARIANT_SPECS),
            seed=SEEDS,
            allow_missing=True,
        ),
        settings=get_settings(
            "aggregate",
            lambda wildcards: {
                "runs": RUN_GRID,
                "variants": list(VARIANT_SPECS),
                "baseline": config["report"]["baseline"],
            },
        ),
    output:
        histories=report(
            "results/{dataset}/histories.csv",
            caption="../report/histories.rst",
            category="Tables",
            subcategory="{dataset}",
        ),
        summary=report(
            "results/{dataset}/summary.csv",
            caption="../report/summary.rst",
            category="Tables",
            subcategory="{dataset}",
        ),
        comparisons=report(
            "results/{dataset}/comparisons.csv",
            caption="../report/comparisons.rst",
            category="Tables",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/aggregate.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/aggregate.py"


rule findings:
    input:
        histories=rules.aggregate.output.histories,
        # Each test image's right or wrong, for the tests on the test images.
        predictions=expand(
            rules.train.output.predictions,
            variant=list(VARIANT_SPECS),
            seed=SEEDS,
            allow_missing=True,
        ),
        provenance=expand(
            rules.train.output.provenance,
            variant=list(VARIANT_SPECS),
            seed=SEEDS,
            allow_missing=True,
        ),
        settings=get_settings(
            "findings",
            lambda wildcards: {
                "runs": RUN_GRID,
                "findings": get_findings(wildcards.dataset),
                "num_classes": get_dataset_info(wildcards.dataset)["num_classes"],
                "epochs": config["training"]["epochs"],
                "evidence": config["evidence"],
            },
        ),
    output:
        findings=report(
            "results/{dataset}/findings.csv",
            caption="../report/findings.rst",
            category="Tables",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/findings.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/findings.py"


rule plot_loss_comparison:
    input:
        histories=rules.aggregate.output.histories,
        settings=get_settings(
            "plot_loss_comparison", lambda wildcards: {"variants": list(VARIANT_SPECS)}
        ),
    output:
        png=report(
            "results/{dataset}/figures/loss_comparison.png",
            caption="../report/loss_comparison.rst",
            category="Curves",
            subcategory="{dataset}",
        ),
        svg="results/{dataset}/figures/loss_comparison.svg",
    log:
        "logs/{dataset}/plots/loss_comparison.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_loss_comparison.py"


rule plot_filters:
    input:
        weights=get_reference_run(rules.train.output.weights),
        provenance=get_reference_run(rules.train.output.provenance),
        settings=get_settings(
            "plot_filters", lambda wildcards: {"title": get_figure_title(wildcards)}
        ),
    output:
        png=report(
            "results/{dataset}/figures/filters/{variant}.png",
            caption="../report/filters.rst",
            category="Filters",
            subcategory="{dataset}",
            labels={"variant": "{variant}"},
        ),
        svg="results/{dataset}/figures/filters/{variant}.svg",
    log:
        "logs/{dataset}/plots/filters/{variant}.log",
    # A variant without conv layers has no filters, so no such target.
    wildcard_constraints:
        variant="|".join(get_conv_variants()),
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_filters.py"


rule plot_predictions:
    input:
        predictions=get_reference_run(rules.train.output.predictions),
        provenance=get_reference_run(rules.train.output.provenance),
        test=rules.normalize.output.test,
        settings=get_settings(
            "plot_predictions",
            lambda wildcards: {
                "title": get_figure_title(wildcards),
                "indices": config["report"]["prediction_indices"],
                "class_names": get_source(wildcards.dataset)["class_names"],
            },
        ),
    output:
        png=report(
            "results/{dataset}/figures/predictions/{variant}.png",
            caption="../report/predictions.rst",
            category="Predictions",
            subcategory="{dataset}",
            labels={"variant": "{variant}"},
        ),
        svg="results/{dataset}/figures/predictions/{variant}.svg",
    log:
        "logs/{dataset}/plots/predictions/{variant}.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_predictions.py"


rule plot_confusion:
    input:
        predictions=get_reference_run(rules.train.output.predictions),
        provenance=get_reference_run(rules.train.output.provenance),
        settings=get_settings(
            "plot_confusion",
            lambda wildcards: {
                "title": get_figure_title(wildcards),
                "class_names": get_source(wildcards.dataset)["class_names"],
            },
        ),
    output:
        png=report(
            "results/{dataset}/figures/confusion/{variant}.png",
            caption="../report/confusion.rst",
            category="Confusion matrices",
            subcategory="{dataset}",
            labels={"variant": "{variant}"},
        ),
        svg="results/{dataset}/figures/confusion/{variant}.svg",
    log:
        "logs/{dataset}/plots/confusion/{variant}.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_confusion.py"


rule plot_accuracy_by_dataset:
    input:
        summaries=expand(rules.aggregate.output.summary, dataset=DATASETS),
        settings=get_settings(
            "plot_accuracy_by_dataset",
            lambda wildcards: {"variants": list(VARIANT_SPECS)},
        ),
    output:
        png=report(
            "results/accuracy_by_dataset.png",
            caption="../report/accuracy_by_dataset.rst",
            category="Curves",
        ),
        svg="results/accuracy_by_dataset.svg",
    log:
        "logs/plots/accuracy_by_dataset.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_accuracy_by_dataset.py"
