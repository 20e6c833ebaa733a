from ablation.logs import log_to
from ablation.reference import write_metrics_diff
from ablation.settings import read_settings

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
write_metrics_diff(
    dataset=snakemake.wildcards.dataset,
    summary_path=snakemake.input.summary,
    reference_path=snakemake.input.reference,
    tolerance=settings["tolerance"],
    tolerance_by_variant=settings["tolerance_by_variant"],
    outputs=snakemake.output,
)
