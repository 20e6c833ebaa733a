from ablation.logs import log_to
from ablation.stats import write_tables

log_to(snakemake.log[0])
write_tables(
    dataset=snakemake.wildcards.dataset,
    runs=[
        {"variant": variant, "seed": seed, "history": history, "provenance": sidecar}
        for (variant, seed), history, sidecar in zip(
            snakemake.params.runs, snakemake.input.histories, snakemake.input.provenance
        )
    ],
    variant_order=snakemake.params.variants,
    baseline=snakemake.params.baseline,
    outputs=snakemake.output,
)
