# What plain `snakemake` builds (the inputs of the default target, `all`): the
# rules' own outputs, for every dataset, variant and seed of the config. Included
# after the rules it reads.


def get_final_targets():
    targets = []
    for dataset in DATASETS:
        targets += expand(
            [
                rules.aggregate.output.histories,
                rules.aggregate.output.summary,
                rules.aggregate.output.comparisons,
                rules.findings.output.findings,
                *rules.plot_loss_comparison.output,
            ],
            dataset=dataset,
        )
        for variant in VARIANT_SPECS:
            figures = [rules.plot_predictions, rules.plot_confusion]
            if variant in get_conv_variants():
                figures.append(rules.plot_filters)
            for figure in figures:
                targets += expand(figure.output, dataset=dataset, variant=variant)
            targets += expand(
                rules.train.output.model, dataset=dataset, variant=variant, seed=SEEDS
            )
        # The lecture looks at the first layer's filters: a baseline with conv layers.
        if (
            config["report"]["lecture"]
            and config["report"]["baseline"] in get_conv_variants()
        ):
            targets += expand(
                [rules.lecture.output.notebook, rules.render_lecture.output.html],
                dataset=dataset,
            )
        if "reference" in config:
            targets += expand(rules.metrics_diff.output, dataset=dataset)
    if len(DATASETS) > 1:
        targets += rules.plot_accuracy_by_dataset.output
    return targets
