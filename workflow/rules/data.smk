rule download:
    input:
        settings=get_settings("download", ["ablation.download"], get_download_settings),
    output:
        gz="resources/{dataset}/{file}.gz",
    log:
        "logs/{dataset}/download/{file}.log",
    cache: "omit-software"
    conda:
        "../../environment.yml"
    resources:
        runtime=10,
    script:
        "../scripts/download.py"


rule normalize:
    input:
        unpack(get_raw_files),
        settings=get_settings("normalize", ["ablation.data"], get_normalize_settings),
    output:
        train="results/{dataset}/data/train.npz",
        test="results/{dataset}/data/test.npz",
    log:
        "logs/{dataset}/normalize.log",
    cache: "omit-software"
    conda:
        "../../environment.yml"
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/normalize.py"
