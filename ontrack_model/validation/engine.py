"""Run every check of the data contract over an extract directory, keeping the typed tables.

`validate_extract` and `load_extract` share this one pass, so loading never reads a file twice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ontrack_model.extract import Manifest
from ontrack_model.schema import FOREIGN_KEYS, SCORE15_RESPONSES, SOCIAL_CARE, TABLES, Table
from ontrack_model.validation import reading
from ontrack_model.validation.cells import TARGETS, Batch, check_column
from ontrack_model.validation.findings import Findings
from ontrack_model.validation.manifest import read_manifest
from ontrack_model.validation.relations import check_factors, check_foreign_keys, check_lac_overlaps
from ontrack_model.validation.report import ValidationReport
from ontrack_model.validation.tablechecks import check_table

ALL_TABLES: dict[str, Table] = {**TABLES, SCORE15_RESPONSES.name: SCORE15_RESPONSES}
MUST_HAVE_ROWS = ("pupils", "school_census", "attendance")
"""Tables without which no cohort can be built: a header-only file is an error, not a warning."""

ProgressFn = Callable[[str, int, int], None]  # (what is being done, bytes done, bytes in all)


@dataclass
class Pass:
    """The outcome of one validation pass: the report and the typed tables that could be read."""

    report: ValidationReport
    data: dict[str, pa.Table] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    manifest: Manifest | None = None


def wanted_tables(tables: Iterable[str] | None) -> dict[str, Table]:
    """The contract tables asked for, plus the tables their foreign keys refer to."""
    if tables is None:
        return dict(ALL_TABLES)
    names = list(tables)
    unknown = [n for n in names if n not in ALL_TABLES]
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; the contract has {', '.join(ALL_TABLES)}")
    needed = set(names) | {parent for child, _, parent, _ in FOREIGN_KEYS if child in names}
    return {n: t for n, t in ALL_TABLES.items() if n in needed}


def _check_header(header: list[str], table: Table, findings: Findings) -> list[str]:
    """Report repeated, missing and unexpected columns; return the contract columns present."""
    for name, n in Counter(header).items():
        if n > 1:
            findings.whole(name, "duplicate_column", f"the header names column {name} {n} times")
    missing = [c for c in table.column_names if c not in header]
    extra = [c for c in header if c not in table.column_names]
    lowered = {c.lower().replace(" ", "_"): c for c in extra}
    for name in missing:
        hint = f" (the header has {lowered[name]!r}: names are lower case)" if name in lowered else ""
        findings.whole(name, "missing_column", f"the required column {name} is missing{hint}")
    if extra:
        findings.whole(
            None,
            "extra_column",
            f"unexpected column(s) {', '.join(repr(c[:30]) for c in extra)} are ignored",
            severity="warning",
        )
    return [c for c in table.column_names if c in header]


def read_table(
    path: Path, table: Table, extract_date: dt.date | None, progress: reading.Progress | None = None
) -> tuple[pa.Table | None, Findings]:
    """Read and check one table file; the typed table is None when the file cannot be read."""
    findings = Findings(path.name, table.name)
    try:
        if path.suffix == ".csv":
            reading.sniff_csv(path)
            header = reading.read_header(path)
            csv_reader: reading.CsvReader | None = reading.CsvReader(path, header, [])
        else:
            pf = reading.parquet_file(path)
            header = pf.schema_arrow.names
            csv_reader = None
        present = _check_header(header, table, findings)
        if not present:
            findings.whole(
                None,
                "not_a_table",
                "the header has none of the contract's columns: is this the right file, with a "
                "header line, separated by commas?",
            )
            return None, findings
        if csv_reader is not None:
            csv_reader.columns = present
            batches = csv_reader.batches(progress)
        else:
            batches = reading.parquet_batches(pf, present, path.stat().st_size, progress)
        typed, offset = [], 0
        for raw in batches:
            batch = Batch(findings, offset, extract_date)
            arrays = [
                check_column(raw.column(i), table.column(name), batch) for i, name in enumerate(present)
            ]
            typed.append(pa.RecordBatch.from_arrays(arrays, names=present))
            offset += raw.num_rows
    except reading.UnreadableFileError as exc:
        findings.whole(None, exc.rule, exc.detail)
        return None, findings
    except OSError as exc:  # permissions, a file removed while reading, ...
        findings.whole(
            None, "unreadable_file", f"the file cannot be read ({exc.strerror or type(exc).__name__})"
        )
        return None, findings
    if csv_reader is not None and csv_reader.ragged:
        lines = reading.ragged_lines(path, len(header))
        findings.whole(
            None,
            "ragged_lines",
            f"{csv_reader.ragged} line(s) have a different number of fields from the header (first at "
            f"line(s) {', '.join(map(str, lines))}); they were skipped, so row numbers in this file's other "
            "problems count only the well-formed lines",
        )
    data = pa.Table.from_batches(typed) if typed else _empty(table, present)
    if data.num_rows == 0:
        must = table.name in MUST_HAVE_ROWS
        findings.whole(
            None,
            "no_rows",
            "the file has a header but no rows" + (": this table cannot be empty" if must else ""),
            severity="error" if must else "warning",
        )
    check_table(data, table, findings)
    return data, findings


def _empty(table: Table, present: list[str]) -> pa.Table:
    return pa.table({c: pa.array([], TARGETS.get(table.column(c).type, pa.string())) for c in present})


def run(
    data_dir: str | Path, tables: Iterable[str] | None = None, progress: ProgressFn | None = None
) -> Pass:
    """Check the extract in `data_dir` against the contract, collecting every problem."""
    data_dir = Path(data_dir)
    wanted = wanted_tables(tables)
    report = ValidationReport(data_dir=data_dir)
    result = Pass(report=report)
    if not data_dir.is_dir():
        f = Findings(str(data_dir), None)
        f.whole(None, "no_directory", "this is not a directory holding an extract")
        report.problems += f.problems()
        return result
    manifest, problems = read_manifest(data_dir)
    report.problems += problems
    result.manifest = manifest
    # Without a usable manifest (already reported) dates are still checked against 1990.
    extract_date = manifest.extract_date if manifest else None

    located = reading.locate_tables(data_dir, wanted)
    for f in located.findings:
        report.problems += f.problems()
    sizes = {name: p.stat().st_size for name, p in located.paths.items()}
    total, done = max(sum(sizes.values()), 1), 0
    findings: dict[str, Findings] = {}
    for name, path in located.paths.items():

        def tell(n: int, _file: str = path.name, _size: int = sizes[name], _done: int = done) -> None:
            if progress:
                progress(f"Checking {_file}", _done + min(n, _size), total)

        tell(0)
        data, findings[name] = read_table(path, wanted[name], extract_date, tell)
        done += sizes[name]
        report.files[name] = path.name
        result.paths[name] = path
        if data is not None:
            result.data[name] = data
            report.tables[name] = data.num_rows
    if progress:
        progress("Checking keys across tables", total, total)
    check_foreign_keys(result.data, findings, report.files)
    if SOCIAL_CARE.name in result.data:
        check_factors(result.data[SOCIAL_CARE.name], findings[SOCIAL_CARE.name])
        check_lac_overlaps(result.data[SOCIAL_CARE.name], findings[SOCIAL_CARE.name])
    for f in findings.values():
        report.problems += f.problems()
    return result
