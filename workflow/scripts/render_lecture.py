from ablation.logs import log_to
from ablation.notebook import render_html

log_to(snakemake.log[0])
render_html(snakemake.input.notebook, snakemake.output.html)
