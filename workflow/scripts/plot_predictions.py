from ablation.evaluate import read_predictions
from ablation.integrity import verified_record
from ablation.logs import log_to
from ablation.plots import plot_prediction_grid
from ablation.settings import read_settings
from ablation.splits import load_split

log_to(snakemake.log[0])
# It may come back from the shared cache: checked against its training's record.
verified_record(snakemake.input.provenance, {"predictions": snakemake.input.predictions})
settings = read_settings(snakemake.input.settings)
images, _ = load_split(snakemake.input.test)
plot_prediction_grid(
    images,
    read_predictions(snakemake.input.predictions),
    settings["indices"],
    settings["class_names"],
    settings["title"],
    snakemake.output,
)
