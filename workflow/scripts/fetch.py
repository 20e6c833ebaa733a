from ablation.datasets import local_data_dir
from ablation.download import fetch
from ablation.logs import log_to
from ablation.settings import read_settings

log_to(snakemake.log[0])
dataset, name = snakemake.wildcards.dataset, snakemake.wildcards.file
# Mirrors come from the config directly: they are not part of what the file is.
data = snakemake.config["data"]
fetch(
    filename=f"{name}.gz",
    local_dir=local_data_dir(dataset),
    mirrors=data["sources"][dataset]["mirrors"],
    expected_sha256=read_settings(snakemake.input.settings)["sha256"],
    pin_key=f"data.sources.{dataset}.sha256.{name}",
    destination=snakemake.output.gz,
    retries=data["download_retries"],
)
