"""The dataset registry: data.sources in config/config.yaml and ablation.datasets."""

import pytest
from project import default_config

from ablation.datasets import FILE_NAMES, SPLIT_FILES, dataset_digest

SOURCES = default_config()["data"]["sources"]

# The decompressed SHA-256 of Debian's dataset-fashion-mnist files.
FASHION_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def test_both_datasets_are_registered_with_pinned_hashes_and_https_mirrors():
    assert set(SOURCES) == {"mnist", "fashion_mnist"}
    for source in SOURCES.values():
        assert set(source["sha256"]) == set(FILE_NAMES)
        assert (source["train_size"], source["test_size"]) == (60000, 10000)
        assert len(source["class_names"]) == 10
        assert all(mirror.startswith("https://") for mirror in source["mirrors"])
    assert SOURCES["fashion_mnist"]["sha256"] == FASHION_SHA256
    assert SOURCES["fashion_mnist"]["class_names"][0] == "T-shirt/top"
    assert SOURCES["fashion_mnist"]["class_names"][9] == "Ankle boot"


def test_file_layout_pairs_images_with_labels():
    assert SPLIT_FILES["test"] == ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    assert len(FILE_NAMES) == 4


def test_dataset_digest_names_the_content():
    mnist, fashion = (
        dataset_digest(SOURCES[name]["sha256"]) for name in ("mnist", "fashion_mnist")
    )
    assert mnist != fashion and len(mnist) == 64
    reordered = dict(reversed(list(SOURCES["mnist"]["sha256"].items())))
    assert dataset_digest(reordered) == mnist
    with pytest.raises(KeyError):
        dataset_digest({"train-images-idx3-ubyte": "0" * 64})
