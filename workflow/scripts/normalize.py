from pathlib import Path

from ablation.data import normalize
from ablation.logs import log_to

log_to(snakemake.log[0])
normalize(
    gz_paths={Path(path).name.removesuffix(".gz"): path for path in snakemake.input},
    sha256_by_file=snakemake.params.sha256,
    sizes=snakemake.params.sizes,
    num_classes=snakemake.params.num_classes,
    outputs={"train": snakemake.output.train, "test": snakemake.output.test},
)
