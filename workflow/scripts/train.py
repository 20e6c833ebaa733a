from pathlib import Path

from ablation import metrics
from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.training import train

log_to(snakemake.log[0])
job = read_settings(snakemake.input.settings)
# Not in the settings: where the checkpoint and the curves go changes nothing that
# the job produces. Both lie under the results directory that the model goes to,
# results/ or a study's (docs/studies.md): <results>/<dataset>/models/<variant>/.
run = snakemake.wildcards
results = Path(snakemake.output.model).parents[3]
train(
    spec=job["spec"],
    settings=job["settings"],
    seed=job["seed"],
    dataset=job["dataset"],
    train_path=snakemake.input.train,
    evaluation_path=snakemake.input.test,
    evaluation_split=metrics.TEST,
    checkpoint_dir=results / run.dataset / "checkpoints" / run.variant / f"seed{run.seed}",
    tensorboard_dir=results / run.dataset / "tensorboard" / run.variant / f"seed{run.seed}",
    outputs=snakemake.output,
    source_directory=snakemake.scriptdir,
)
