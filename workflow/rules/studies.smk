# Several studies side by side (docs/studies.md). A config with a `studies:`
# section declares them; each runs as a module of this workflow, in
# results/studies/<name>/ (its logs in logs/studies/<name>/), with its own config:
# the base config with the study's keys set. resources/ stays shared: the data
# are the same. A training that two studies share has the same settings, so the
# same cache key: the second study takes it from the cache (docs/caching.md),
# after every other training (get_study_training_priority).

# STUDIES and the helpers: rules/studies_helpers.smk.

for study_name, study_config in STUDIES.items():
    study_rules = rule_prefix(study_name)

    module:
        name: study_name
        snakefile:
            "../Snakefile"
        config:
            study_config
        replace_prefix:
            get_study_prefixes(study_name)

    use rule * from study_name exclude compare as study_rules*

    # Set here, not by `use rule train ... with: priority:`, which loads the module a
    # second time and leaves its other rules' lookups (`rules.<name>`) empty.
    study_train = getattr(rules, f"{study_rules}train").rule
    study_train.priority = get_study_training_priority(
        study_name, study_train.priority
    )


rule compare:
    input:
        studies=get_study_targets,
        summaries=get_compare_inputs("summary"),
        findings=get_compare_inputs("findings"),
        histories=get_compare_inputs("histories"),
        settings=get_settings(
            "compare",
            lambda wildcards: {
                "studies": get_study_settings(),
                "runs": get_study_runs(),
                "variants": list(VARIANT_SPECS),
            },
        ),
    output:
        table=report(
            "results/compare/studies.csv",
            caption="../report/compare_studies.rst",
            category="Studies",
        ),
        findings=report(
            "results/compare/findings.csv",
            caption="../report/compare_findings.rst",
            category="Studies",
        ),
        png=report(
            "results/compare/loss_comparison.png",
            caption="../report/compare_loss.rst",
            category="Studies",
        ),
        svg="results/compare/loss_comparison.svg",
    log:
        "logs/compare.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/compare.py"
