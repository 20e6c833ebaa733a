# The datasets' config, which the data stage's rules and the others' settings read.

from ablation.datasets import dataset_digest


def get_source(dataset):
    return config["data"]["sources"][dataset]


def get_dataset_info(dataset):
    source = get_source(dataset)
    return {
        "name": dataset,
        "digest": dataset_digest(source["sha256"]),
        "num_classes": len(source["class_names"]),
    }
