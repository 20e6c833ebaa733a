import pandas as pd

from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.tuning_tables import compare_tuned, sweep_verdicts

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
test = pd.read_csv(snakemake.input.test)
compare_tuned(test, settings["baseline"], settings["variants"]).to_csv(
    snakemake.output.comparisons, index=False
)
sweep_verdicts(
    test,
    pd.read_csv(snakemake.input.histories),
    settings["findings"],
    settings["num_classes"],
    settings["epochs"],
    settings["evidence"],
    pd.read_csv(snakemake.input.selected),
).to_csv(snakemake.output.findings, index=False)
