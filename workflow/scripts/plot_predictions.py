import pandas as pd

from ablation.data import load_split
from ablation.logs import log_to
from ablation.plots import plot_prediction_grid

log_to(snakemake.log[0])
images, _ = load_split(snakemake.input.test)
plot_prediction_grid(
    images,
    pd.read_csv(snakemake.input.predictions),
    snakemake.params.indices,
    snakemake.params.class_names,
    snakemake.params.title,
    snakemake.output,
)
