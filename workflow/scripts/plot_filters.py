import numpy as np

from ablation.logs import log_to
from ablation.plots import plot_filter_grid
from ablation.settings import read_settings

log_to(snakemake.log[0])
with np.load(snakemake.input.weights, allow_pickle=False) as weights:
    plot_filter_grid(
        dict(weights), read_settings(snakemake.input.settings)["title"], snakemake.output
    )
