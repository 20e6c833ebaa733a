import pandas as pd

from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.studies import compare_studies, plot_study_losses

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
# The inputs come study by study, each study's datasets in its config's order.
runs = [(study, dataset) for study, datasets in settings["datasets"].items()
        for dataset in datasets]
summaries, histories = {}, {}
for (study, _), summary, history in zip(runs, snakemake.input.summaries,
                                         snakemake.input.histories):
    summaries.setdefault(study, []).append(pd.read_csv(summary))
    histories.setdefault(study, []).append(pd.read_csv(history))
compare_studies({
    study: {"settings": settings["studies"][study],
            "summary": pd.concat(summaries[study], ignore_index=True)}
    for study in settings["studies"]
}).to_csv(snakemake.output.table, index=False)
plot_study_losses(
    {study: pd.concat(frames, ignore_index=True) for study, frames in histories.items()},
    settings["variants"],
    [snakemake.output.png, snakemake.output.svg],
)
