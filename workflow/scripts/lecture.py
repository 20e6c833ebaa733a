from ablation.logs import log_to
from ablation.notebook import LECTURE_NOTEBOOK, execute_notebook

log_to(snakemake.log[0])
execute_notebook(LECTURE_NOTEBOOK, dict(snakemake.input.items()), snakemake.output.notebook)
