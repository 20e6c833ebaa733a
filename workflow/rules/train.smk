rule train:
    input:
        train=rules.normalize.output.train,
        test=rules.normalize.output.test,
        settings=get_settings(
            "train",
            lambda wildcards: get_training_settings(
                wildcards,
                checkpoint_dir=f"results/{wildcards.dataset}/checkpoints/{wildcards.variant}/seed{wildcards.seed}",
            ),
        ),
    output:
        model="results/{dataset}/models/{variant}/seed{seed}.keras",
        history="results/{dataset}/histories/{variant}/seed{seed}.csv",
        provenance=report(
            "results/{dataset}/histories/{variant}/seed{seed}.json",
            caption="../report/provenance.rst",
            category="Provenance",
            subcategory="{dataset}",
            labels={"variant": "{variant}", "seed": "{seed}"},
        ),
    log:
        "logs/{dataset}/train/{variant}/seed{seed}.log",
    cache: "omit-software"
    conda:
        "../../environment.yml"
    threads: get_training_threads()
    resources:
        # Measured: 0.85-0.95 GB peak, minutes per variant on 2 cores (benchmarks/).
        mem_mb=1500,
        runtime=60,
    script:
        "../scripts/train.py"


# Not cached: it runs wherever a training comes back from the shared cache, and
# checks the model against the SHA-256 that the training recorded before use.
rule evaluate:
    input:
        model=rules.train.output.model,
        provenance=rules.train.output.provenance,
        test=rules.normalize.output.test,
        settings=get_settings(
            "evaluate",
            lambda wildcards: {
                "batch_size": config["training"]["batch_size"],
                "threads": get_training_threads(),
            },
        ),
    output:
        predictions="results/{dataset}/predictions/{variant}/seed{seed}.csv",
        weights="results/{dataset}/weights/{variant}/seed{seed}.npz",
    log:
        "logs/{dataset}/evaluate/{variant}/seed{seed}.log",
    conda:
        "../../environment.yml"
    threads: get_training_threads()
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/evaluate.py"
