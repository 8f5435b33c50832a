"""Cell, key, row and cross-table rules: each breakage is named by file, column, rows and rule."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontrack_model.validation import Problem, ValidationReport, tablechecks, validate_extract
from ontrack_model.validation.sample import sample_tables, write_sample_extract
from ontrack_model.validation.tablechecks import key_codes


@pytest.fixture()
def extract(tmp_path: Path) -> Path:
    """A small valid extract (hand-written rows, every table, a manifest) in CSV."""
    return write_sample_extract(tmp_path / "extract")


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def set_cell(extract: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell; `row` is 1-based like the report's row numbers."""
    path = extract / f"{table}.csv"
    header, rows = read_rows(path)
    rows[row - 1][column] = value
    write_rows(path, header, rows)


def only(report: ValidationReport, rule: str) -> Problem:
    """The single problem with `rule`, failing with the whole report otherwise."""
    found = [p for p in report.problems if p.rule == rule]
    assert len(found) == 1, str(report)
    return found[0]


def test_sample_extract_passes_with_no_problems(extract: Path) -> None:
    report = validate_extract(extract)
    assert report.ok and report.problems == [], str(report)
    assert report.tables == {name: len(frame) for name, frame in sample_tables().items()}


def test_missing_column_is_named(extract: Path) -> None:
    path = extract / "school_census.csv"
    header, rows = read_rows(path)
    header.remove("sen_status")
    write_rows(path, header, [{k: v for k, v in r.items() if k != "sen_status"} for r in rows])
    report = validate_extract(extract)
    p = only(report, "missing_column")
    assert (p.file, p.table, p.column) == ("school_census.csv", "school_census", "sen_status")
    assert p.severity == "error"
    assert "sen_status is missing" in p.message
    assert not report.ok


def test_extra_column_is_only_a_warning(extract: Path) -> None:
    path = extract / "pupils.csv"
    header, rows = read_rows(path)
    write_rows(path, [*header, "notes"], [{**r, "notes": "x"} for r in rows])
    report = validate_extract(extract)
    p = only(report, "extra_column")
    assert p.severity == "warning" and p.file == "pupils.csv" and "'notes'" in p.message
    assert report.ok


def test_wrong_type_names_row_and_line(extract: Path) -> None:
    set_cell(extract, "attendance", 3, "possible_sessions", "abc")
    p = only(validate_extract(extract), "type")
    assert (p.file, p.column, p.rows, p.n_rows) == ("attendance.csv", "possible_sessions", (3,), 1)
    assert "not a whole number" in p.message and "'abc'" in p.message
    assert "CSV line 4" in p.message  # row 3 is line 4: the header is line 1


@pytest.mark.parametrize("bad", ["03/05/2022", "2022-02-30", "2022-5-3", "yesterday"])
def test_unparsable_date_is_a_type_error(extract: Path, bad: str) -> None:
    set_cell(extract, "social_care", 2, "start_date", bad)
    p = only(validate_extract(extract), "type")
    assert (p.file, p.column, p.rows) == ("social_care.csv", "start_date", (2,))
    assert "YYYY-MM-DD" in p.message and repr(bad) in p.message


def test_month_must_be_year_dash_month(extract: Path) -> None:
    set_cell(extract, "pupils", 5, "birth_month", "2015-13")
    p = only(validate_extract(extract), "type")
    assert (p.file, p.column, p.rows) == ("pupils.csv", "birth_month", (5,))
    assert "YYYY-MM" in p.message


def test_whole_numbers_written_with_decimals_and_spaces_are_accepted(extract: Path) -> None:
    set_cell(extract, "attendance", 1, "possible_sessions", "144.0")
    set_cell(extract, "pupils", 1, "sex", " F ")
    assert validate_extract(extract).ok


def test_unknown_code_shows_the_bad_value(extract: Path) -> None:
    set_cell(extract, "pupils", 4, "ethnicity", "WHITE")
    p = only(validate_extract(extract), "code")
    assert (p.file, p.column, p.rows) == ("pupils.csv", "ethnicity", (4,))
    assert "'WHITE'" in p.message and "WHIT" in p.message


def test_empty_required_value(extract: Path) -> None:
    set_cell(extract, "pupils", 2, "family_id", "")
    p = only(validate_extract(extract), "required")
    assert (p.file, p.column, p.rows) == ("pupils.csv", "family_id", (2,))


def test_empty_optional_value_is_fine(extract: Path) -> None:
    set_cell(extract, "social_care", 4, "end_date", "")
    assert validate_extract(extract).ok


def test_number_outside_range(extract: Path) -> None:
    set_cell(extract, "school_census", 3, "year_group", "15")
    p = only(validate_extract(extract), "range")
    assert (p.file, p.column, p.rows) == ("school_census.csv", "year_group", (3,))
    assert "maximum 14" in p.message


def test_duplicated_key_names_all_its_rows(extract: Path) -> None:
    set_cell(extract, "school_census", 2, "census_date", "2023-10-05")  # P001 now has two autumn rows
    p = only(validate_extract(extract), "duplicate_key")
    assert (p.file, p.table, p.rows, p.n_rows) == ("school_census.csv", "school_census", (1, 2), 2)
    assert "pupil_id, census_date" in p.message and "P001" in p.message


def test_end_before_start(extract: Path) -> None:
    set_cell(extract, "social_care", 4, "end_date", "2022-06-01")  # starts 2022-06-15
    p = only(validate_extract(extract), "end_date >= start_date")
    assert (p.file, p.column, p.rows) == ("social_care.csv", "end_date", (4,))
    assert "end_date must not be before start_date" in p.message


def test_absence_above_possible_sessions(extract: Path) -> None:
    set_cell(extract, "attendance", 4, "possible_sessions", "20")  # 10 + 14 absences
    p = only(validate_extract(extract), "absence <= possible_sessions")
    assert (p.file, p.rows) == ("attendance.csv", (4,))


def test_unknown_pupil_breaks_the_foreign_key(extract: Path) -> None:
    set_cell(extract, "exclusions", 1, "pupil_id", "P999")
    p = only(validate_extract(extract), "foreign_key")
    assert (p.file, p.column, p.rows) == ("exclusions.csv", "pupil_id", (1,))
    assert "'P999'" in p.message and "pupils.csv" in p.message


def test_unknown_family_in_police_notifications(extract: Path) -> None:
    set_cell(extract, "police_notifications", 2, "family_id", "F77")
    p = only(validate_extract(extract), "foreign_key")
    assert (p.file, p.column, p.rows) == ("police_notifications.csv", "family_id", (2,))


def test_date_after_extract_date(extract: Path) -> None:
    set_cell(extract, "police_notifications", 2, "incident_date", "2024-09-01")  # extract 2024-08-31
    p = only(validate_extract(extract), "date_range")
    assert (p.file, p.column, p.rows) == ("police_notifications.csv", "incident_date", (2,))
    assert "after the extract date 2024-08-31" in p.message
    assert "2024-09-01" not in p.message  # dates are not echoed


def test_date_before_1990(extract: Path) -> None:
    set_cell(extract, "exclusions", 2, "start_date", "1900-01-01")
    p = only(validate_extract(extract), "date_range")
    assert (p.file, p.column, p.rows) == ("exclusions.csv", "start_date", (2,))
    assert "before 1990-01-01" in p.message


def test_overlapping_lac_episodes_name_child_and_episodes(extract: Path) -> None:
    set_cell(extract, "social_care", 6, "start_date", "2021-05-01")  # E005 runs to 2021-09-01
    p = only(validate_extract(extract), "lac_overlap")
    assert (p.file, p.rows) == ("social_care.csv", (6,))
    assert "'P004'" in p.message and "'E005'" in p.message and "'E006'" in p.message


def test_open_lac_episode_overlaps_any_later_one(extract: Path) -> None:
    set_cell(extract, "social_care", 5, "end_date", "")  # E005 never ends, E006 starts later
    p = only(validate_extract(extract), "lac_overlap")
    assert p.rows == (6,)


def test_lac_episodes_that_touch_do_not_overlap(extract: Path) -> None:
    set_cell(extract, "social_care", 6, "start_date", "2021-09-01")  # the day E005 ends
    assert validate_extract(extract).ok


def test_factors_on_a_non_assessment_row(extract: Path) -> None:
    set_cell(extract, "social_care", 4, "factors", "NEG")  # E004 is a CIN plan
    p = only(validate_extract(extract), "factors_not_assessment")
    assert (p.file, p.column, p.rows) == ("social_care.csv", "factors", (4,))
    assert "CIN_PLAN" in p.message


def test_unknown_factor_code(extract: Path) -> None:
    set_cell(extract, "social_care", 3, "factors", "DA; XYZ;PMH")
    p = only(validate_extract(extract), "factors_code")
    assert (p.file, p.column, p.rows) == ("social_care.csv", "factors", (3,))
    assert "'XYZ'" in p.message and "'DA'" not in p.message


def test_many_bad_rows_list_the_first_five_and_the_count(extract: Path) -> None:
    for row in range(1, 8):
        set_cell(extract, "attendance", row, "term", "AUTUMN")
    p = only(validate_extract(extract), "code")
    assert p.rows == (1, 2, 3, 4, 5) and p.n_rows == 7
    assert "7 rows in all" in p.message and "'AUTUMN' (7 rows)" in p.message


def test_long_values_are_cut_short_in_messages(extract: Path) -> None:
    secret = "Some free text about a family that must never be echoed in full"
    set_cell(extract, "pupils", 1, "eal", secret)
    p = only(validate_extract(extract), "code")
    assert secret not in p.message and secret[:10] in p.message


def test_every_problem_is_reported_at_once(extract: Path) -> None:
    set_cell(extract, "pupils", 2, "sex", "Q")
    set_cell(extract, "exclusions", 1, "sessions", "lots")
    set_cell(extract, "social_care", 1, "pupil_id", "P404")
    (extract / "police_notifications.csv").write_bytes(b"\x00\x01\x02")
    report = validate_extract(extract)
    found = {(p.file, p.rule) for p in report.errors}
    assert found == {
        ("pupils.csv", "code"),
        ("exclusions.csv", "type"),
        ("social_care.csv", "foreign_key"),
        ("police_notifications.csv", "not_a_table"),
    }
    assert report.status("pupils") == "errors" and report.status("attendance") == "ok"


_KEY_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "ab", None]),
        st.one_of(st.integers(0, 3), st.integers(-(2**40), 2**40)),  # small and huge ranges of numbers
        st.sampled_from([dt.date(2020, 1, 1), dt.date(2021, 5, 6), None]),
    ),
    min_size=1,
    max_size=25,
)


def _assert_codes_match(rows: list[tuple]) -> None:
    table = pa.table(
        {
            "s": pa.array([r[0] for r in rows], pa.string()),
            "i": pa.array([r[1] for r in rows], pa.int64()),
            "d": pa.array([r[2] for r in rows], pa.date32()),
        }
    )
    codes = key_codes(table, ("s", "i", "d"))
    for a, b in itertools.combinations(range(len(rows)), 2):
        assert (codes[a] == codes[b]) == (rows[a] == rows[b]), (rows[a], rows[b])


@given(_KEY_ROWS)
@settings(max_examples=60, deadline=None)
def test_key_codes_are_equal_exactly_when_key_values_are(rows: list[tuple]) -> None:
    _assert_codes_match(rows)


@given(_KEY_ROWS)
@settings(max_examples=30, deadline=None)
def test_key_codes_stay_exact_when_renumbered_to_avoid_overflow(rows: list[tuple]) -> None:
    with mock.patch.object(tablechecks, "_CODE_LIMIT", 8):  # forces the dense renumbering path
        _assert_codes_match(rows)


def test_progress_is_reported_up_to_the_total(extract: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    assert validate_extract(extract, progress=lambda what, done, total: seen.append((what, done, total))).ok
    assert any("pupils.csv" in what for what, _, _ in seen)
    assert all(0 <= done <= total for _, done, total in seen)
    assert seen[-1][1] == seen[-1][2]


def test_birth_month_placeholder_is_implausible_but_an_older_sibling_is_not(extract: Path) -> None:
    set_cell(extract, "pupils", 2, "birth_month", "1985-03")  # an older sibling
    set_cell(extract, "pupils", 3, "birth_month", "1900-01")  # a placeholder
    p = only(validate_extract(extract), "date_range")
    assert (p.file, p.column, p.rows) == ("pupils.csv", "birth_month", (3,))
