import pandas as pd

from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.tuning import evaluate_on_test
from ablation.tuning_tables import runs_to_test

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
# Only what selection chose, plus the default rate: the test set's one use.
files = {
    (variant, float(rate), seed): (model, sidecar)
    for (variant, rate, seed), model, sidecar in zip(
        settings["runs"], snakemake.input.models, snakemake.input.provenance
    )
}
runs = runs_to_test(pd.read_csv(snakemake.input.selected), settings["seeds"])
for run in runs:
    key = (run["variant"], float(run["learning_rate"]), run["seed"])
    run["model"], run["provenance"] = files[key]
evaluate_on_test(
    runs,
    test_path=snakemake.input.test,
    batch_size=settings["batch_size"],
    threads=settings["threads"],
    output=snakemake.output.test,
)
