from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.tuning import split_training_set

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
split_training_set(
    train_path=snakemake.input.train,
    validation_size=settings["validation_size"],
    seed=settings["split_seed"],
    outputs=snakemake.output,
)
