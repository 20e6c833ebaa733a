# What a training job depends on, and how the scheduler orders training jobs: for
# rule train, and for the sweep's rule tune and the lecture, which train or use
# TensorFlow the same way.

from ablation.config import training_cost, training_identity


def get_training_threads():
    return config["training"]["threads"]


def get_training_settings(wildcards, checkpoint_dir=None, **training):
    """Everything a result of rule train or tune depends on; Snakemake reruns it when
    this changes. ``training`` overrides keys of the config's training section.
    Rule train leaves out its ``checkpoint_dir``: its settings, and so its cache
    key, are the same in every study that runs the same training."""
    identity = training_identity(
        config, VARIANT_SPECS, wildcards.variant, wildcards.seed
    )
    identity["settings"] |= training
    return (
        {"dataset": get_dataset_info(wildcards.dataset)}
        | identity
        | ({"checkpoint_dir": checkpoint_dir} if checkpoint_dir else {})
    )


def get_training_priority(epochs, validation_size=0):
    """Input function for a training job's priority: its multiply-accumulates, in
    millions (the variant's forward pass per example, times the training examples
    and the epochs). The scheduler starts the costliest training first, so that the
    others run beside it rather than after it."""

    def priority(wildcards):
        return training_cost(
            VARIANT_SPECS[wildcards.variant],
            get_source(wildcards.dataset),
            epochs,
            config["training"].get("train_subset"),
            validation_size,
        )

    return priority
