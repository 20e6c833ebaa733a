from ablation.evaluate import read_predictions
from ablation.integrity import verified_record
from ablation.logs import log_to
from ablation.plots import plot_confusion
from ablation.settings import read_settings

log_to(snakemake.log[0])
# It may come back from the shared cache: checked against its training's record.
verified_record(snakemake.input.provenance, {"predictions": snakemake.input.predictions})
settings = read_settings(snakemake.input.settings)
plot_confusion(
    read_predictions(snakemake.input.predictions),
    settings["class_names"],
    settings["title"],
    snakemake.output,
)
