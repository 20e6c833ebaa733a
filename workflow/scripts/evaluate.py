from ablation.evaluate import evaluate
from ablation.logs import log_to
from ablation.settings import read_settings

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
evaluate(
    model_path=snakemake.input.model,
    provenance_path=snakemake.input.provenance,
    test_path=snakemake.input.test,
    predictions_path=snakemake.output.predictions,
    weights_path=snakemake.output.weights,
    batch_size=settings["batch_size"],
    threads=settings["threads"],
)
