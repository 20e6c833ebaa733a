from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.tuning_tables import collect_sweep, select_rates, summarize_sweep

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
histories, finals = collect_sweep(
    [
        {
            "variant": variant,
            "learning_rate": rate,
            "seed": seed,
            "history": history,
            "provenance": sidecar,
        }
        for (variant, rate, seed), history, sidecar in zip(
            settings["runs"], snakemake.input.histories, snakemake.input.provenance
        )
    ]
)
histories.to_csv(snakemake.output.histories, index=False)
sweep = summarize_sweep(finals, settings["variants"])
sweep.to_csv(snakemake.output.sweep, index=False)
select_rates(sweep, settings["default_learning_rate"]).to_csv(
    snakemake.output.selected, index=False
)
