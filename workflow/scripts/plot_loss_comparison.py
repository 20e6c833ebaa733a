import pandas as pd

from ablation.logs import log_to
from ablation.plots import plot_loss_comparison

log_to(snakemake.log[0])
plot_loss_comparison(
    pd.read_csv(snakemake.input.histories), snakemake.params.variants, snakemake.output
)
