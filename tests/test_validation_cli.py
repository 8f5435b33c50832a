"""`ontrack validate`: a summary per table, every problem, exit 0 when clean and 2 otherwise."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ontrack_model.cli import app
from ontrack_model.validation.sample import write_sample_extract


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), terminal_width=200)


def test_clean_extract_exits_0_with_a_summary(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x")
    result = run("validate", "--data", str(directory))
    assert result.exit_code == 0, result.output
    for table in ("pupils", "school_census", "attendance", "social_care"):
        assert table in result.output
    assert "passes the data contract" in result.output


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x")
    (directory / "notes.txt").write_text("a stray file")
    result = run("validate", "--data", str(directory))
    assert result.exit_code == 0, result.output
    assert "unknown_file" in result.output and "1 warning(s)" in result.output


def test_broken_extract_exits_2_listing_problems_without_traceback(tmp_path: Path) -> None:
    directory = write_sample_extract(tmp_path / "x")
    path = directory / "social_care.csv"
    path.write_text(path.read_text().replace("E006,P004,LAC,2022-03-01", "E006,P004,LAC,2021-03-01"))
    (directory / "pupils.csv").write_bytes(b"\x00\x01")
    result = run("validate", "--data", str(directory))
    assert result.exit_code == 2
    assert "lac_overlap" in result.output and "pupils.csv" in result.output and "not_a_table" in result.output
    assert "breaks the data contract" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an uncaught error


def test_missing_directory_exits_2_without_traceback(tmp_path: Path) -> None:
    result = run("validate", "--data", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "not a directory" in result.output and "Traceback" not in result.output


def test_help_explains_the_option() -> None:
    result = run("validate", "--help")
    assert result.exit_code == 0 and "--data" in result.output and "manifest.json" in result.output
