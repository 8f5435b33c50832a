"""`ontrack score15 score|change|summary`: files written, required keys, clean errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ontrack_model.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "score15"
EIGHT = str(FIXTURES / "eight_families_paper.csv")
KEYS = {"families_with_change_data", "positive_change", "reliable_improvement", "reliable_deterioration"}


def _run(*args: str):
    result = CliRunner().invoke(app, ["score15", *args])
    return result, " ".join(result.output.split())


def test_summary_writes_json_with_the_required_keys(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    result, text = _run(
        "summary",
        "--responses",
        EIGHT,
        "--coding",
        "paper",
        "--out",
        str(out),
        "--reference-sd",
        "0.5",
        "--reliability",
        "dimension_3=0.8",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    for score in ("dimension_1", "dimension_2", "dimension_3", "total"):
        assert set(summary[score]) >= KEYS
    assert summary["dimension_2"]["positive_change"] == 6
    assert summary["sentence"].startswith(
        "SCORE-15 has been administered at two or more intervals with eight"
    )
    assert summary["rci"]["parameters"]["total"]["reference_sd"] == 0.5
    assert summary["rci"]["parameters"]["dimension_3"]["reliability"] == 0.8
    assert summary["rci"]["parameters"]["dimension_3"]["reliability_source"] == "supplied by the user"
    assert "missing_items" in summary["rules"]
    assert "Positive change occurred most frequently in Dimension 2" in text  # printed too


def test_summary_html_and_suppression(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result, _ = _run("summary", "--responses", EIGHT, "--coding", "paper", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().count("data:image/png;base64,") == 2
    out_json = tmp_path / "published.json"
    result, _ = _run(
        "summary", "--responses", EIGHT, "--coding", "paper", "--suppress-below", "3", "--out", str(out_json)
    )
    assert result.exit_code == 0
    assert json.loads(out_json.read_text())["total"]["positive_change"] == "suppressed"


def test_score_and_change_write_tables_with_rules(tmp_path: Path) -> None:
    scores = tmp_path / "scores.csv"
    result, _ = _run("score", "--responses", EIGHT, "--coding", "paper", "--out", str(scores))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(scores)
    assert len(table) == 30 and {"dimension_1", "total", "rules"} <= set(table.columns)
    assert "at least 4 of its 5 items" in table.loc[0, "rules"]

    change = tmp_path / "change.json"
    result, text = _run(
        "change",
        "--responses",
        EIGHT,
        "--coding",
        "paper",
        "--from",
        "2023-01-01",
        "--to",
        "2023-12-31",
        "--level",
        "respondent",
        "--out",
        str(change),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(change.read_text())
    assert len(data["rows"]) == 17 and "family_change" in data["rules"]
    assert "RI = reliably improved" in text


def test_bad_input_exits_2_with_a_clean_message(tmp_path: Path) -> None:
    result, text = _run("summary", "--responses", str(FIXTURES / "bad_values.csv"), "--coding", "paper")
    assert result.exit_code == 2
    assert "bad_values.csv" in text and "column 'item_3', lines 4, 5" in text
    assert "Traceback" not in result.output

    result, text = _run("score", "--responses", str(tmp_path / "nowhere.csv"), "--coding", "paper")
    assert result.exit_code == 2 and "does not exist" in text

    result, text = _run("summary", "--responses", EIGHT, "--coding", "paper", "--reference-sd", "total=big")
    assert result.exit_code == 2 and "'big' is not a number" in text

    result, text = _run("summary", "--responses", EIGHT)  # coding is required, never guessed
    assert result.exit_code == 2 and "--coding" in text

    result, text = _run(
        "summary", "--responses", EIGHT, "--coding", "paper", "--out", str(tmp_path / "s.txt")
    )
    assert result.exit_code == 2 and "written as .json or .html" in text
