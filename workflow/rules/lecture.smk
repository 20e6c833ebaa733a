# The executed notebook is the rule's output and its notebook log at once:
# Snakemake saves an executed notebook only as a log, and as an output it is
# removed when the notebook fails, so no half-run notebook looks finished.
rule lecture:
    input:
        model=get_lecture_run("models", "keras"),
        provenance=get_lecture_run("histories", "json"),
        test="results/{dataset}/data/test.npz",
        histories="results/{dataset}/histories.csv",
        settings=get_settings("lecture", get_lecture_settings),
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
        notebook="results/{dataset}/lecture/lecture.ipynb",
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
