"""Files and the manifest: missing, doubled, empty, wrongly encoded or not a table at all."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ontrack_model.errors import DataContractError
from ontrack_model.validation import Problem, ValidationReport, load_manifest, validate_extract
from ontrack_model.validation.sample import write_sample_extract


@pytest.fixture()
def extract(tmp_path: Path) -> Path:
    """A small valid extract (hand-written rows, every table, a manifest) in CSV."""
    return write_sample_extract(tmp_path / "extract")


def only(report: ValidationReport, rule: str) -> Problem:
    found = [p for p in report.problems if p.rule == rule]
    assert len(found) == 1, str(report)
    return found[0]


def test_missing_manifest(extract: Path) -> None:
    (extract / "manifest.json").unlink()
    report = validate_extract(extract)
    p = only(report, "manifest_missing")
    assert p.file == "manifest.json" and p.severity == "error" and "extract_date" in p.message
    assert not report.ok


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("{not json", "manifest_not_json"),
        ("[1, 2]", "manifest_not_json"),
        ('{"description": "no date"}', "extract_date"),
        ('{"extract_date": "31/08/2024"}', "extract_date"),
        ('{"extract_date": "2024-02-30"}', "extract_date"),
    ],
)
def test_bad_manifest(extract: Path, text: str, rule: str) -> None:
    (extract / "manifest.json").write_text(text, encoding="utf-8")
    p = only(validate_extract(extract), rule)
    assert p.file == "manifest.json" and p.severity == "error"
    with pytest.raises(DataContractError, match="manifest.json"):
        load_manifest(extract)


def test_manifest_fields_and_extras_are_kept(extract: Path) -> None:
    manifest = {"extract_date": "2024-08-31", "boroughs": ["LBHF"], "seed": 7, "scale": "tiny"}
    (extract / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    loaded = load_manifest(extract)
    assert loaded.extract_date == dt.date(2024, 8, 31)
    assert loaded.boroughs == ("LBHF",) and loaded.synthetic is False
    assert loaded.extra == {"seed": 7, "scale": "tiny"}


def test_missing_table_file(extract: Path) -> None:
    (extract / "attendance.csv").unlink()
    report = validate_extract(extract)
    p = only(report, "file_missing")
    assert p.table == "attendance" and "attendance.csv or attendance.parquet" in p.message
    assert report.status("attendance") == "errors"


def test_optional_table_may_be_absent(extract: Path) -> None:
    (extract / "score15_responses.csv").unlink()
    report = validate_extract(extract)
    assert report.ok and report.problems == []
    assert "score15_responses" not in report.tables


def test_csv_and_parquet_of_one_table(extract: Path) -> None:
    (extract / "exclusions.parquet").write_bytes(b"PAR1")
    p = only(validate_extract(extract), "two_formats")
    assert p.table == "exclusions" and "exclusions.parquet" in p.message


def test_zero_byte_file(extract: Path) -> None:
    (extract / "exclusions.csv").write_bytes(b"")
    p = only(validate_extract(extract), "empty_file")
    assert (p.file, p.severity) == ("exclusions.csv", "error")


def test_header_only_event_table_is_a_warning(extract: Path) -> None:
    path = extract / "exclusions.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    report = validate_extract(extract)
    p = only(report, "no_rows")
    assert (p.file, p.severity) == ("exclusions.csv", "warning")
    assert report.ok and report.tables["exclusions"] == 0


def test_header_only_pupils_is_an_error(extract: Path) -> None:
    path = extract / "pupils.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    report = validate_extract(extract)
    p = only(report, "no_rows")
    assert (p.file, p.severity) == ("pupils.csv", "error")
    # Every child row now points at an unknown pupil.
    assert any(q.rule == "foreign_key" and q.file == "social_care.csv" for q in report.problems)


def test_non_utf8_file_names_line_and_byte(extract: Path) -> None:
    path = extract / "pupils.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"BLAC", b"BL\xc9C")  # Latin-1 capital E acute
    path.write_bytes(b"\n".join(lines))
    p = only(validate_extract(extract), "encoding")
    assert p.file == "pupils.csv" and p.severity == "error"
    assert "line 4" in p.message and "0xC9" in p.message
    offset = sum(len(x) + 1 for x in lines[:3]) + lines[3].index(b"\xc9")
    assert f"byte offset {offset} " in p.message


def test_utf16_file_is_named_as_such(extract: Path) -> None:
    path = extract / "pupils.csv"
    path.write_bytes(path.read_text().encode("utf-16"))
    p = only(validate_extract(extract), "encoding")
    assert "UTF-16" in p.message


def test_utf8_byte_order_mark_is_accepted(extract: Path) -> None:
    path = extract / "pupils.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert validate_extract(extract).ok


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b'[{"pupil_id": "P001"}]', "JSON"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel"),
        (b"PAR1\x15\x04", "Parquet"),
    ],
)
def test_file_that_is_not_a_table(extract: Path, content: bytes, says: str) -> None:
    (extract / "police_notifications.csv").write_bytes(content)
    report = validate_extract(extract)
    p = only(report, "not_a_table")
    assert p.file == "police_notifications.csv" and says in p.message
    assert report.status("police_notifications") == "errors"


def test_text_without_contract_columns_is_not_a_table(extract: Path) -> None:
    (extract / "exclusions.csv").write_text("Dear analyst,\nplease find attached\n")
    p = only(validate_extract(extract), "not_a_table")
    assert p.file == "exclusions.csv"


def test_ragged_lines_are_reported_by_line_number(extract: Path) -> None:
    path = extract / "attendance.csv"
    lines = path.read_text().splitlines()
    lines[2] += ",extra"
    lines[5] = "P005,S03"
    path.write_text("\n".join(lines) + "\n")
    p = only(validate_extract(extract), "ragged_lines")
    assert p.file == "attendance.csv" and "2 line(s)" in p.message and "line(s) 3, 6" in p.message


def test_unreadable_parquet(extract: Path) -> None:
    (extract / "exclusions.csv").unlink()
    (extract / "exclusions.parquet").write_bytes(b"this is not parquet at all")
    p = only(validate_extract(extract), "unreadable_parquet")
    assert (p.file, p.table, p.severity) == ("exclusions.parquet", "exclusions", "error")


def test_stray_table_like_file_is_a_warning(extract: Path) -> None:
    (extract / "Pupils.xlsx").write_bytes(b"PK\x03\x04")
    report = validate_extract(extract)
    p = only(report, "unknown_file")
    assert p.severity == "warning" and "pupils.csv" in p.message
    assert report.ok


def test_truth_directory_is_never_read(extract: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    truth = extract / "truth"
    truth.mkdir()
    (truth / "pupils.csv").write_bytes(b"\x00garbage")
    (truth / "outcomes.parquet").write_bytes(b"not parquet")
    opened: list[str] = []
    real_open = Path.open

    def spy(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    report = validate_extract(extract)
    assert report.ok and report.problems == []
    assert opened and not any(name.startswith(str(truth)) for name in opened)


def test_directory_that_does_not_exist(tmp_path: Path) -> None:
    report = validate_extract(tmp_path / "nowhere")
    assert not report.ok and report.problems[0].rule == "no_directory"


def test_windows_line_endings_are_accepted(extract: Path) -> None:
    for path in extract.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert validate_extract(extract).ok
