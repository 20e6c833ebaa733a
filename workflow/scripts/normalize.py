from pathlib import Path

from ablation.logs import log_to
from ablation.settings import read_settings
from ablation.splits import normalize

log_to(snakemake.log[0])
settings = read_settings(snakemake.input.settings)
normalize(
    gz_paths={
        Path(path).name.removesuffix(".gz"): path
        for name, path in snakemake.input.items()
        if name != "settings"
    },
    sha256_by_file=settings["sha256"],
    sizes=settings["sizes"],
    num_classes=settings["num_classes"],
    outputs={"train": snakemake.output.train, "test": snakemake.output.test},
)
