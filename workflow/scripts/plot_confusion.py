import pandas as pd

from ablation.logs import log_to
from ablation.plots import plot_confusion

log_to(snakemake.log[0])
plot_confusion(
    pd.read_csv(snakemake.input.predictions),
    snakemake.params.class_names,
    snakemake.params.title,
    snakemake.output,
)
