from ablation.findings import write_findings
from ablation.logs import log_to
from ablation.settings import read_settings

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
write_findings(
    snakemake.input.histories,
    runs=[
        {"variant": variant, "seed": seed, "predictions": predictions, "provenance": sidecar}
        for (variant, seed), predictions, sidecar in zip(
            settings["runs"], snakemake.input.predictions, snakemake.input.provenance
        )
    ],
    findings=settings["findings"],
    num_classes=settings["num_classes"],
    epochs=settings["epochs"],
    rules=settings["evidence"],
    output=snakemake.output.findings,
)
