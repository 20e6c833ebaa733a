"""The lecture notebook, executed by the workflow on its own results (README, "The lecture as a notebook")."""

import nbformat
import pandas as pd
import pytest

pytestmark = pytest.mark.e2e


def outputs_of(notebook, output_type):
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.outputs if output.output_type == output_type]


def test_the_executed_lecture_shows_the_filters_the_prediction_and_the_curves(base):
    notebook = nbformat.read(base.path("results/mnist/lecture/lecture.ipynb"), as_version=4)
    assert outputs_of(notebook, "error") == []
    printed = "".join(output.text for output in outputs_of(notebook, "stream"))
    assert "W0.shape == (3, 3, 1, 6)" in printed
    # report.lecture_sample of .test/config/config.yaml; the evaluate job predicted the same.
    predictions = pd.read_csv(base.path("results/mnist/predictions/v1_sigmoid/seed0.csv"))
    label, predicted = predictions.set_index("index").loc[7, ["label", "predicted"]].astype(int)
    assert f"test sample 7: label {label}, predicted {predicted} (" in printed
    figures = [output for output in outputs_of(notebook, "display_data") if "image/png" in output.data]
    assert len(figures) == 3  # filters, the test image, the loss curves
    last_table = outputs_of(notebook, "execute_result")[-1].data["text/plain"]
    for variant in ["v1_sigmoid", "v2_relu", "v3_no_pooling", "v4_no_conv"]:
        assert variant in last_table

    html = base.path("results/mnist/lecture/lecture.html").read_text()
    assert "W0.shape == (3, 3, 1, 6)" in html
    assert html.count('src="data:image/png;base64,') == 3
