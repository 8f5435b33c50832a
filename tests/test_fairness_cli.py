"""`ontrack audit`: scores the cohort (monkeypatched here), prints tables, writes the JSON atomically."""

import json

import pytest
from typer.testing import CliRunner

import ontrack_model.scoring
from ontrack_model.cli import app
from ontrack_model.fairness.simulate import simulate_cohort


@pytest.fixture
def scored(monkeypatch):
    calls = []

    def fake_score_cohort(data_dir, year, model_uri=None):
        calls.append((str(data_dir), year, model_uri))
        return simulate_cohort(1200, seed=year, inflation={"BLAC": 1.5})

    monkeypatch.setattr(ontrack_model.scoring, "score_cohort", fake_score_cohort)
    return calls


def test_audit_prints_tables_and_writes_json(scored, tmp_path) -> None:
    out = tmp_path / "out" / "audit.json"
    args = ["audit", "--data", str(tmp_path), "--cohort", "2020", "--capacity", "90", "--resamples", "60",
            "--seed", "5", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert scored == [(str(tmp_path), 2020, None)]
    data = json.loads(out.read_text())
    assert (data["settings"]["k"], data["settings"]["resamples"], data["settings"]["seed"]) == (90, 60, 5)
    assert data["cohort"] == 2020 and data["labelled"]
    assert "ethnicity" in result.output and "BLAC" in result.output
    assert "Flagged disparities" in result.output
    assert "[c]" in result.output  # suppressed cells are shown as such, not swallowed as markup
    assert sorted(p.name for p in out.parent.iterdir()) == ["audit.json"]  # no temporary file left behind


def test_audit_bad_reference_is_a_clear_error(scored, tmp_path) -> None:
    result = CliRunner().invoke(app, ["audit", "--data", str(tmp_path), "--cohort", "2020",
                                      "--reference", "ethnicity", "--resamples", "0"])
    assert result.exit_code == 2
    assert "ATTRIBUTE=GROUP" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["audit", "--data", str(tmp_path), "--cohort", "2020",
                                      "--reference", "ethnicity=XXXX", "--resamples", "0"])
    assert result.exit_code == 2
    assert "XXXX" in result.output and "groups present" in result.output


def test_audit_pools_repeated_cohorts(scored, tmp_path) -> None:
    out = tmp_path / "pooled.json"
    args = ["audit", "--data", str(tmp_path), "--cohort", "2019", "--cohort", "2020", "--capacity", "90",
            "--resamples", "60", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [call[1] for call in scored] == [2019, 2020]
    data = json.loads(out.read_text())
    assert data["cohort"] is None and data["settings"]["cohorts"] == [2019, 2020]
    assert "cohorts 2019, 2020 pooled" in result.output


def test_audit_will_not_pool_a_cohort_without_outcomes(monkeypatch, tmp_path) -> None:
    def fake_score_cohort(data_dir, year, model_uri=None):
        return simulate_cohort(600, seed=year, labelled=year < 2026)

    monkeypatch.setattr(ontrack_model.scoring, "score_cohort", fake_score_cohort)
    args = ["audit", "--data", str(tmp_path), "--cohort", "2020", "--cohort", "2026", "--resamples", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "--cohort 2026" in result.output and "Traceback" not in result.output
