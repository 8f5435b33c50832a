"""`ontrack features`, `ontrack cohorts` and `ontrack splits` on the hand-made extract written to disk."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from test_cohorts_helpers import IN_CARE_LATER, make_extract, make_tables
from typer.testing import CliRunner

from ontrack_model.cli import app
from ontrack_model.cli._common import console
from ontrack_model.features import FEATURES, ID_COLUMNS, build_matrix
from ontrack_model.validation.sample import write_extract

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """Rich tables as a 200-column terminal would show them."""
    monkeypatch.setattr(console, "width", 200)


def _valid_tables() -> dict[str, pd.DataFrame]:
    tables = make_tables()
    sc = tables["social_care"]
    tables["social_care"] = sc[sc["episode_id"] != "E17"].reset_index(
        drop=True
    )  # the contract forbids overlaps
    return tables


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("extract")
    write_extract(directory, _valid_tables(), {"extract_date": "2024-07-01", "synthetic": True})
    return directory


def test_features_writes_the_file_layout_as_csv_and_parquet(data_dir, tmp_path) -> None:
    expected = build_matrix(make_extract(_valid_tables()), 2019).to_frame()
    for name in ("m.csv", "m.parquet"):
        out = tmp_path / name
        result = runner.invoke(
            app, ["features", "--data", str(data_dir), "--cohort", "2019", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "Cohort 2019" in result.output and "labelled" in result.output
        frame = pd.read_csv(out) if name.endswith(".csv") else pd.read_parquet(out)
        assert list(frame.columns) == [*ID_COLUMNS, *FEATURES]
        assert frame["pupil_id"].tolist() == expected["pupil_id"].tolist()
        assert frame.set_index("pupil_id").loc[IN_CARE_LATER, "label"] == 1
        pd.testing.assert_frame_equal(frame[list(FEATURES)], expected[list(FEATURES)], check_dtype=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv", "m.parquet"]  # no temporary files left


def test_censored_cohort_has_an_empty_label_column(data_dir, tmp_path) -> None:
    out = tmp_path / "latest.csv"
    result = runner.invoke(app, ["features", "--data", str(data_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Cohort 2022" in result.output and "censored" in result.output
    text = out.read_text().splitlines()
    assert text[0].startswith("pupil_id,family_id,cohort,label,")
    assert all(line.split(",")[3] == "" for line in text[1:])


def test_describe_prints_the_dictionary_in_each_format() -> None:
    result = runner.invoke(app, ["features", "--describe", "--format", "csv"])
    assert result.exit_code == 0
    frame = pd.read_csv(io.StringIO(result.output))
    assert frame["name"].tolist() == list(FEATURES)
    markdown = runner.invoke(app, ["features", "--describe", "--format", "markdown"]).output
    assert markdown.count("\n| ") == len(FEATURES) + 1  # the header line and one line per feature
    assert "| referrals_12m |" in markdown
    table = runner.invoke(app, ["features", "--describe"]).output
    assert "open_to_social_care" in table


def test_bad_options_and_bad_data_exit_2_with_a_message(data_dir, tmp_path) -> None:
    result = runner.invoke(app, ["features", "--data", str(data_dir), "--cohort", "2019", "--out", "m.xlsx"])
    assert result.exit_code == 2 and ".parquet or .csv" in result.output
    result = runner.invoke(app, ["features", "--data", str(data_dir), "--cohort", "2031", "--out", "m.csv"])
    assert result.exit_code == 2 and "no cohort 2031" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["features", "--cohort", "2019"])
    assert result.exit_code == 2 and "--data" in result.output
    broken = tmp_path / "broken"
    write_extract(broken, make_tables(), {"extract_date": "2024-07-01"})  # overlapping care episodes
    result = runner.invoke(app, ["cohorts", "--data", str(broken)])
    assert result.exit_code == 2 and "overlap" in result.output


def test_cohorts_lists_labelled_and_censored_cohorts(data_dir) -> None:
    result = runner.invoke(app, ["cohorts", "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    rows = {
        cells[0]: cells
        for cells in (line.split() for line in result.output.splitlines())
        if cells and cells[0].isdigit() and len(cells) == 9
    }
    assert sorted(rows) == [str(y) for y in range(2016, 2023)]
    # cohort, pupils, left, in care, no pupil row, entered care, rate, horizon end, status
    assert rows["2019"] == ["2019", "9", "1", "2", "0", "2", "22.22%", "2024-06-01", "labelled"]
    assert rows["2021"][5:7] == ["-", "-"] and rows["2021"][-1] == "censored"


def test_splits_prints_plan_and_draws_png(data_dir, tmp_path) -> None:
    out = tmp_path / "splits.png"
    args = [
        "splits",
        "--data",
        str(data_dir),
        "--n-validation",
        "2",
        "--min-train-years",
        "1",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "validate 2018" in result.output and "validate 2019" in result.output
    assert "score 2022" in result.output and "2016-2019 (4)" in result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    refused = runner.invoke(
        app, ["splits", "--data", str(data_dir)]
    )  # needs 3 earlier cohorts: only 2019 has
    assert (
        refused.exit_code == 0 and "validate 2019" in refused.output and "validate 2018" not in refused.output
    )
