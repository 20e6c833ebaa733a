rule fetch:
    input:
        settings=get_settings("fetch", get_fetch_settings),
    output:
        gz="results/{dataset}/raw/{file}.gz",
    log:
        "logs/{dataset}/fetch/{file}.log",
    cache: "omit-software"
    conda:
        "../../environment.yml"
    resources:
        runtime=10,
    script:
        "../scripts/fetch.py"


rule normalize:
    input:
        unpack(get_raw_files),
        settings=get_settings("normalize", get_normalize_settings),
    output:
        train="results/{dataset}/data/train.npz",
        test="results/{dataset}/data/test.npz",
    log:
        "logs/{dataset}/normalize.log",
    conda:
        "../../environment.yml"
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/normalize.py"
