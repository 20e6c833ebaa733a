from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.stats import write_tables

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
write_tables(
    dataset=snakemake.wildcards.dataset,
    runs=[
        {
            "variant": variant,
            "seed": seed,
            "history": history,
            "model": model,
            "provenance": sidecar,
        }
        for (variant, seed), history, model, sidecar in zip(
            settings["runs"],
            snakemake.input.histories,
            snakemake.input.models,
            snakemake.input.provenance,
        )
    ],
    variant_order=settings["variants"],
    baseline=settings["baseline"],
    outputs=snakemake.output,
)
