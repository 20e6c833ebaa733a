"""The HTML report of the tiny study, opened in headless Chromium as a reader would.

Playwright (in requirements.lock) drives the system's Chromium through its
executable_path, never a browser of its own. Without Chromium the test skips, naming
it; with MNIST_ABLATION_REQUIRE_BROWSER=1 (.ci/run) it fails instead. The screenshot
goes to $MNIST_ABLATION_REPORT_SCREENSHOT, or beside the report.
"""

import base64
import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from project import TINY_CONFIG, VARIANTS

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# report(...) categories of workflow/rules/report.smk and what each holds.
FIGURE_CATEGORIES = ("Confusion matrices", "Curves", "Filters", "Predictions")
FILE_CATEGORIES = ("Provenance", "Tables")
# Listed and captioned; the report shows their content its own way (notebook, HTML page).
DOCUMENT_CATEGORIES = ("Lecture",)
# The report's main panel, right of the navigation, and the figure it shows.
MAIN_IMAGE = "#app > div > div:last-child img"


def chromium() -> str | None:
    return os.environ.get("MNIST_ABLATION_CHROMIUM") or next(
        (found for name in BROWSERS if (found := shutil.which(name))), None
    )


def unavailable() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (it is in requirements.lock: make test installs it)"
    if chromium() is None:
        return (
            "no Chromium found (Debian: apt-get install chromium; "
            "or set MNIST_ABLATION_CHROMIUM to its path)"
        )
    return None


REQUIRED = bool(os.environ.get("MNIST_ABLATION_REQUIRE_BROWSER"))
# Decided at collection, so that a skip does not first build the tiny study.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(unavailable() is not None and not REQUIRED, reason=str(unavailable())),
]


@pytest.fixture(scope="module")
def browser():
    if unavailable():
        pytest.fail(f"MNIST_ABLATION_REQUIRE_BROWSER is set, but {unavailable()}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium())
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report(base):
    base.run("--configfile", TINY_CONFIG, "--report", "results/report.html")
    return base.path("results/report.html")


def show_category(page, name):
    page.locator("nav ol a").first.click()  # home: the list of categories
    page.locator("nav li a", has_text=name).click()
    page.wait_for_selector("nav table tbody tr")
    return page.locator("nav table tbody tr")


def description_of(page, row) -> str:
    row.locator("a[iconname=information-circle]").click()
    heading = page.locator("nav li", has_text="Description").first
    heading.wait_for()
    return heading.locator("xpath=following-sibling::li[1]").inner_text().strip()


def test_the_report_shows_every_figure_table_and_caption_without_errors(browser, report, base):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors, outside = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            request.url.startswith(("file:", "data:", "blob:")) or outside.append(request.url)
        ),
    )
    page.goto(report.as_uri())
    page.wait_for_selector("nav li a")
    categories = [link.inner_text().strip() for link in page.locator("nav li a").all()]
    # A new category fails here until it is added to one of the two lists above.
    assert set(categories) - {"", "Workflow", "Statistics", "About"} == {
        *FIGURE_CATEGORIES,
        *FILE_CATEGORIES,
        *DOCUMENT_CATEGORIES,
    }

    figures, shown = [], None
    for category in FIGURE_CATEGORIES:
        for number in range(show_category(page, category).count()):
            row = show_category(page, category).nth(number)
            row.locator("a[iconname=eye]").click()
            # The main panel replaces the figure it showed with this one.
            image = page.wait_for_function(
                f"""shown => {{ const image = document.querySelector("{MAIN_IMAGE}");
                              return image && image.src !== shown && image.complete && image; }}""",
                arg=shown,
            ).as_element()
            shown = image.get_attribute("src")
            size = image.evaluate("image => [image.naturalWidth, image.naturalHeight]")
            name = shown.split("filename=")[1].split(";")[0]
            assert min(size) > 0, f"{category}: {name} did not load"
            caption = description_of(page, row)
            assert len(caption) > 40, f"{category}: {name} has no caption"
            figures.append((category, name))
            if category == "Curves":
                screenshot = Path(
                    os.environ.get("MNIST_ABLATION_REPORT_SCREENSHOT")
                    or report.with_name("report-screenshot.png")
                )
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=screenshot)
    # Every variant has a confusion matrix and predictions; filters only with conv layers.
    assert sorted(name for category, name in figures if category == "Confusion matrices") == [
        f"{variant}.png" for variant in VARIANTS
    ]
    assert ("Curves", "loss_comparison.png") in figures
    assert len([name for category, name in figures if category == "Filters"]) == 3

    # Tables and provenance records: listed with their labels, captioned, and embedded
    # byte for byte (the report offers them as downloads, rendered by no browser page).
    embedded = {}
    for category in FILE_CATEGORIES:
        for number in range(show_category(page, category).count()):
            row = show_category(page, category).nth(number)
            label = " ".join(row.inner_text().split())
            assert label, f"{category}: row {number} has no label"
            caption = description_of(page, row)
            link = page.locator("nav li a[iconname=eye][href^='data:']").first
            href = link.get_attribute("href")
            name = href.split("filename=")[1].split(";")[0]
            assert len(caption) > 40, f"{category}: {name} has no caption"
            embedded[(category, name if category == "Tables" else label)] = base64.b64decode(
                href.split("base64,")[1]
            )
    for table in ("histories.csv", "summary.csv", "comparisons.csv", "findings.csv"):
        assert embedded[("Tables", table)] == base.path(f"results/mnist/{table}").read_bytes()
    for category in DOCUMENT_CATEGORIES:
        assert show_category(page, category).count() == 2, f"{category}: the notebook and its HTML"
        for number in range(2):
            row = show_category(page, category).nth(number)  # a caption replaces the listing
            assert " ".join(row.inner_text().split()), f"{category}: row {number} has no label"
            assert len(description_of(page, row)) > 40, f"{category}: row {number} has no caption"
    records = [label for category, label in embedded if category == "Provenance"]
    assert sorted(records) == [f"{variant} 0" for variant in VARIANTS]  # variant, seed

    assert errors == [], "console errors in the report"
    assert outside == [], "the report fetched something from outside the file"
    page.close()
