from ablation.download import download_verified
from ablation.logs import log_to
from ablation.settings import read_settings

log_to(snakemake.log[0])
# Mirrors come from the config directly: they are not part of what the file is.
data = snakemake.config["data"]
download_verified(
    filename=f"{snakemake.wildcards.file}.gz",
    mirrors=data["sources"][snakemake.wildcards.dataset]["mirrors"],
    expected_sha256=read_settings(snakemake.input.settings)["sha256"],
    destination=snakemake.output.gz,
    retries=data["download_retries"],
)
