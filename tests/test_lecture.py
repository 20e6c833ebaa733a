"""The lecture notebook, executed by the workflow on its own results (docs/outputs.md, "The lecture as a notebook")."""

import re

import nbformat
import pandas as pd
import pytest
from project import VARIANTS

pytestmark = pytest.mark.e2e

# TensorFlow's C++ log lines, as its absl and its own loggers write them.
TENSORFLOW_LOG_LINE = re.compile(
    r"[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.]+:\d+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] \S+:\d+\]"
    r"|absl::InitializeLog"
)
# Such lines: the first three from the lecture notebook before its kernel left them
# out (workflow/notebooks/kernels/python3/kernel.json), the last as older builds write.
SEEN_BEFORE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796086945.790650    7376 port.cc:153] oneDNN custom operations are on.",
    "E0000 00:00:1796086951.177499    7376 node_def_util.cc:682] NodeDef mentions attribute",
    "2024-01-11 05:40:05.061907: I tensorflow/core/platform/cpu_feature_guard.cc:182] This",
]


def outputs_of(notebook, output_type):
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == output_type
    ]


def test_the_executed_lecture_shows_the_filters_the_prediction_and_the_curves(base):
    notebook = nbformat.read(base.path("results/mnist/lecture/lecture.ipynb"), as_version=4)
    assert outputs_of(notebook, "error") == []
    printed = "".join(output.text for output in outputs_of(notebook, "stream"))
    assert "W0.shape == (3, 3, 1, 6)" in printed
    # report.lecture_sample of .test/config/config.yaml; the training job predicted the same.
    predictions = pd.read_csv(base.path("results/mnist/predictions/v1_sigmoid/seed0.csv"))
    label, predicted = predictions.set_index("index").loc[7, ["label", "predicted"]].astype(int)
    assert f"test sample 7: label {label}, predicted {predicted} (" in printed
    figures = [
        output for output in outputs_of(notebook, "display_data") if "image/png" in output.data
    ]
    assert len(figures) == 3  # filters, the test image, the loss curves
    loss_table, findings_table = (
        output.data["text/plain"] for output in outputs_of(notebook, "execute_result")[-2:]
    )
    for variant in VARIANTS:
        assert variant in loss_table
    # The notebook ends with the study's findings.csv.
    for finding in pd.read_csv(base.path("results/mnist/findings.csv"))["finding"]:
        assert finding in findings_table

    html = base.path("results/mnist/lecture/lecture.html").read_text()
    assert "W0.shape == (3, 3, 1, 6)" in html
    assert html.count('src="data:image/png;base64,') == 3


def test_the_executed_lecture_shows_no_tensorflow_log_lines(base):
    """TensorFlow's C++ logging would show as red stderr cells, which a student reads as errors."""
    assert all(TENSORFLOW_LOG_LINE.search(line) for line in SEEN_BEFORE)
    notebook = nbformat.read(base.path("results/mnist/lecture/lecture.ipynb"), as_version=4)
    streams = outputs_of(notebook, "stream")
    assert streams  # the notebook's own prints
    assert [output.text for output in streams if TENSORFLOW_LOG_LINE.search(output.text)] == []
    html = base.path("results/mnist/lecture/lecture.html").read_text()
    assert TENSORFLOW_LOG_LINE.findall(html) == []
