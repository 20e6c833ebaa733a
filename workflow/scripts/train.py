from ablation.logs import log_to
from ablation.training import train

log_to(snakemake.log[0])
job = snakemake.params.job
train(
    spec=job["spec"],
    settings=job["settings"],
    seed=job["seed"],
    dataset=job["dataset"],
    train_path=snakemake.input.train,
    test_path=snakemake.input.test,
    checkpoint_dir=snakemake.params.checkpoint_dir,
    outputs=snakemake.output,
    source_directory=snakemake.scriptdir,
)
