"""SCORE-15 family report (JSON-safe), plots and the self-contained HTML report."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from ontrack_model.errors import Score15Error
from ontrack_model.score15 import Score15Config, family_report, read_responses, score_administrations
from ontrack_model.score15.plots import family_sessions, paired_figure, png_base64, trajectory_figure
from ontrack_model.score15.report import cohort_report_html

FIXTURES = Path(__file__).parent / "fixtures" / "score15"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def eight():
    return read_responses(FIXTURES / "eight_families_paper.csv", "paper")


def test_family_report_is_json_safe_and_complete(eight) -> None:
    report = family_report(eight, "F03", Score15Config(reference_sd={"total": 0.5}))
    again = json.loads(json.dumps(report, allow_nan=False))
    assert again["family_id"] == "F03"
    assert len(again["administrations"]) == 4  # parent and young person, twice each
    assert {a["respondent_id"] for a in again["administrations"]} == {"F03-P", "F03-Y"}
    assert again["administrations"][0]["date"] == "2023-01-12"
    total = again["family_change"]["total"]
    # F03: baseline 4 everywhere; follow-up dims 3, 3, 4.4 -> total 3.4667, change -0.5333
    assert total["first"] == pytest.approx(4.0) and total["latest"] == pytest.approx(52 / 15)
    assert total["change"] == pytest.approx(-8 / 15)
    assert total["classification"] == "reliably improved"  # -0.533 / 0.2345 = -2.27
    assert total["respondents_with_both"] == 2
    assert again["rci"]["total"]["reference_sd"] == 0.5
    assert "missing_items" in again["rules"]
    with pytest.raises(Score15Error, match="'NOPE' has no SCORE-15 responses"):
        family_report(eight, "NOPE")


def test_plots_draw_every_family(eight) -> None:
    scores = score_administrations(eight)
    sessions = family_sessions(scores)
    assert sessions.groupby("family_id").size().max() == 3  # F01: baseline, middle, follow-up
    fig = trajectory_figure(scores)
    assert len(fig.axes) == 4
    assert all(len(ax.collections[0].get_segments()) == 8 for ax in fig.axes)  # one line per family
    png = base64.b64decode(png_base64(fig))
    assert png.startswith(PNG_MAGIC)


def test_html_report_is_self_contained(eight) -> None:
    html = cohort_report_html(eight)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(PNG_MAGIC) for i in images)
    assert not re.search(r'(src|href)="(http|/|\.)', html)  # nothing fetched from elsewhere
    assert "six of eight families" in html
    assert "Stratton et al. 2014" in html
    suppressed = cohort_report_html(eight, suppress_below=5)
    assert "data:image/png" not in suppressed  # per-family lines would undo suppression
    assert "six of eight" not in suppressed


def test_paired_figure_counts_families_that_fell(eight) -> None:
    from ontrack_model.score15 import family_change

    fig = paired_figure(family_change(eight))
    titles = [ax.get_title() for ax in fig.axes]
    assert [t.split("\n")[1] for t in titles] == [
        "3 of 8 families fell (improved)",
        "6 of 8 families fell (improved)",
        "5 of 8 families fell (improved)",
        "6 of 8 families fell (improved)",
    ]
