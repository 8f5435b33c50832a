"""SCORE-15 import: the coding is required, bad input gives a clear error, nothing is dropped silently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from ontrack_model.errors import Score15Error
from ontrack_model.score15 import ResponseSet, read_responses
from ontrack_model.score15.io import EXCLUDED_NO_ITEMS, EXCLUDED_UNDER_AGE, FLAGGED_UNDER_AGE

FIXTURES = Path(__file__).parent / "fixtures" / "score15"
TODAY = dt.date(2024, 6, 30)


def _row(
    rid: str = "R1",
    date: str = "2022-05-01",
    family: str = "F1",
    role: str = "parent",
    age: object = 40,
    **items: object,
) -> dict:
    values: dict[str, object] = {f"item_{i}": 3 for i in range(1, 16)}
    values.update(items)
    return {"family_id": family, "respondent_id": rid, "role": role, "age": age, "date": date, **values}


def _write_csv(tmp_path: Path, rows: list[dict], name: str = "responses.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _error(source, coding: str = "paper", **kwargs) -> str:
    with pytest.raises(Score15Error) as info:
        read_responses(source, coding, today=TODAY, **kwargs)
    return " ".join(str(info.value).split())


@pytest.mark.parametrize("coding", [None, "", "guess", "PAPER"])
def test_coding_is_required_and_never_guessed(coding) -> None:
    message = _error([_row()], coding=coding)
    assert "paper" in message and "reversed" in message and "never guessed" in message


def test_values_outside_1_to_5_and_non_integers_name_file_column_and_lines() -> None:
    message = _error(FIXTURES / "bad_values.csv")
    assert message.startswith("bad_values.csv:")
    assert "column 'item_3', lines 4, 5: rule: a whole number from 1 to 5" in message
    assert "column 'item_13', line 5:" in message
    assert "item_1'" not in message  # good columns are not blamed


def test_whole_number_written_as_float_is_accepted_and_booleans_are_not() -> None:
    data = read_responses([_row(item_1=2.0, item_2="4.0")], "paper", today=TODAY)
    assert data.frame.loc[0, ["item_1", "item_2"]].tolist() == [2, 4]
    assert "column 'item_1', record 1" in _error([_row(item_1=True)])


def test_reversed_coding_is_converted_to_paper() -> None:
    data = read_responses([_row(item_1=1, item_5=5, item_7=None)], "reversed", today=TODAY)
    assert data.frame.loc[0, "item_1"] == 5
    assert data.frame.loc[0, "item_5"] == 1
    assert pd.isna(data.frame.loc[0, "item_7"])


def test_under_12_is_flagged_and_counted_by_default(tmp_path: Path) -> None:
    rows = [_row("R1"), _row("R2", age=11), _row("R3", age=10)]
    data = read_responses(_write_csv(tmp_path, rows), "paper", today=TODAY)
    assert len(data) == 3
    assert data.frame.set_index("respondent_id")["under_min_age"].to_dict() == {
        "R1": False,
        "R2": True,
        "R3": True,
    }
    assert data.import_summary()["flagged_by_reason"] == {FLAGGED_UNDER_AGE: 2}


def test_under_12_can_be_excluded_with_a_count_or_refused() -> None:
    rows = [_row("R1"), _row("R2", age=11)]
    data = read_responses(rows, "paper", under_age="exclude", today=TODAY)
    assert data.frame["respondent_id"].tolist() == ["R1"]
    summary = data.import_summary()
    assert (summary["rows_read"], summary["rows_kept"], summary["rows_excluded"]) == (2, 1, 1)
    assert summary["excluded_by_reason"] == {EXCLUDED_UNDER_AGE: 1}
    assert "column 'age', record 2: respondent under 12" in _error(rows, under_age="error")
    assert len(read_responses(rows, "paper", min_age=11, under_age="error", today=TODAY)) == 2


def test_blank_questionnaire_is_excluded_and_counted() -> None:
    rows = [_row("R1"), _row("R2", **{f"item_{i}": None for i in range(1, 16)})]
    data = read_responses(rows, "paper", today=TODAY)
    assert data.frame["respondent_id"].tolist() == ["R1"]
    assert data.import_summary()["excluded_by_reason"] == {EXCLUDED_NO_ITEMS: 1}


def test_duplicate_administration_names_both_lines(tmp_path: Path) -> None:
    rows = [_row("R1"), _row("R2"), _row("R1", item_1=2)]
    message = _error(_write_csv(tmp_path, rows))
    assert "columns 'respondent_id', 'date': 1 duplicate administration(s) (lines 2, 4)" in message
    assert "one questionnaire per respondent per date" in message


def test_respondent_whose_role_or_family_changes_is_refused() -> None:
    role = _error([_row("R1"), _row("R1", date="2022-09-01", role="carer")])
    assert "column 'role': respondent 'R1' has more than one role (records 1, 2)" in role
    family = _error([_row("R1"), _row("R1", date="2022-09-01", family="F2")])
    assert "column 'family_id': respondent 'R1' has more than one family_id" in family


@pytest.mark.parametrize(
    ("date", "rule"),
    [
        ("2024-07-01", "in the future"),
        ("1999-12-31", "before 2000-01-01"),
        ("01/05/2022", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_bad_dates(date: str, rule: str) -> None:
    message = _error([_row(), _row("R2", date=date)])
    assert "column 'date', record 2" in message and rule in message


def test_unknown_role_and_bad_age_and_missing_ids() -> None:
    message = _error([_row(role="mother"), _row("R2", age="twelve"), _row("", family=" ")])
    assert "column 'role', record 1: unknown role code" in message
    assert "column 'age', record 2" in message
    assert "column 'family_id', record 3: empty" in message
    assert "column 'respondent_id', record 3: empty" in message
    assert "mother" not in message and "twelve" not in message  # values are never echoed


def test_missing_column_is_named(tmp_path: Path) -> None:
    rows = [_row()]
    del rows[0]["item_15"]
    assert "missing column(s) ['item_15']" in _error(_write_csv(tmp_path, rows))


def test_json_with_conflicting_coding_and_unreadable_files(tmp_path: Path) -> None:
    assert "says its coding is 'reversed'" in _error(
        FIXTURES / "two_respondents_reversed.json", coding="paper"
    )
    bad = tmp_path / "broken.json"
    bad.write_text('[{"family_id": ')
    assert "broken.json: not valid JSON" in _error(bad)
    assert "does not exist" in _error(tmp_path / "missing.csv")
    other = tmp_path / "x.txt"
    other.write_text("a,b\n")
    assert "must be a .csv or .json file" in _error(other)


def test_extra_columns_are_ignored_and_reported() -> None:
    data = read_responses([{**_row(), "notes": "free text"}], "paper", today=TODAY)
    assert "notes" not in data.frame.columns
    assert data.reports[0].ignored_columns == ("notes",)


def test_combine_concatenates_and_checks_across_sets(tmp_path: Path) -> None:
    first = read_responses([_row("R1"), _row("R2")], "paper", today=TODAY, source_name="first")
    second = read_responses(
        [_row("R1", date="2022-09-01", item_1=1)], "reversed", today=TODAY, source_name="second"
    )
    both = first.combine(second)
    assert isinstance(both, ResponseSet) and len(both) == 3
    assert both.import_summary()["rows_read"] == 3
    assert (
        both.frame.set_index(["respondent_id", "date"]).loc[("R1", pd.Timestamp("2022-09-01")), "item_1"] == 5
    )
    clash = read_responses([_row("R2", item_1=1)], "paper", today=TODAY, source_name="third")
    with pytest.raises(Score15Error, match="same respondent_id and date"):
        both + clash
    replaced = both.combine(clash, on_duplicate="replace")
    assert len(replaced) == 3 and replaced.replaced == 1
    assert replaced.frame.set_index("respondent_id").loc["R2", "item_1"] == 1
    moved = read_responses(
        [_row("R2", date="2023-01-01", family="F9")], "paper", today=TODAY, source_name="fourth"
    )
    with pytest.raises(Score15Error, match="respondent 'R2' has more than one family_id"):
        both + moved


def test_to_csv_round_trips_in_paper_coding(tmp_path: Path) -> None:
    data = read_responses(FIXTURES / "two_respondents_reversed.json", "reversed", today=TODAY)
    path = data.to_csv(tmp_path / "stored.csv")
    again = read_responses(path, "paper", today=TODAY)
    cols = [c for c in data.frame.columns if c not in ("source", "source_row")]
    pd.testing.assert_frame_equal(again.frame[cols], data.frame[cols])
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
    paper = read_responses(FIXTURES / "two_respondents_paper.csv", "paper", today=TODAY)
    pd.testing.assert_frame_equal(paper.frame[cols], data.frame[cols])
    assert json.loads(json.dumps(data.import_summary()))["rows_kept"] == 2
