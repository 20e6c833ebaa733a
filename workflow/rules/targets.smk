# What plain `snakemake` builds (the inputs of the default target, `all`).


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
