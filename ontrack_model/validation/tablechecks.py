"""Checks on a whole typed table: unique keys and the contract's row rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ontrack_model.schema import RowRule, Table
from ontrack_model.validation.cells import positions
from ontrack_model.validation.findings import Findings, show_value

_CODE_LIMIT = 1 << 62  # combined key codes stay below this so int64 products cannot overflow


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, int]:
    """Integer codes of a column's values (0 for empty) and an upper bound of the codes plus one."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_date32(arr.type) or pa.types.is_integer(arr.type):
        # Numbers and dates are their own codes once shifted to start at 1: no hashing needed.
        numbers = (arr.cast(pa.int32()) if pa.types.is_date32(arr.type) else arr).cast(pa.int64())
        low, high = pc.min_max(numbers).values()
        if low.is_valid and high.as_py() - low.as_py() < _CODE_LIMIT >> 32:
            shifted = pc.subtract(numbers, pa.scalar(low.as_py() - 1))
            return pc.fill_null(shifted, 0).to_numpy(), high.as_py() - low.as_py() + 2
    encoded = pc.dictionary_encode(arr)
    idx = pc.fill_null(encoded.indices.cast(pa.int64()), -1).to_numpy() + 1
    return idx, len(encoded.dictionary) + 1


def key_codes(table: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """One int64 per row that is equal for two rows exactly when their key values are equal."""
    combined = np.zeros(table.num_rows, dtype=np.int64)
    cardinality = 1
    for name in key:
        idx, k = _codes(table[name])
        if cardinality * k >= _CODE_LIMIT:
            # Renumber densely before the product would overflow.
            uniques, combined = np.unique(combined, return_inverse=True)
            cardinality = len(uniques)
        combined = combined * k + idx
        cardinality *= k
    return combined


def check_key(data: pa.Table, table: Table, findings: Findings) -> None:
    """Flag every row whose key values are shared with another row."""
    if data.num_rows == 0:
        return
    complete = np.ones(data.num_rows, dtype=bool)
    for name in table.key:
        complete &= data[name].is_valid().to_numpy(zero_copy_only=False)
    codes = key_codes(data, table.key)
    ordered = np.sort(codes[complete])
    repeats = ordered[1:][ordered[1:] == ordered[:-1]]
    if repeats.size == 0:  # the common case: one sort and done
        return
    repeated = np.unique(repeats)
    duplicated = np.isin(codes, repeated) & complete
    rows = np.flatnonzero(duplicated)
    examples = []
    for code in pd.unique(codes[rows])[:3]:
        first = int(rows[codes[rows] == code][0])
        values = " / ".join(str(data[name][first].as_py()) for name in table.key)
        examples.append(f"{show_value(values)} ({int((codes[rows] == code).sum())} rows)")
    names = ", ".join(table.key)
    findings.at_rows(
        table.key[0] if len(table.key) == 1 else None,
        "duplicate_key",
        rows,
        f"the key ({names}) must be unique but {repeated.size} value(s) repeat, e.g. {', '.join(examples)}",
    )


def _side(data: pa.Table, names: tuple[str, ...]) -> pa.ChunkedArray:
    total = data[names[0]]
    for name in names[1:]:
        total = pc.add(total, data[name])
    return total


def check_row_rule(data: pa.Table, rule: RowRule, findings: Findings) -> None:
    """Flag rows that break `rule` (rows with an empty value in it are not judged)."""
    left, right = data[rule.left], _side(data, rule.right)
    broken = pc.less(left, right) if rule.op == ">=" else pc.greater(left, right)
    findings.at_rows(rule.left, rule.name, positions(broken), f"{rule.description} (rule {rule.name})")


def check_table(data: pa.Table, table: Table, findings: Findings) -> None:
    """Key and row-rule checks, each run only when its columns were read."""
    present = set(data.column_names)
    if set(table.key) <= present:
        check_key(data, table, findings)
    for rule in table.row_rules:
        if {rule.left, *rule.right} <= present:
            check_row_rule(data, rule, findings)
