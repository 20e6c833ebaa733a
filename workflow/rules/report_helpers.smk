# The findings a dataset's tables are checked against, and the reference run that
# the per-variant figures and the lecture show.

from ablation.findings import applying


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
