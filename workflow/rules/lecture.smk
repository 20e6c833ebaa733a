import json

# The kernel that runs the notebook (JUPYTER_PATH, common.smk) shapes what the
# executed notebook shows, so its spec is part of the lecture's settings.
LECTURE_KERNEL = json.loads(
    Path(PACKAGE_ROOT, "notebooks", "kernels", "python3", "kernel.json").read_text()
)


# The executed notebook is the rule's output and its notebook log at once:
# Snakemake saves an executed notebook only as a log, and as an output it is
# removed when the notebook fails, so no half-run notebook looks finished.
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
        notebook="results/{dataset}/lecture/lecture.ipynb",
    conda:
        "../../environment.yml"
    threads: get_training_threads()
    resources:
        mem_mb=1500,
        runtime=10,
    notebook:
        "../notebooks/lecture.py.ipynb"


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
    conda:
        "../../environment.yml"
    shell:
        "jupyter nbconvert --to html --stdout {input.notebook} > {output.html} 2> {log}"
