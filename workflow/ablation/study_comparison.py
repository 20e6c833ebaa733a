"""Rule compare: several studies' results side by side in
results/compare/studies.csv, results/compare/findings.csv and the loss chart per
study. Plotting never imports TensorFlow."""

import matplotlib
import pandas as pd

from ablation import metrics
from ablation.plots import Figure, mean_and_band, save_figure, whole_epochs


def differing_settings(settings: dict[str, dict[str, object]]) -> list[str]:
    """The dotted keys whose value is not the same in every study (a key that a
    study leaves at the base's value counts with the base's value)."""
    keys = list(dict.fromkeys(key for keys in settings.values() for key in keys))
    return [key for key in keys if len({repr(study.get(key)) for study in settings.values()}) > 1]


# What studies.csv keeps of each study's summary.csv, after the study's settings.
SUMMARY_COLUMNS = [
    "dataset",
    "variant",
    *(
        f"{metrics.on(metrics.TEST, metric)}_{stat}"
        for metric in ("accuracy", "loss")
        for stat in ("mean", "std")
    ),
    "n_seeds",
    "training_seconds_mean",
]
# What findings.csv of the comparison keeps of each study's findings.csv: the verdicts
# as the study gave them (one row per test of each check), the difference, interval and
# p-values behind each, and the reason in words. Each study is its own family.
FINDING_COLUMNS = [
    "dataset",
    "finding",
    "verdict",
    "check",
    "covers",
    "check_verdict",
    "difference",
    "ci95_low",
    "ci95_high",
    "p_value",
    "p_holm",
    "reason",
]


def side_by_side(studies: dict[str, dict], table: str, columns: list[str]) -> pd.DataFrame:
    """Each study's ``table`` (its ``columns``) one below the other, each row led by
    the study's name and its values of the settings that differ between the studies.

    ``studies``: name -> {"settings": {dotted key: value for every declared key, the
    base's value where the study keeps it}, ``table``: a frame}."""
    keys = differing_settings({name: study["settings"] for name, study in studies.items()})
    frames = []
    for name, study in studies.items():
        rows = study[table]
        frame = pd.DataFrame({"study": name}, index=rows.index)
        for key in keys:
            frame[key] = [study["settings"][key]] * len(rows)
        frames.append(pd.concat([frame, rows[columns]], axis=1))
    return pd.concat(frames, ignore_index=True)


def compare_studies(studies: dict[str, dict]) -> pd.DataFrame:
    """studies.csv: one row per study x dataset x variant, from each study's
    summary.csv (``studies[name]["summary"]``)."""
    return side_by_side(studies, "summary", SUMMARY_COLUMNS)


def compare_findings(studies: dict[str, dict]) -> pd.DataFrame:
    """findings.csv of the comparison: one row per study x dataset x finding (x check),
    from each study's findings.csv with its dataset (``studies[name]["findings"]``)."""
    return side_by_side(studies, "findings", FINDING_COLUMNS)


def plot_study_losses(histories: dict[str, pd.DataFrame], variant_order, paths) -> None:
    """The lecture's loss chart (training loss per epoch, one line per variant,
    ±1 std band across seeds), one panel per study and dataset, on shared axes."""
    datasets = list(
        dict.fromkeys(dataset for frame in histories.values() for dataset in frame["dataset"])
    )
    figure = Figure(figsize=(3.6 * len(histories), 3.2 * len(datasets)))
    axes = figure.subplots(len(datasets), len(histories), sharex=True, sharey=True, squeeze=False)
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for column, (study, frame) in enumerate(histories.items()):
        for row, dataset in enumerate(datasets):
            axis = axes[row][column]
            for index, variant in enumerate(variant_order):
                runs = frame[(frame["dataset"] == dataset) & (frame["variant"] == variant)]
                if runs.empty:
                    continue
                stats = mean_and_band(runs, "loss")
                color = colors[index % len(colors)]
                axis.plot(stats["epoch"], stats["mean"], marker="o", color=color, label=variant)
                axis.fill_between(
                    stats["epoch"], stats["low"], stats["high"], color=color, alpha=0.2, linewidth=0
                )
            axis.set_title(f"{study}\n{dataset}", fontsize=9)
            axis.grid(alpha=0.3)
            whole_epochs(axis)
            if row == len(datasets) - 1:
                axis.set_xlabel("epoch")
            if column == 0:
                axis.set_ylabel("training loss")
    handles, labels = axes[0][0].get_legend_handles_labels()
    # Below the figure, clear of the epoch labels, whatever the number of rows.
    figure.legend(
        handles,
        labels,
        loc="upper center",
        ncol=len(labels),
        title="mean ± 1 std over seeds",
        bbox_to_anchor=(0.5, 0),
    )
    save_figure(figure, paths)


def by_study(runs: list[list[str]], paths: list[str]) -> dict[str, pd.DataFrame]:
    """Study -> its tables (one per dataset, each with its ``dataset`` column) as one:
    ``paths[i]`` belongs to ``runs[i]``, a [study, dataset] pair."""
    tables = {}
    for (study, dataset), path in zip(runs, paths, strict=True):
        tables.setdefault(study, []).append(pd.read_csv(path).assign(dataset=dataset))
    return {study: pd.concat(frames, ignore_index=True) for study, frames in tables.items()}


def compare_study_files(settings: dict, inputs, outputs) -> None:
    """Rule compare: studies.csv, findings.csv and the loss chart per study from each
    study's summary.csv, findings.csv and histories.csv (``inputs.summaries``,
    ``inputs.findings``, ``inputs.histories``, in the order of ``settings["runs"]``)."""
    summaries = by_study(settings["runs"], inputs.summaries)
    findings = by_study(settings["runs"], inputs.findings)
    histories = by_study(settings["runs"], inputs.histories)
    studies = {
        study: {"settings": dict(keys), "summary": summaries[study], "findings": findings[study]}
        for study, keys in settings["studies"]
    }
    compare_studies(studies).to_csv(outputs.table, index=False)
    compare_findings(studies).to_csv(outputs.findings, index=False)
    plot_study_losses(
        {study: histories[study] for study, _ in settings["studies"]},
        settings["variants"],
        [outputs.png, outputs.svg],
    )
