rule aggregate:
    input:
        histories=get_run_files("histories", "csv"),
        provenance=get_run_files("histories", "json"),
        settings=get_settings("aggregate", get_aggregate_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/aggregate.py"


rule plot_loss_comparison:
    input:
        histories="results/{dataset}/histories.csv",
        settings=get_settings("plot_loss_comparison", get_variant_list_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_loss_comparison.py"


rule plot_filters:
    input:
        weights=f"results/{{dataset}}/weights/{{variant}}/seed{get_reference_seed()}.npz",
        settings=get_settings("plot_filters", get_filter_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_filters.py"


rule plot_predictions:
    input:
        predictions=f"results/{{dataset}}/predictions/{{variant}}/seed{get_reference_seed()}.csv",
        test="results/{dataset}/data/test.npz",
        settings=get_settings("plot_predictions", get_prediction_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_predictions.py"


rule plot_confusion:
    input:
        predictions=f"results/{{dataset}}/predictions/{{variant}}/seed{get_reference_seed()}.csv",
        settings=get_settings("plot_confusion", get_confusion_settings),
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
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_confusion.py"


rule plot_accuracy_by_dataset:
    input:
        summaries=expand("results/{dataset}/summary.csv", dataset=DATASETS),
        settings=get_settings("plot_accuracy_by_dataset", get_variant_list_settings),
    output:
        png=report(
            "results/accuracy_by_dataset.png",
            caption="../report/accuracy_by_dataset.rst",
            category="Curves",
        ),
        svg="results/accuracy_by_dataset.svg",
    log:
        "logs/plots/accuracy_by_dataset.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_accuracy_by_dataset.py"
