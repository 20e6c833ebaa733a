from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.tuning import train_sweep_point

log_to(snakemake.log[0])
job = read_settings(snakemake.input.settings)
# Not in the settings: where the curves go changes nothing that the job produces.
run = snakemake.wildcards
train_sweep_point(
    spec=job["spec"],
    settings=job["settings"],
    seed=job["seed"],
    dataset=job["dataset"],
    train_path=snakemake.input.train,
    validation_path=snakemake.input.validation,
    checkpoint_dir=job["checkpoint_dir"],
    tensorboard_dir=f"results/{run.dataset}/tuning/tensorboard/{run.variant}/lr{run.lr}/seed{run.seed}",
    outputs=snakemake.output,
    source_directory=snakemake.scriptdir,
)
