"""Find an extract's table files and read them in batches: CSV (UTF-8, header) or Parquet.

CSV cells are read as text so that a bad cell can be reported rather than guessed at; Parquet
columns keep their stored types and are checked against the contract in `cells.py`. Only the
top level of the extract directory is listed: the synthetic world's `truth/` is never opened.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from ontrack_model.schema import MANIFEST_FILE, Table
from ontrack_model.validation.findings import Findings

FORMATS = (".csv", ".parquet")
TABLE_LIKE = (*FORMATS, ".xlsx", ".xls", ".tsv", ".txt", ".json", ".pq")
CSV_BLOCK_BYTES = 32 << 20  # one batch; bounds the memory held as raw text at any time
PARQUET_BATCH_ROWS = 500_000
SNIFF_BYTES = 64 << 10

Progress = Callable[[int], None]  # told the bytes of the current file read so far


class UnreadableFileError(Exception):
    """The file cannot be read as a table at all; `rule` and `detail` say why."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


@dataclass
class TableFiles:
    """Where each contract table is, and what is wrong with the directory's files."""

    paths: dict[str, Path] = field(default_factory=dict)
    findings: list[Findings] = field(default_factory=list)


def locate_tables(data_dir: Path, tables: dict[str, Table]) -> TableFiles:
    """Find `<table>.csv` or `<table>.parquet` for each table; note missing, doubled and stray files."""
    found = TableFiles()
    entries = {p.name: p for p in data_dir.iterdir() if p.is_file()} if data_dir.is_dir() else {}
    for name, table in tables.items():
        candidates = [entries[name + ext] for ext in FORMATS if name + ext in entries]
        if len(candidates) == 2:
            f = Findings(candidates[0].name, name)
            f.whole(
                None,
                "two_formats",
                f"both {candidates[0].name} and {candidates[1].name} exist; keep only one of them so "
                "it is clear which holds the extract",
            )
            found.findings.append(f)
        elif candidates:
            found.paths[name] = candidates[0]
        elif not table.optional:
            f = Findings(f"{name}.csv", name)
            f.whole(
                None,
                "file_missing",
                f"the table {name} is missing: expected {name}.csv or {name}.parquet in {data_dir}",
            )
            found.findings.append(f)
    expected = {t + ext for t in tables for ext in FORMATS}
    for file_name, path in sorted(entries.items()):
        if file_name in expected or file_name == MANIFEST_FILE:
            continue
        if path.suffix.lower() in TABLE_LIKE:
            f = Findings(file_name, None)
            f.whole(None, "unknown_file", _stray_hint(path, tables), severity="warning")
            found.findings.append(f)
    return found


def _stray_hint(path: Path, tables: dict[str, Table]) -> str:
    stem, suffix = path.stem.lower(), path.suffix.lower()
    if stem in tables and suffix in FORMATS:
        return f"this file is ignored: file names are lower case, rename it {stem}{suffix}"
    if stem in tables:
        return f"this file is ignored: save the table {stem} as {stem}.csv (UTF-8) or {stem}.parquet"
    return "this file is not a table of the data contract and is ignored"


# --- CSV ---------------------------------------------------------------------------------------


def sniff_csv(path: Path) -> None:
    """Raise UnreadableFileError when the start of a .csv file shows it is not CSV text at all."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if not head:
        raise UnreadableFileError(
            "empty_file", "the file is empty (0 bytes): it needs a header line and rows"
        )
    if head.startswith(b"PAR1"):
        raise UnreadableFileError("not_a_table", "this is a Parquet file named .csv; rename it .parquet")
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFileError(
            "not_a_table", "this looks like an Excel workbook, not CSV text; save it as 'CSV UTF-8'"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFileError(
            "encoding", "the file is UTF-16 text (Excel 'Unicode text'); save it as 'CSV UTF-8'"
        )
    zero = head.find(b"\x00")
    if zero >= 0:
        raise UnreadableFileError(
            "not_a_table", f"the file is binary, not CSV text (a zero byte at byte {zero})"
        )
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"{", b"["):
        raise UnreadableFileError("not_a_table", "the file holds JSON, not CSV text with a header line")


def read_header(path: Path) -> list[str]:
    """The column names on the first line of a CSV file, stripped of spaces and any BOM."""
    with path.open("rb") as fh:
        first = fh.readline(1 << 20)
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            "encoding",
            f"the header line is not UTF-8 (byte {exc.start}, value 0x{first[exc.start]:02X}); "
            "save the file as 'CSV UTF-8'",
        ) from None
    row = next(csv.reader([line.rstrip("\r\n")]), [])
    return [name.strip() for name in row]


def find_bad_utf8(path: Path) -> tuple[int, int, int] | None:
    """(line, byte offset, byte value) of the first byte that is not valid UTF-8, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with path.open("rb") as fh:
        while chunk := fh.read(16 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # The decoder may hold a few bytes from the previous chunk; exc.start counts from them.
                pending = len(exc.object) - len(chunk)
                bad = exc.start - pending
                line += chunk.count(b"\n", 0, max(bad, 0))
                return line, offset + bad, exc.object[exc.start]
            offset += len(chunk)
            line += chunk.count(b"\n")
    return None


def _unique(names: list[str]) -> list[str]:
    """Names made unique so a header repeating a column can still be read (the repeat is reported)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} (repeat {seen[name]})")
    return out


@dataclass
class CsvReader:
    """Reads the wanted columns of a CSV file as text batches, counting ragged lines."""

    path: Path
    header: list[str]
    columns: list[str]  # contract columns present in the header, read in this order
    ragged: int = 0

    def batches(self, progress: Progress | None = None) -> Iterator[pa.RecordBatch]:
        """Batches of text columns, empty cells as null; UnreadableFileError if the file is not UTF-8."""
        names = _unique(self.header)

        def skip_ragged(_row: pv.InvalidRow) -> str:
            self.ragged += 1
            return "skip"

        stream = pa.OSFile(str(self.path))
        try:
            reader = pv.open_csv(
                stream,
                read_options=pv.ReadOptions(column_names=names, skip_rows=1, block_size=CSV_BLOCK_BYTES),
                parse_options=pv.ParseOptions(invalid_row_handler=skip_ragged),
                convert_options=pv.ConvertOptions(
                    column_types={c: pa.string() for c in self.columns},
                    include_columns=self.columns,
                    strings_can_be_null=True,
                    null_values=[""],
                    quoted_strings_can_be_null=True,
                ),
            )
            done = 0
            for batch in reader:
                # Arrow reads ahead, so the file position says little; each batch is about one block.
                done += CSV_BLOCK_BYTES
                if progress:
                    progress(done)
                yield batch
        except pa.ArrowInvalid as exc:
            raise _csv_error(self.path, exc) from None
        finally:
            stream.close()


def _csv_error(path: Path, exc: Exception) -> UnreadableFileError:
    if "UTF8" in str(exc) or "UTF-8" in str(exc):
        where = find_bad_utf8(path)
        if where is not None:
            line, byte, value = where
            return UnreadableFileError(
                "encoding",
                f"the file is not UTF-8: the first bad byte is on line {line} (byte offset {byte} from the "
                f"start of the file, value 0x{value:02X}); it was probably saved as Windows-1252 or "
                "Latin-1: save it as 'CSV UTF-8'",
            )
    # Arrow's message may quote a line of the file, so only its kind is reported.
    return UnreadableFileError("not_a_table", "the file cannot be parsed as CSV with a header line")


def ragged_lines(path: Path, n_fields: int, limit: int = 5) -> list[int]:
    """The first `limit` line numbers whose field count differs from the header's."""
    lines: list[int] = []

    def note(row: pv.InvalidRow) -> str:
        if len(lines) < limit and row.number is not None:
            lines.append(int(row.number))
        return "skip"

    # Single-threaded so that Arrow reports line numbers; only run when ragged lines were found.
    opts = pv.ReadOptions(use_threads=False, column_names=[f"c{i}" for i in range(n_fields)], skip_rows=1)
    reader = pv.open_csv(
        str(path),
        read_options=opts,
        parse_options=pv.ParseOptions(invalid_row_handler=note),
        convert_options=pv.ConvertOptions(
            column_types={f"c{i}": pa.string() for i in range(n_fields)}, include_columns=["c0"]
        ),
    )
    for _ in reader:
        if len(lines) >= limit:
            break
    return lines  # Arrow counts the skipped header line too, so these are the file's line numbers


# --- Parquet -----------------------------------------------------------------------------------


def parquet_file(path: Path) -> pq.ParquetFile:
    """The open Parquet file; UnreadableFileError when it is not valid Parquet."""
    if path.stat().st_size == 0:
        raise UnreadableFileError("empty_file", "the file is empty (0 bytes)")
    try:
        return pq.ParquetFile(str(path))
    except (pa.ArrowException, OSError) as exc:
        kind = type(exc).__name__
        raise UnreadableFileError(
            "unreadable_parquet", f"the file cannot be read as Parquet ({kind})"
        ) from None


def parquet_batches(
    pf: pq.ParquetFile, columns: list[str], size: int, progress: Progress | None = None
) -> Iterator[pa.RecordBatch]:
    """Batches of the wanted columns in their stored types (progress in bytes of a file of `size`)."""
    total = max(pf.metadata.num_rows, 1)
    done = 0
    try:
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            done += batch.num_rows
            if progress:
                progress(int(size * done / total))
            yield batch
    except (pa.ArrowException, OSError) as exc:
        kind = type(exc).__name__
        raise UnreadableFileError("unreadable_parquet", f"the file's data cannot be read ({kind})") from None
