from ablation.download import download_verified
from ablation.logs import log_to

log_to(snakemake.log[0])
source = snakemake.config["data"]["sources"][snakemake.wildcards.dataset]
download_verified(
    filename=f"{snakemake.wildcards.file}.gz",
    mirrors=source["mirrors"],
    expected_sha256=snakemake.params.sha256,
    destination=snakemake.output.gz,
    retries=snakemake.config["data"]["download_retries"],
)
