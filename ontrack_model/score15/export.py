"""Write SCORE-15 outputs (tables, JSON, HTML) atomically: a temporary file, then a rename."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ontrack_model.errors import Score15Error

TABLE_SUFFIXES = (".csv", ".json")


def write_bytes(data: bytes, path: Path) -> Path:
    """Write `data` to `path` so that readers see the old file or the whole new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(text: str, path: Path) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(text.encode("utf-8"), path)


def write_json(data: Any, path: Path) -> Path:
    """Write JSON atomically (NaN written as null)."""
    return write_text(json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n", path)


def write_table(frame: pd.DataFrame, path: Path, rules: dict[str, str] | None = None) -> Path:
    """Write a table as CSV, or as JSON {"rules", "rows"}; a CSV carries the rules in a `rules` column."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise Score15Error(
            f"output {path.name!r}: a table is written as .csv or .json, got {suffix or 'no suffix'!r}"
        )
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%d")
    if suffix == ".json":
        return write_json({"rules": rules or {}, "rows": frame.to_dict(orient="records")}, path)
    if rules:
        # Why a column: a CSV opened in a spreadsheet has no other place that travels with the numbers.
        frame["rules"] = "; ".join(f"{k}: {v}" for k, v in rules.items())
    return write_text(frame.to_csv(index=False), path)


def json_safe(value: Any) -> Any:
    """Recursively convert numpy/pandas scalars, dates and NaN to plain JSON values."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
