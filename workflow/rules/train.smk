rule train:
    input:
        train=rules.normalize.output.train,
        test=rules.normalize.output.test,
        settings=get_settings("train", get_training_settings),
    output:
        model="results/{dataset}/models/{variant}/seed{seed}.keras",
        history="results/{dataset}/histories/{variant}/seed{seed}.csv",
        # What the figures need from the model, so that they never start TensorFlow.
        predictions="results/{dataset}/predictions/{variant}/seed{seed}.csv",
        weights="results/{dataset}/weights/{variant}/seed{seed}.npz",
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
    priority: get_training_priority(config["training"]["epochs"])
    conda:
        "../../environment.yml"
    threads: get_training_threads()
    resources:
        # Measured: 0.85-0.95 GB peak, minutes per variant on 2 cores (benchmarks/).
        mem_mb=1500,
        runtime=60,
    script:
        "../scripts/train.py"
