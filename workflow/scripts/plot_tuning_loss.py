import pandas as pd

from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.tuning_plots import plot_tuned_loss

log_to(snakemake.log[0])
plot_tuned_loss(
    pd.read_csv(snakemake.input.histories),
    pd.read_csv(snakemake.input.selected),
    read_settings(snakemake.input.settings)["variants"],
    snakemake.output,
)
