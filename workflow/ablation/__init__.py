"""Logic of the mnist-ablation workflow; Snakemake rule scripts and pytest call into it."""
