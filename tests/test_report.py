"""The evaluator's report: self-contained, accessible HTML with every section, and the `report` CLI."""

import base64
import dataclasses
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from typer.testing import CliRunner

import ontrack_model.tracking
from ontrack_model.cli import app
from ontrack_model.errors import ConfigError, TrackingError
from ontrack_model.report import ATRS_SECTIONS, ReportInputs, build_report
from ontrack_model.report.example import example_inputs
from ontrack_model.report.inputs import PNG_SIGNATURE


class Outline(HTMLParser):
    """Collects what the accessibility and self-containment checks need."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tables = 0
        self.captions = 0
        self.images: list[dict] = []
        self.tags: set[str] = set()
        self.urls: list[str] = []
        self.html_lang = None
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "img":
            self.images.append(a)
        for key in ("src", "srcset", "poster", "data"):
            if key in a:
                self.urls.append(a[key])
        if tag in ("link", "script", "iframe", "object", "embed"):
            self.urls.append(f"<{tag}>")


@pytest.fixture(scope="module")
def inputs() -> ReportInputs:
    return example_inputs(years=(2018, 2019), n_children=1200, capacity=100, resamples=50,
                          inflation={"BLAC": 1.5})


def _without_audits(inputs: ReportInputs) -> ReportInputs:
    """The same inputs with no fairness audits: quicker to build, for checks of other sections."""
    return dataclasses.replace(inputs, validation_audits={}, current_audit=None, pooled_audit=None)


@pytest.fixture(scope="module")
def html(inputs) -> str:
    return build_report(inputs)


def test_report_is_self_contained(html) -> None:
    page = Outline()
    page.feed(html)
    assert page.images, "the report has figures"
    for img in page.images:
        assert img["src"].startswith("data:image/png;base64,")
        assert base64.b64decode(img["src"].split(",", 1)[1]).startswith(PNG_SIGNATURE)
    assert all(u.startswith("data:") for u in page.urls), [u for u in page.urls if not u.startswith("data:")]
    assert "@import" not in html and "url(" not in html


def test_report_is_accessible(html) -> None:
    page = Outline()
    page.feed(html)
    assert page.html_lang == "en-GB"
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), page.headings
    assert page.tables > 10 and page.captions == page.tables
    assert all(img.get("alt", "").strip() for img in page.images)
    assert len(page.ids) == len(set(page.ids))
    assert 'scope="col"' in html and 'scope="row"' in html


def test_report_has_every_section(html, inputs) -> None:
    for anchor in ("model-card", "performance", "calibration", "drivers", "fairness", "trend", "current",
                   "atrs"):
        assert f'id="{anchor}"' in html
    for heading in ATRS_SECTIONS.values():
        assert heading in html
    assert "<strong>Intended use.</strong>" in html  # the model card's Markdown is rendered
    assert f"{inputs.ece:.3f}" in html
    assert "social care history" in html  # the SHAP table
    assert "⚑ flagged" in html  # BLAC is inflated in the example world
    assert "[c]" in html and "suppressed" in html  # small cells hidden, and the legend explains it


def _blac_selection(audit: dict) -> dict:
    return next(r for r in audit["records"] if (r["attribute"], r["group"], r["metric"]) ==
                ("ethnicity", "BLAC", "selection_rate"))


def test_fairness_cells_match_the_audit_json(inputs, html) -> None:
    # The tables show the validation cohorts pooled, which has the power one year lacks.
    blac = _blac_selection(inputs.pooled_audit)
    assert f"{100 * blac['value']:.1f}% ({100 * blac['ci_low']:.1f}–{100 * blac['ci_high']:.1f}%)" in html
    assert f"ratio {blac['ratio']:.2f} ({blac['ratio_ci_low']:.2f}–{blac['ratio_ci_high']:.2f})" in html
    years = sorted(inputs.validation_audits)
    assert f"validation cohorts {years[0]}–{years[-1]} pooled" in html


def test_without_a_pooled_audit_the_latest_cohort_is_shown(inputs) -> None:
    html = build_report(dataclasses.replace(inputs, pooled_audit=None))
    blac = _blac_selection(max(inputs.validation_audits.items())[1])
    assert f"{100 * blac['value']:.1f}% ({100 * blac['ci_low']:.1f}–{100 * blac['ci_high']:.1f}%)" in html
    assert f"validation cohort {max(inputs.validation_audits)}" in html


def test_markdown_cannot_inject_html_or_load_images(inputs) -> None:
    evil = dataclasses.replace(
        _without_audits(inputs),
        model_card_markdown="# Card\n<script>alert(1)</script>\n\n![x](http://example.com/a.png)\n\n"
                            "[link](javascript:alert(1))",
    )
    out = build_report(evil)
    card = out.split('id="model-card"')[1].split("</section>")[0]
    assert "<script>" not in out and "&lt;script&gt;" in card
    assert "<img" not in card  # Markdown images are off: the report loads nothing
    assert 'href="javascript' not in card


def test_small_counts_are_suppressed_in_performance_and_calibration(inputs) -> None:
    curve = pd.DataFrame({"k": [10, 100], "precision": [0.5, 0.3], "recall": [0.05, 0.3]})
    calibration = pd.DataFrame({"n": [150, 150], "mean_predicted": [0.02, 0.4], "observed_rate": [0.02, 0.4]})
    out = build_report(dataclasses.replace(_without_audits(inputs), performance_at_k=curve,
                                           calibration=calibration))
    section = out.split('id="table-precision-recall"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section, flags=re.S)
    assert "[c]" in rows[1] and "0.500" not in rows[1]  # 5 hits among the top 10: hidden
    assert "0.300" in rows[2]
    calib = out.split('id="table-calibration"')[1].split("</table>")[0]
    assert "[c]" in calib and "0.400" in calib  # 3 of 150 observed in bin 1: hidden; bin 2 shown


def test_missing_atrs_section_is_a_config_error(inputs) -> None:
    atrs = {k: v for k, v in inputs.atrs.items() if k != "risks"}
    with pytest.raises(ConfigError, match="risks"):
        build_report(dataclasses.replace(inputs, atrs=atrs))
    with pytest.raises(ConfigError, match="PNG"):
        build_report(dataclasses.replace(inputs, shap_bar_png=b"GIF89a"))


def test_report_cli_writes_the_file_atomically(monkeypatch, inputs, tmp_path) -> None:
    seen = []

    def fake(run_id):
        seen.append(run_id)
        if run_id == "missing":
            raise TrackingError("no MLflow run 'missing' in the tracking store")
        return inputs

    monkeypatch.setattr(ontrack_model.tracking, "report_inputs_from_run", fake, raising=False)
    out = tmp_path / "site" / "report.html"
    result = CliRunner().invoke(app, ["report", "--run", "abc123", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert seen == ["abc123"]
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    result = CliRunner().invoke(app, ["report", "--run", "missing", "--out", str(out)])
    assert result.exit_code == 2 and "no MLflow run" in result.output and "Traceback" not in result.output
