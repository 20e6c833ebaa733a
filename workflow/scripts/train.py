from ablation import metrics
from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.training import train

log_to(snakemake.log[0])
job = read_settings(snakemake.input.settings)
# Not in the settings: where the curves go changes nothing that the job produces.
run = snakemake.wildcards
train(
    spec=job["spec"],
    settings=job["settings"],
    seed=job["seed"],
    dataset=job["dataset"],
    train_path=snakemake.input.train,
    evaluation_path=snakemake.input.test,
    evaluation_split=metrics.TEST,
    checkpoint_dir=job["checkpoint_dir"],
    tensorboard_dir=f"results/{run.dataset}/tensorboard/{run.variant}/seed{run.seed}",
    outputs=snakemake.output,
    source_directory=snakemake.scriptdir,
)
