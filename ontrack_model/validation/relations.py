"""Checks across rows and tables: foreign keys, assessment factors and overlapping care episodes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ontrack_model.schema import ASSESSMENT_FACTORS, FACTOR_SEPARATOR, FOREIGN_KEYS
from ontrack_model.validation.cells import positions
from ontrack_model.validation.findings import Findings, show_value

ASSESSMENT = "ASSESSMENT"
LAC = "LAC"
SHOWN_OVERLAPS = 3


def check_foreign_keys(
    data: dict[str, pa.Table], findings: dict[str, Findings], files: dict[str, str]
) -> None:
    """Flag values of a referencing column that the referenced table does not hold."""
    for table, column, parent, parent_column in FOREIGN_KEYS:
        if table not in data or parent not in data:
            continue
        child, ref = data[table], data[parent]
        if column not in child.column_names or parent_column not in ref.column_names:
            continue
        known = pc.unique(ref[parent_column].combine_chunks().drop_null())
        values = child[column]
        missing = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known)))
        rows = positions(missing)
        if rows.size:
            counts = Counter(
                {
                    str(r["values"]): int(r["counts"])
                    for r in pc.value_counts(values.filter(missing).combine_chunks()).to_pylist()
                }
            )
            findings[table].at_rows(
                column,
                "foreign_key",
                rows,
                f"{column} values not found in {files[parent]} column {parent_column}: {{values}}",
                values=counts,
            )


def check_factors(data: pa.Table, findings: Findings) -> None:
    """Assessment factors: known codes separated by ';', and only on ASSESSMENT episodes."""
    if not {"factors", "episode_type"} <= set(data.column_names):
        return
    factors = data["factors"].combine_chunks()
    episode = data["episode_type"].combine_chunks()
    if factors.null_count == len(factors):
        return
    elsewhere = pc.and_(pc.is_valid(factors), pc.not_equal(pc.fill_null(episode, ""), ASSESSMENT))
    types = Counter(
        {
            str(r["values"]): int(r["counts"])
            for r in pc.value_counts(pc.fill_null(episode, "(empty)").filter(elsewhere)).to_pylist()
        }
    )
    findings.at_rows(
        "factors",
        "factors_not_assessment",
        positions(elsewhere),
        "factors are recorded only at the end of an ASSESSMENT episode, but these rows have other "
        "episode types: {values}",
        values=types,
    )
    lists = pc.split_pattern(factors, FACTOR_SEPARATOR)
    tokens = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    owners = pc.list_parent_indices(lists).to_numpy()
    unknown = pc.and_(
        pc.not_equal(tokens, ""), pc.invert(pc.is_in(tokens, value_set=pa.array(list(ASSESSMENT_FACTORS))))
    )
    bad = np.flatnonzero(pc.fill_null(unknown, False).to_numpy(zero_copy_only=False))
    if bad.size:
        codes = Counter(str(t) for t in tokens.take(pa.array(bad)).to_pylist())
        findings.at_rows(
            "factors",
            "factors_code",
            np.unique(owners[bad]),
            f"factors holds code(s) outside the list {', '.join(ASSESSMENT_FACTORS)} (separated by "
            f"'{FACTOR_SEPARATOR}'): {{values}}",
            values=codes,
        )


def check_lac_overlaps(data: pa.Table, findings: Findings) -> None:
    """Flag a child's LAC episode that starts before an earlier one of theirs has ended."""
    needed = {"pupil_id", "episode_id", "episode_type", "start_date", "end_date"}
    if not needed <= set(data.column_names) or data.num_rows == 0:
        return
    is_lac = pc.fill_null(
        pc.and_(pc.equal(data["episode_type"], LAC), pc.is_valid(data["start_date"])), False
    )
    rows = positions(is_lac)
    if rows.size < 2:
        return
    lac = data.select(sorted(needed)).filter(is_lac)
    frame = pd.DataFrame(
        {
            "row": rows,
            "pupil_id": lac["pupil_id"].to_numpy(),
            "episode_id": lac["episode_id"].to_numpy(),
            "start": lac["start_date"].cast(pa.int32()).to_numpy(),
            # An open episode (no end date) lasts for ever.
            "end": pc.fill_null(lac["end_date"].cast(pa.int32()), np.iinfo(np.int32).max).to_numpy(),
        }
    )
    frame = frame.sort_values(["pupil_id", "start", "end"], kind="stable")
    by_child = frame.groupby("pupil_id", sort=False)
    running_end = by_child["end"].cummax()
    # The episode that holds the latest end so far is the one a later start overlaps.
    holder = frame["episode_id"].where(frame["end"] == running_end)
    frame["prev_end"] = running_end.groupby(frame["pupil_id"]).shift(1)
    frame["prev_holder"] = holder.groupby(frame["pupil_id"]).ffill().groupby(frame["pupil_id"]).shift(1)
    overlaps = frame[frame["start"] < frame["prev_end"]]
    if overlaps.empty:
        return
    examples = [
        f"pupil {show_value(r.pupil_id)} "
        f"(episodes {show_value(r.prev_holder)} and {show_value(r.episode_id)})"
        for r in overlaps.head(SHOWN_OVERLAPS).itertuples()
    ]
    more = len(overlaps) - len(examples)
    findings.at_rows(
        "start_date",
        "lac_overlap",
        np.sort(overlaps["row"].to_numpy()),
        "a child's LAC episodes overlap (an episode starts before the previous one ends): "
        + "; ".join(examples)
        + (f"; and {more} more" if more > 0 else ""),
    )
