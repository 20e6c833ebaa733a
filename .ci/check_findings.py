"""The lecture's findings, checked on what a real-data run of the workflow wrote.

Usage: .venv/bin/python .ci/check_findings.py [DATASET ...]   (default: mnist fashion_mnist)

Run after `snakemake --configfile config/ci.yaml` (2 epochs, seed 0). Reads only the
workflow's own outputs under results/ (summary.csv, histories.csv, the predictions CSV
and the saved model) and recomputes nothing, so a bug in them cannot hide. Prints every
finding with its numbers; exits 1 naming each finding that failed.
"""

import os
import sys
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parents[1] / "results"
VARIANTS = ["v1_sigmoid", "v2_relu", "v3_no_pooling", "v4_no_conv"]
EPOCHS = 2  # training.epochs in config/ci.yaml
SEED = 0
SAMPLE, SAMPLE_DIGIT = 300, 4  # a test image that the lecture's ReLU net gets right
FIRST_KERNEL_SHAPE = (3, 3, 1, 6)  # 3x3 filters, 1 input channel, 6 filters
MINIMUM_V2_ACCURACY = {"mnist": 0.96, "fashion_mnist": 0.80}
CHANCE_CEILING = 0.2  # ten classes: chance is 0.1


def existing(path: Path) -> Path:
    if not path.is_file():
        sys.exit(f"check_findings: {path} is missing; run the workflow first: "
                 ".venv/bin/snakemake --cores 2 --configfile config/ci.yaml")
    return path


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(existing(path))


def findings(dataset: str):
    """(name, passed, numbers) for every finding on this dataset."""
    histories = read_csv(RESULTS / dataset / "histories.csv")
    summary = read_csv(RESULTS / dataset / "summary.csv").set_index("variant")
    epochs = histories.groupby("variant")["epoch"].nunique().reindex(VARIANTS, fill_value=0)
    yield (f"all four variants trained for {EPOCHS} epochs", (epochs == EPOCHS).all(),
           ", ".join(f"{variant} {count}" for variant, count in epochs.items()))

    accuracy = summary["test_accuracy_mean"].reindex(VARIANTS)
    v1, v2, v3, v4 = (accuracy[variant] for variant in VARIANTS)
    minimum = MINIMUM_V2_ACCURACY[dataset]
    yield f"v2_relu test accuracy >= {minimum}", v2 >= minimum, f"{v2:.4f}"
    if dataset != "mnist":
        return

    yield (f"v3_no_pooling stays near chance (<= {CHANCE_CEILING})", v3 <= CHANCE_CEILING, f"{v3:.4f}")
    yield "v2_relu beats v1_sigmoid", v2 > v1, f"v2_relu {v2:.4f}, v1_sigmoid {v1:.4f}"
    yield "v2_relu beats v4_no_conv", v2 > v4, f"v2_relu {v2:.4f}, v4_no_conv {v4:.4f}"

    predictions = read_csv(RESULTS / dataset / "predictions" / "v2_relu" / f"seed{SEED}.csv")
    row = predictions.set_index("index").loc[SAMPLE]
    predicted, label = int(row["predicted"]), int(row["label"])
    yield (f"v2_relu predicts test sample {SAMPLE} as {SAMPLE_DIGIT}", predicted == SAMPLE_DIGIT,
           f"predicted {predicted}, label {label}, confidence {row['confidence']:.3f}")

    model_path = existing(RESULTS / dataset / "models" / "v2_relu" / f"seed{SEED}.keras")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter would bury the findings
    import keras  # only here: importing TensorFlow takes seconds

    kernel = keras.models.load_model(model_path, safe_mode=True).get_layer("conv1").kernel
    shape = tuple(kernel.shape)
    yield f"v2_relu's conv1 kernel has shape {FIRST_KERNEL_SHAPE}", shape == FIRST_KERNEL_SHAPE, str(shape)


def main(datasets: list[str]) -> int:
    unknown = set(datasets) - set(MINIMUM_V2_ACCURACY)
    if unknown:
        sys.exit(f"check_findings: unknown dataset(s) {sorted(unknown)}; use {sorted(MINIMUM_V2_ACCURACY)}")
    failed = []
    for dataset in datasets:
        for name, passed, numbers in findings(dataset):
            print(f"{'ok  ' if passed else 'FAIL'} {dataset}: {name}: {numbers}")
            if not passed:
                failed.append(f"{dataset}: {name} ({numbers})")
    if failed:
        print("check_findings: the real-data run contradicts the lecture:\n  " + "\n  ".join(failed),
              file=sys.stderr)
        return 1
    print(f"check_findings: every finding holds on {', '.join(datasets)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(MINIMUM_V2_ACCURACY)))
