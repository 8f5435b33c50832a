"""Load a validated extract as typed pandas tables (the convention of `ontrack_model.extract`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ontrack_model.errors import DataContractError
from ontrack_model.extract import Extract
from ontrack_model.schema import MANIFEST_FILE, Table
from ontrack_model.validation.engine import ALL_TABLES, ProgressFn, run
from ontrack_model.validation.report import ValidationReport

_INT64 = {pa.int64(): pd.Int64Dtype()}.get


def to_frame(data: pa.Table, table: Table) -> pd.DataFrame:
    """A checked Arrow table as a pandas frame: dates datetime64[ns], ints int64 (Int64 if optional)."""
    nullable_ints = [c.name for c in table.columns if c.type == "int" and not c.required]
    arrays = {}
    for col in table.columns:
        arr = data[col.name]
        arrays[col.name] = arr.cast(pa.timestamp("ns")) if col.type == "date" else arr
    plain = pa.table({k: v for k, v in arrays.items() if k not in nullable_ints})
    frame = plain.to_pandas(split_blocks=True, self_destruct=True)
    del plain
    for name in nullable_ints:
        frame[name] = arrays[name].to_pandas(types_mapper=_INT64)
    return frame[table.column_names]


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def contract_error(report: ValidationReport) -> DataContractError:
    """A DataContractError whose message lists every error and warning of the report."""
    lines = [report.summary()]
    lines += [f"- {p.message}" for p in report.errors]
    if report.warnings:
        lines.append("Warnings (these alone would not stop loading):")
        lines += [f"- {p.message}" for p in report.warnings]
    return DataContractError("\n".join(lines), problems=report.problems)


def load_extract(
    data_dir: str | Path,
    *,
    tables: Iterable[str] | None = None,
    progress: ProgressFn | None = None,
) -> Extract:
    """The extract in `data_dir`, checked and typed; DataContractError listing every problem if any.

    `tables` limits loading to those tables (their foreign-key targets are still checked).
    Fingerprints are keyed by file name, manifest.json included. The `truth/` folder is never read.
    """
    asked = list(tables) if tables is not None else list(ALL_TABLES)
    result = run(data_dir, asked, progress)
    if not result.report.ok or result.manifest is None:
        raise contract_error(result.report)
    frames: dict[str, pd.DataFrame] = {}
    fingerprints = {MANIFEST_FILE: file_sha256(Path(data_dir) / MANIFEST_FILE)}
    for name in asked:
        if name not in result.data:  # an optional table the extract does not have
            continue
        # Hand the Arrow table over so its memory is released as the frame is built.
        frames[name] = to_frame(result.data.pop(name), ALL_TABLES[name])
        path = result.paths[name]
        fingerprints[path.name] = file_sha256(path)
    return Extract(manifest=result.manifest, tables=frames, fingerprints=fingerprints)
