# The metrics diff: this run's summary against a committed reference table, for a
# config that opts in with a reference: section (config/ci.yaml does).


rule metrics_diff:
    input:
        summary=rules.aggregate.output.summary,
        reference=lambda wildcards: get_reference()["summary"],
        settings=get_settings(
            "metrics_diff",
            lambda wildcards: {
                "tolerance": get_reference()["tolerance"],
                "tolerance_by_variant": get_reference()["tolerance_by_variant"],
            },
        ),
    output:
        markdown="results/{dataset}/metrics_diff.md",
        table=report(
            "results/{dataset}/metrics_diff.csv",
            caption="../report/metrics_diff.rst",
            category="Tables",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/metrics_diff.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/metrics_diff.py"
