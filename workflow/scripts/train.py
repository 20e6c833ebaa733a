from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.training import train

log_to(snakemake.log[0])
job = read_settings(snakemake.input.settings)
train(
    spec=job["spec"],
    settings=job["settings"],
    seed=job["seed"],
    dataset=job["dataset"],
    train_path=snakemake.input.train,
    test_path=snakemake.input.test,
    checkpoint_dir=job["checkpoint_dir"],
    outputs=snakemake.output,
    source_directory=snakemake.scriptdir,
)
