import pandas as pd

from ablation.logs import log_to
from ablation.plots import plot_accuracy_across_datasets
from ablation.settings import read_settings

log_to(snakemake.log[0])
summary = pd.concat(map(pd.read_csv, snakemake.input.summaries), ignore_index=True)
plot_accuracy_across_datasets(
    summary, read_settings(snakemake.input.settings)["variants"], snakemake.output
)
