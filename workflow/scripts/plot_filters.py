import numpy as np

from ablation.integrity import verified_record
from ablation.logs import log_to
from ablation.plots import plot_filter_grid
from ablation.settings import read_settings

log_to(snakemake.log[0])
# It may come back from the shared cache: checked against its training's record.
verified_record(snakemake.input.provenance, {"weights": snakemake.input.weights})
with np.load(snakemake.input.weights, allow_pickle=False) as weights:
    plot_filter_grid(
        dict(weights), read_settings(snakemake.input.settings)["title"], snakemake.output
    )
