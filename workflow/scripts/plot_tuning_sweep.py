import pandas as pd

from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.tuning_plots import plot_learning_rate_sweep

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
plot_learning_rate_sweep(
    pd.read_csv(snakemake.input.sweep),
    pd.read_csv(snakemake.input.selected),
    settings["default_learning_rate"],
    settings["variants"],
    snakemake.output,
)
