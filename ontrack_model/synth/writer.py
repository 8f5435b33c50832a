"""Files of a synthetic world: contract tables, SCORE-15, truth, manifest and README.

Tables are built as Arrow tables in contract column order and written as CSV (ISO dates, empty
cells for missing values, no quoting) or Parquet. Nothing written carries a timestamp, so the
same world always gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ontrack_model.schema import MANIFEST_FILE, TRUTH_DIR, Table

TRUTH_FILE = "pupil_truth.csv"
TRUTH_COLUMNS = ("pupil_id", "cohort", "p_bayes", "entered_care")
ARROW_TYPES = {"str": pa.string(), "code": pa.string(), "month": pa.string(), "int": pa.int64(),
               "float": pa.float64(), "date": pa.date32()}


def id_strings(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Pseudonymous identifiers such as P00012345 for an array of numbers."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size == 0:  # np.char.zfill cannot size an empty array
        return pa.array([], type=pa.string())
    digits = np.char.zfill(numbers.astype(str), width)
    return pa.array(np.char.add(prefix, digits).astype(object), type=pa.string())


def codes(values: tuple[str, ...] | list[str], index: np.ndarray) -> pa.Array:
    """The code string at each index."""
    return pc.take(pa.array(list(values), type=pa.string()), pa.array(np.asarray(index, dtype=np.int64)))


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """ISO dates from day numbers (null where `missing`)."""
    values = np.asarray(days, dtype=np.int64)
    if missing is not None:
        values = np.where(missing, 0, values)
    return pa.array(values.astype("datetime64[D]"), type=pa.date32(), mask=missing)


def ints(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Whole numbers (null where `missing`)."""
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=missing)


def contract_table(table: Table, columns: dict[str, pa.Array]) -> pa.Table:
    """An Arrow table with exactly the contract's columns, in its order, with its types."""
    missing = [c for c in table.column_names if c not in columns]
    extra = [c for c in columns if c not in table.column_names]
    if missing or extra:
        raise ValueError(f"table {table.name}: columns missing {missing}, unexpected {extra}")
    arrays = [columns[c.name].cast(ARROW_TYPES[c.type]) for c in table.columns]
    return pa.Table.from_arrays(arrays, names=table.column_names)


def write_table(frame: pa.Table, path: Path, file_format: str) -> Path:
    """Write one table as `<path>.csv` or `<path>.parquet` and return the file's path."""
    target = path.with_suffix(f".{file_format}")
    if file_format == "csv":
        options = pa_csv.WriteOptions(quoting_style="none", quoting_header="none")
        pa_csv.write_csv(frame, target, write_options=options)
    else:
        pq.write_table(frame, target, compression="zstd")
    return target


def factor_strings(masks: np.ndarray, codes_in_bit_order: tuple[str, ...]) -> pa.Array:
    """';'-separated factor codes for each bit mask (null for 0)."""
    uniq, inverse = np.unique(np.asarray(masks, dtype=np.int64), return_inverse=True)
    text = [";".join(c for k, c in enumerate(codes_in_bit_order) if m >> k & 1) or None for m in uniq]
    return pc.take(pa.array(text, type=pa.string()), pa.array(inverse.astype(np.int64)))


def academic_years(school_year: np.ndarray) -> pa.Array:
    """'2018/19' for school year 2019."""
    uniq, inverse = np.unique(np.asarray(school_year, dtype=np.int64), return_inverse=True)
    text = [f"{y - 1}/{y % 100:02d}" for y in uniq]
    return pc.take(pa.array(text, type=pa.string()), pa.array(inverse.astype(np.int64)))


def birth_months(days: np.ndarray) -> pa.Array:
    """'YYYY-MM' of each day."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return pa.array(np.datetime_as_string(months, unit="M").astype(object), type=pa.string())


def write_manifest(directory: Path, manifest: dict) -> None:
    """manifest.json, keys in a fixed order."""
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")


def write_readme(directory: Path, manifest: dict, rows: dict[str, int]) -> None:
    """README.md saying the data are synthetic and listing the files."""
    ext = manifest["file_format"]
    lines = [
        "# SYNTHETIC extract — not real children",
        "",
        "Every record in this directory was made up by `ontrack generate` (On Track risk-model package).",
        "No row describes a real child, family, school or police incident. It has exactly the shape of a",
        "real school and social-care extract (the data contract in `ontrack_model/schema.py`).",
        "",
        f"Seed {manifest['seed']}, scale {manifest['scale']}, cohorts {manifest['first_year']}-"
        f"{manifest['last_year']}, extract date {manifest['extract_date']}, surveillance bias "
        f"{manifest['surveillance_bias'] or 'none'}.",
        "",
        "| file | rows |",
        "|---|---|",
    ]
    for name, count in rows.items():
        file = f"{TRUTH_DIR}/{TRUTH_FILE}" if name == "truth" else f"{name}.{ext}"
        lines.append(f"| `{file}` | {count:,} |")
    lines += [
        f"| `{MANIFEST_FILE}` | - |",
        "",
        f"`{TRUTH_DIR}/` holds the generator's ground truth (each cohort member's best-possible risk",
        "`p_bayes` and whether they entered care within 5 years). No pipeline code may read it; only",
        "tests and benchmarks do. See `data/SYNTHETIC.md` in the package for how the world is made.",
        "",
    ]
    (directory / "README.md").write_text("\n".join(lines))

