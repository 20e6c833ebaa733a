import json

from ablation.codehash import code_digest
from ablation.notebook import LECTURE_NOTEBOOK
from ablation.software import software

# The kernel that runs the notebook (JUPYTER_PATH, ablation/notebook.py) shapes what the
# executed notebook shows, so its spec is part of the lecture's settings.
LECTURE_KERNEL = json.loads(
    Path(PACKAGE_ROOT, "notebooks", "kernels", "python3", "kernel.json").read_text()
)


# The script runs the notebook (workflow/ablation/notebook.py says why not with
# Snakemake's notebook: directive), so the settings carry the notebook's digest
# and software beside the script's. The lecture imports TensorFlow: it goes to the cluster.
rule lecture:
    input:
        # The baseline's model, of the reference seed.
        model=get_reference_run(
            rules.train.output.model, variant=config["report"]["baseline"]
        ),
        provenance=get_reference_run(
            rules.train.output.provenance, variant=config["report"]["baseline"]
        ),
        test=rules.normalize.output.test,
        histories=rules.aggregate.output.histories,
        findings=rules.findings.output.findings,
        settings=get_settings(
            "lecture",
            lambda wildcards: {
                "sample": config["report"]["lecture_sample"],
                "class_names": get_source(wildcards.dataset)["class_names"],
                "variants": list(VARIANT_SPECS),
                "threads": get_training_threads(),
                "kernel": LECTURE_KERNEL,
                # What the notebook runs: its code and the packages it imports.
                "notebook": {
                    "code": code_digest(LECTURE_NOTEBOOK),
                    "software": software(
                        LECTURE_NOTEBOOK,
                        config["software"]["share_cpu_and_gpu_results"],
                        KEPT_SOFTWARE_IDENTITIES,
                    ),
                },
            },
        ),
    output:
        notebook=report(
            "results/{dataset}/lecture/lecture.ipynb",
            caption="../report/lecture_notebook.rst",
            category="Lecture",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/lecture.log",
    conda:
        "../../environment.yml"
    threads: get_training_threads()
    resources:
        mem_mb=1500,
        runtime=10,
    script:
        "../scripts/lecture.py"


rule render_lecture:
    input:
        notebook=rules.lecture.output.notebook,
    output:
        html=report(
            "results/{dataset}/lecture/lecture.html",
            caption="../report/lecture_html.rst",
            category="Lecture",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/render_lecture.log",
    localrule: True
    conda:
        "../../environment.yml"
    script:
        "../scripts/render_lecture.py"
