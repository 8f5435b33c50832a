"""Check and convert one column of one batch: types, empty values, codes, ranges, plausible dates.

Each check first tries Arrow's strict whole-column conversion (fast when the data are clean) and
only looks for the offending cells when that fails, so clean national-scale extracts stay quick.
Converted columns: `date` -> date32, `int` -> int64, `float` -> float64, others -> string.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ontrack_model.schema import Column
from ontrack_model.validation.findings import Findings

EARLIEST_DATE = dt.date(1990, 1, 1)
"""Dates before this are implausible for a school and social-care extract (often a placeholder)."""
EARLIEST_MONTH = dt.date(1980, 1, 1)
"""Months (of birth) before this are implausible: older siblings may be born in the 1980s, but a
1900 or 1970 birth month is a placeholder."""

_INT = r"^[+-]?[0-9]{1,18}(\.0*)?$"  # "3.0" is a whole number written by a spreadsheet
_FLOAT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


TARGETS = {"date": pa.date32(), "int": pa.int64(), "float": pa.float64()}


@dataclass
class Batch:
    """Where a batch sits in its file, and what the checks need to know about the extract."""

    findings: Findings
    offset: int  # data rows of the file before this batch
    extract_date: dt.date | None


def positions(mask: pa.Array | pa.ChunkedArray, offset: int = 0) -> np.ndarray:
    """0-based row positions (plus `offset`) where a boolean mask is true (null counts as false)."""
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.flatnonzero(filled.to_numpy(zero_copy_only=False)) + offset


def _values(arr: pa.Array, mask: pa.Array) -> Counter:
    """How often each offending value occurs (for the message)."""
    counts = pc.value_counts(arr.filter(pc.fill_null(mask, False)))
    return Counter({str(v["values"]): int(v["counts"]) for v in counts.to_pylist()})


def _text(arr: pa.Array) -> pa.Array:
    """The column as text: Parquet may store codes as categories or IDs as numbers."""
    if pa.types.is_string(arr.type):
        return arr
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr.cast(pa.string())


def _trimmed(arr: pa.Array) -> pa.Array:
    """Text without surrounding spaces, with cells that were only spaces made empty (null)."""
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _try_cast(arr: pa.Array, target: pa.DataType) -> pa.Array | None:
    try:
        return arr.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _flag(
    batch: Batch,
    col: Column,
    rule: str,
    mask: pa.Array,
    detail: str,
    values: pa.Array | None = None,
) -> None:
    """Record the rows of `mask` as breaking `rule` (with their values when they may be shown)."""
    pos = positions(mask, batch.offset)
    if pos.size:
        batch.findings.at_rows(
            col.name, rule, pos, detail, values=_values(values, mask) if values is not None else None
        )


def _parse(
    arr: pa.Array,
    col: Column,
    batch: Batch,
    pattern: str,
    target: pa.DataType,
    what: str,
) -> pa.Array:
    """Text -> `target`, flagging cells that do not match `pattern` or do not convert."""
    fast = _try_cast(arr, target)
    if fast is not None:
        return fast
    text = _trimmed(arr)
    ok = pc.match_substring_regex(text, pattern)
    if target == pa.date32():
        # The pattern admits 2023-02-30; Arrow's strict date cast decides, value by value.
        parsed = pc.strptime(
            pc.if_else(ok, text, pa.scalar(None, pa.string())),
            format="%Y-%m-%d",
            unit="s",
            error_is_null=True,
        )
        ok = pc.and_kleene(ok, pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text))
    elif pa.types.is_integer(target):
        text = pc.replace_substring_regex(text, r"\.0*$", "")
    bad = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(ok, False)))
    _flag(batch, col, "type", bad, f"{col.name} is not {what}: {{values}}", values=text)
    good = pc.if_else(pc.fill_null(ok, False), text, pa.scalar(None, pa.string()))
    return good.cast(target)


def _typed(arr: pa.Array, col: Column, batch: Batch) -> pa.Array:
    """The column converted to its contract type, flagging cells that cannot be."""
    t = arr.type
    if col.type == "date":
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return (pc.floor_temporal(arr, unit="day") if pa.types.is_timestamp(t) else arr).cast(pa.date32())
        return _parse(_text(arr), col, batch, _DATE, pa.date32(), "a date written YYYY-MM-DD")
    if col.type == "int":
        if pa.types.is_integer(t):
            return arr.cast(pa.int64())
        if pa.types.is_floating(t):
            whole = pc.equal(pc.floor(arr), arr)
            _flag(batch, col, "type", pc.invert(whole), f"{col.name} is not a whole number: {{values}}", arr)
            return pc.if_else(whole, arr, pa.scalar(None, t)).cast(pa.int64())
        return _parse(_text(arr), col, batch, _INT, pa.int64(), "a whole number")
    if col.type == "float":
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return arr.cast(pa.float64())
        return _parse(_text(arr), col, batch, _FLOAT, pa.float64(), "a number")
    text = _text(arr)
    if col.type == "month":
        ok = pc.match_substring_regex(text, _MONTH)
        if pc.any(pc.invert(ok)).as_py():  # nulls are skipped: empty cells are the required check's
            text = _trimmed(text)
            ok = pc.match_substring_regex(text, _MONTH)
            _flag(
                batch,
                col,
                "type",
                pc.invert(ok),
                f"{col.name} is not a month written YYYY-MM: {{values}}",
                text,
            )
            text = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    elif col.type == "code":
        codes = pa.array(col.codes or (), pa.string())
        known = pc.is_in(text, value_set=codes)
        if pc.any(pc.and_(pc.is_valid(text), pc.invert(known))).as_py():
            text = _trimmed(text)
            known = pc.is_in(text, value_set=codes)
            bad = pc.and_(pc.is_valid(text), pc.invert(known))
            _flag(
                batch,
                col,
                "code",
                bad,
                f"{col.name} has code(s) outside the allowed list {', '.join(col.codes or ())}: {{values}}",
                text,
            )
            text = pc.if_else(bad, pa.scalar(None, pa.string()), text)
    return text


def _check_range(typed: pa.Array, col: Column, batch: Batch) -> None:
    if col.minimum is not None:
        low = pc.less(typed, pa.scalar(col.minimum).cast(typed.type))
        _flag(batch, col, "range", low, f"{col.name} is below its minimum {col.minimum:g}: {{values}}", typed)
    if col.maximum is not None:
        high = pc.greater(typed, pa.scalar(col.maximum).cast(typed.type))
        _flag(
            batch, col, "range", high, f"{col.name} is above its maximum {col.maximum:g}: {{values}}", typed
        )


def _check_dates(days: pa.Array, col: Column, batch: Batch, earliest: dt.date = EARLIEST_DATE) -> None:
    """Flag dates before `earliest` or after the extract date (values not shown: they may be personal)."""
    early = pc.less(days, pa.scalar(earliest, pa.date32()))
    _flag(
        batch,
        col,
        "date_range",
        early,
        f"{col.name} is before {earliest.isoformat()}, which is implausible (a placeholder date?)",
    )
    if batch.extract_date is not None:
        late = pc.greater(days, pa.scalar(batch.extract_date, pa.date32()))
        _flag(
            batch,
            col,
            "date_range",
            late,
            f"{col.name} is after the extract date {batch.extract_date.isoformat()} in manifest.json",
        )


def check_column(arr: pa.Array, col: Column, batch: Batch) -> pa.Array:
    """Check one column of a batch against the contract and return it converted to its type."""
    if pa.types.is_floating(arr.type):
        # Pandas writes a missing whole number as NaN in a float column: it is an empty cell.
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, arr.type), arr)
    if col.required and arr.null_count:
        _flag(batch, col, "required", pc.is_null(arr), f"{col.name} is empty but the contract requires it")
    try:
        typed = _typed(arr, col, batch)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        # A Parquet column stored as something that has no text form (a list, a struct, ...).
        batch.findings.whole(
            col.name, "type", f"{col.name} is stored as {arr.type}, not as {col.type} values"
        )
        return pa.nulls(len(arr), TARGETS.get(col.type, pa.string()))
    if col.type in ("int", "float"):
        _check_range(typed, col, batch)
    elif col.type == "date":
        _check_dates(typed, col, batch)
    elif col.type == "month":
        first_days = pc.binary_join_element_wise(typed, pa.scalar("-01"), "")
        _check_dates(first_days.cast(pa.date32()), col, batch, EARLIEST_MONTH)
    return typed
