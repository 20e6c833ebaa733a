rule download:
    output:
        gz="resources/{dataset}/{file}.gz",
    log:
        "logs/{dataset}/download/{file}.log",
    cache: "omit-software"
    retries: 0
    conda:
        "../../environment.yml"
    params:
        # Mirrors are deliberately not params: where a file came from does not
        # change what it is, and its SHA-256 is pinned here.
        sha256=lambda wildcards: get_source(wildcards.dataset)["sha256"][wildcards.file],
    script:
        "../scripts/download.py"


rule normalize:
    input:
        unpack(get_raw_files),
    output:
        train="results/{dataset}/data/train.npz",
        test="results/{dataset}/data/test.npz",
    log:
        "logs/{dataset}/normalize.log",
    cache: "omit-software"
    conda:
        "../../environment.yml"
    resources:
        mem_mb=2000,
    params:
        sha256=lambda wildcards: get_source(wildcards.dataset)["sha256"],
        sizes=lambda wildcards: {
            "train": get_source(wildcards.dataset)["train_size"],
            "test": get_source(wildcards.dataset)["test_size"],
        },
        num_classes=lambda wildcards: get_dataset_info(wildcards.dataset)["num_classes"],
        code=code_digest("ablation.data"),
    script:
        "../scripts/normalize.py"
