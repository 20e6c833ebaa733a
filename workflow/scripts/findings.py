from ablation.findings import write_findings
from ablation.logs import log_to
from ablation.settings import read_settings

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
write_findings(
    snakemake.input.histories,
    findings=settings["findings"],
    num_classes=settings["num_classes"],
    epochs=settings["epochs"],
    output=snakemake.output.findings,
)
