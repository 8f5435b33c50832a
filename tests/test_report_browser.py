"""The evaluator's report in a real browser: tables render, images decode, nothing is fetched."""

import os
from pathlib import Path

import pytest

from ontrack_model.report import build_report
from ontrack_model.report.example import example_inputs

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed here (it is in CI, where this test must run)",
                allow_module_level=True)


def test_report_renders_with_tables_and_decoded_images(tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    inputs = example_inputs(years=(2018, 2019), n_children=1000, capacity=80, resamples=30,
                            inflation={"BLAC": 1.5})
    page_file = tmp_path / "report.html"
    page_file.write_text(build_report(inputs), encoding="utf-8")
    fetched: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: fetched.append(r.url))
            page.goto(page_file.as_uri(), wait_until="load")
            assert page.title() == inputs.title
            assert page.locator("h1").count() == 1
            n_tables = page.locator("table").count()
            assert n_tables > 10
            assert page.locator("table > caption").count() == n_tables
            assert page.locator("#table-flags tbody tr").count() >= 1
            assert page.locator("td.flag").count() >= 1
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => ({ok: e.complete && e.naturalWidth > 0, alt: e.alt}))")
            assert len(images) >= 5  # precision/recall, calibration, SHAP and the trend plots
            assert all(i["ok"] for i in images), images
            assert all(i["alt"].strip() for i in images)
            visible = page.locator("#fairness").bounding_box()
            assert visible is not None and visible["height"] > 100
        finally:
            browser.close()
    external = [u for u in fetched if not u.startswith(("file:", "data:"))]
    assert external == [], external
