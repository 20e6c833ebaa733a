from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.study_comparison import compare_study_files

log_to(snakemake.log[0])
compare_study_files(read_settings(snakemake.input.settings), snakemake.input, snakemake.output)
