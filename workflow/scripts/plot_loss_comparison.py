import pandas as pd

from ablation import metrics
from ablation.logs import log_to
from ablation.plots import plot_loss_comparison
from ablation.settings import read_settings

log_to(snakemake.log[0])
plot_loss_comparison(
    pd.read_csv(snakemake.input.histories),
    read_settings(snakemake.input.settings)["variants"],
    snakemake.output,
    split=metrics.TEST,
)
