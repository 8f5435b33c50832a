"""Loading: typed frames per extract.py's convention, CSV and Parquet alike, or a clear refusal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ontrack_model.errors import DataContractError
from ontrack_model.extract import Extract
from ontrack_model.schema import Table
from ontrack_model.validation import load_extract, validate_extract
from ontrack_model.validation.engine import ALL_TABLES
from ontrack_model.validation.sample import sample_tables, write_sample_extract


def expected_dtype(table: Table, column: str) -> str:
    """The dtype extract.py's typing convention promises for a column."""
    col = table.column(column)
    if col.type == "date":
        return "datetime64[ns]"
    if col.type == "int":
        return "int64" if col.required else "Int64"
    if col.type == "float":
        return "float64"
    return "str"


def assert_typed(extract: Extract) -> None:
    for name, frame in extract.tables.items():
        table = ALL_TABLES[name]
        assert list(frame.columns) == table.column_names
        for column in table.column_names:
            assert str(frame[column].dtype) == expected_dtype(table, column), (name, column)


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_valid_extract_loads_typed_and_equal_to_what_was_written(tmp_path: Path, file_format: str) -> None:
    directory = write_sample_extract(tmp_path / "x", file_format=file_format)
    extract = load_extract(directory)
    assert extract.manifest.extract_date.isoformat() == "2024-08-31"
    assert set(extract.tables) == set(ALL_TABLES)
    assert_typed(extract)
    for name, frame in sample_tables().items():
        pd.testing.assert_frame_equal(extract.table(name), frame, check_dtype=True)


def test_missing_values_stay_missing(tmp_path: Path) -> None:
    extract = load_extract(write_sample_extract(tmp_path / "x"))
    care = extract.table("social_care").set_index("episode_id")
    assert pd.isna(care.loc["E006", "end_date"]) and pd.isna(care.loc["E001", "factors"])
    assert care.loc["E003", "factors"] == "DA;PMH"
    items = extract.table("score15_responses")["item_3"]
    assert items.isna().tolist() == [False, True]


def test_fingerprints_are_sha256_of_each_file(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x")
    extract = load_extract(directory)
    files = {p.name for p in directory.iterdir()}
    assert set(extract.fingerprints) == files
    for name, digest in extract.fingerprints.items():
        assert digest == hashlib.sha256((directory / name).read_bytes()).hexdigest()


def test_tables_limits_what_is_returned(tmp_path: Path) -> None:
    extract = load_extract(write_sample_extract(tmp_path / "x"), tables=["exclusions"])
    assert set(extract.tables) == {"exclusions"}
    assert set(extract.fingerprints) == {"manifest.json", "exclusions.csv"}


def test_tables_still_checks_foreign_keys(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x")
    frame = sample_tables()["exclusions"]
    frame.loc[0, "pupil_id"] = "P999"
    frame.to_csv(directory / "exclusions.csv", index=False, date_format="%Y-%m-%d")
    with pytest.raises(DataContractError, match="P999"):
        load_extract(directory, tables=["exclusions"])


def test_unknown_table_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pupil"):
        load_extract(write_sample_extract(tmp_path / "x"), tables=["pupil"])


def test_broken_extract_raises_listing_every_problem(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x")
    (directory / "attendance.csv").unlink()
    path = directory / "pupils.csv"
    path.write_text(path.read_text().replace("WHIT", "WHITE", 1))
    with pytest.raises(DataContractError) as caught:
        load_extract(directory)
    message = str(caught.value)
    assert "attendance" in message and "'WHITE'" in message and "pupils.csv, column ethnicity" in message
    assert {p.rule for p in caught.value.problems} == {"file_missing", "code"}


def test_warnings_do_not_stop_loading(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x")
    path = directory / "exclusions.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    extract = load_extract(directory)
    assert extract.table("exclusions").empty
    assert_typed(extract)


def test_parquet_with_other_stored_types_is_converted(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x", file_format="parquet")
    census = sample_tables()["school_census"]
    table = pa.table(
        {
            "pupil_id": pa.array(census["pupil_id"].tolist()).dictionary_encode(),  # pandas categories
            "census_date": pa.array(census["census_date"].dt.strftime("%Y-%m-%d").tolist()),  # text dates
            "school_id": pa.array(census["school_id"].tolist()),
            "borough": pa.array(census["borough"].tolist()).dictionary_encode(),
            "year_group": pa.array(census["year_group"].astype("float64").tolist()),  # 5.0
            "fsm": pa.array(census["fsm"].tolist()),
            "sen_status": pa.array(census["sen_status"].tolist()),
        }
    )
    pq.write_table(table, directory / "school_census.parquet")
    extract = load_extract(directory)
    pd.testing.assert_frame_equal(extract.table("school_census"), census)


def test_parquet_bad_cells_are_reported_by_row(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x", file_format="parquet")
    frame = sample_tables()["exclusions"]
    frame["start_date"] = ["2024-02-01", "11/03/2024"]
    frame["sessions"] = [2.0, 2.5]
    frame.to_parquet(directory / "exclusions.parquet", index=False)
    report = validate_extract(directory)
    found = {(p.file, p.column, p.rule, p.rows) for p in report.problems}
    assert found == {
        ("exclusions.parquet", "start_date", "type", (2,)),
        ("exclusions.parquet", "sessions", "type", (2,)),
    }
    assert all("row 1 is the file's first row" in p.message for p in report.problems)


def test_parquet_column_of_an_unusable_type_is_reported_not_raised(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x", file_format="parquet")
    table = pq.read_table(directory / "police_notifications.parquet")
    lists = pa.array([["Y"], ["N"]], pa.list_(pa.string()))
    table = table.set_column(table.schema.get_field_index("children_present"), "children_present", lists)
    pq.write_table(table, directory / "police_notifications.parquet")
    report = validate_extract(directory)
    assert [(p.file, p.column, p.rule) for p in report.errors] == [
        ("police_notifications.parquet", "children_present", "type")
    ]


def test_synthetic_world_validates_clean_and_loads_typed(world_dir: Path) -> None:
    report = validate_extract(world_dir)
    assert report.ok and report.problems == [], str(report)
    extract = load_extract(world_dir)
    assert extract.manifest.synthetic is True
    assert_typed(extract)
    assert {name: len(frame) for name, frame in extract.tables.items()} == report.tables


def test_parquet_whole_numbers_stored_as_floats_with_nan(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x", file_format="parquet")
    frame = sample_tables()["score15_responses"]
    items = [c for c in frame.columns if c.startswith("item_")]
    frame[items] = frame[items].astype("float64")  # NaN where an item was not answered
    frame["age"] = [38.0, float("nan")]
    frame.to_parquet(directory / "score15_responses.parquet", index=False)
    report = validate_extract(directory)
    assert [(p.column, p.rule, p.rows) for p in report.errors] == [("age", "required", (2,))]
