# The studies that a config's `studies:` section declares (rules/studies.smk runs
# each as a module of this workflow), and what rule compare reads of them.

import yaml

from ablation.config import training_identity, variant_specs
from ablation.studies import declared_studies, get_key, rule_prefix, study_configs

SCHEMA = yaml.safe_load(Path(PACKAGE_ROOT, "schemas", "config.schema.yaml").read_text())


STUDIES = (
    study_configs(config, SCHEMA, check_whole_config) if "studies" in config else {}
)


def get_study_prefixes(study):
    """Where a study's module puts this workflow's results and logs."""
    return {"results/": f"results/studies/{study}/", "logs/": f"logs/studies/{study}/"}


def get_study_results(study, path):
    """``path`` under results/ in the study's results directory."""
    return get_study_prefixes(study)["results/"] + str(
        Path(path).relative_to("results")
    )


def get_compared_studies():
    if not STUDIES:
        raise WorkflowError(
            "compare needs studies: declare them in the config's studies: section "
            "(docs/studies.md, config/README.md)"
        )
    return list(STUDIES)


def get_study_targets(wildcards):
    """Every study in full: what plain `snakemake` builds for each."""
    return [
        path
        for study in get_compared_studies()
        for path in getattr(rules, f"{rule_prefix(study)}all").input
    ]


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


# Below every training's cost and the default priority (0) of the other jobs.
SHARED_TRAINING_PRIORITY = -1


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


def get_compare_inputs(kind):
    def inputs(wildcards):
        return [
            get_study_results(study, f"results/{dataset}/{kind}.csv")
            for study, dataset in get_study_runs()
        ]

    return inputs
