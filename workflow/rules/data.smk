rule fetch:
    input:
        settings=get_settings(
            "fetch",
            # Mirrors are deliberately left out: where a file came from does not
            # change what it is, and its SHA-256 is pinned.
            lambda wildcards: {
                "sha256": get_source(wildcards.dataset)["sha256"][wildcards.file]
            },
        ),
    output:
        gz="results/{dataset}/raw/{file}.gz",
    log:
        "logs/{dataset}/fetch/{file}.log",
    cache: "omit-software"
    # Downloads: compute nodes often have no internet (docs/cluster-and-gpu.md).
    localrule: True
    conda:
        "../../environment.yml"
    resources:
        runtime=10,
    script:
        "../scripts/fetch.py"


rule normalize:
    input:
        # One named input per file; normalize.py tells them apart by file name.
        unpack(
            lambda wildcards: {
                name.replace("-", "_"): path
                for name, path in zip(
                    FILE_NAMES,
                    expand(
                        rules.fetch.output.gz,
                        dataset=wildcards.dataset,
                        file=FILE_NAMES,
                    ),
                )
            }
        ),
        settings=get_settings(
            "normalize",
            lambda wildcards: {
                "sha256": get_source(wildcards.dataset)["sha256"],
                "sizes": {
                    "train": get_source(wildcards.dataset)["train_size"],
                    "test": get_source(wildcards.dataset)["test_size"],
                },
                "num_classes": len(get_source(wildcards.dataset)["class_names"]),
            },
        ),
    output:
        train="results/{dataset}/data/train.npz",
        test="results/{dataset}/data/test.npz",
    log:
        "logs/{dataset}/normalize.log",
    localrule: True
    conda:
        "../../environment.yml"
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/normalize.py"
