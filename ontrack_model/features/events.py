"""Event tables prepared once per extract: integer keys, day numbers, rows grouped by child or family.

Feature building gathers the events of a cohort's children (and their families) from these
grouped arrays and aggregates them with `numpy.bincount`, so building many cohorts costs one sort
of each table plus work proportional to the cohort's own events.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ontrack_model.extract import Extract
from ontrack_model.schema import ASSESSMENT_FACTORS, EPISODE_TYPES, FACTOR_SEPARATOR

log = logging.getLogger(__name__)

OPEN = np.iinfo(np.int32).max
"""Day number standing in for an empty end date (the episode was open when the extract was taken)."""

EPISODE_CODES = {name: i for i, name in enumerate(EPISODE_TYPES)}
FACTOR_BITS = {name: 1 << i for i, name in enumerate(ASSESSMENT_FACTORS)}


def day_numbers(values: pd.Series) -> np.ndarray:
    """Dates as int32 days since 1970-01-01 (compact: tens of millions of rows); empty dates become OPEN."""
    days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64).astype(np.int32)
    days[values.isna().to_numpy()] = OPEN
    return days


def day_number(date: dt.date) -> int:
    """One date as days since 1970-01-01."""
    return (date - dt.date(1970, 1, 1)).days


@dataclass(frozen=True)
class Windows:
    """Day numbers bounding the lookback windows of one as-of date (each window ends before as-of)."""

    as_of: int
    last_term: int  # 4 months back: the spring term before a 1 June as-of date
    months_12: int
    months_24: int
    years_3: int
    as_of_month: int  # months since 1970-01 of the as-of date (for birth months)

    @classmethod
    def for_date(cls, as_of: dt.date) -> Windows:
        """The windows ending at `as_of`."""
        ts = pd.Timestamp(as_of)

        def back(months: int) -> int:
            return day_number((ts - pd.DateOffset(months=months)).date())

        return cls(
            day_number(as_of),
            back(4),
            back(12),
            back(24),
            back(36),
            (as_of.year - 1970) * 12 + as_of.month - 1,
        )


@dataclass
class Grouped:
    """Rows of one table sorted by (key, date), with `offsets[k]:offsets[k+1]` the rows of key k."""

    offsets: np.ndarray
    columns: dict[str, np.ndarray]

    @classmethod
    def build(
        cls, keys: np.ndarray, n_keys: int, date: np.ndarray, columns: dict[str, np.ndarray]
    ) -> Grouped:
        """Group rows by integer key (rows with key -1 must already be dropped), ordered by date."""
        # One stable sort on a combined (key, day) number is several times faster than lexsort.
        valid = date != OPEN
        low = int(date[valid].min()) if valid.any() else 0
        span = (int(date[valid].max()) - low + 2) if valid.any() else 1
        day = np.where(valid, date - low, span - 1)  # a missing date sorts last
        order = np.argsort(keys.astype(np.int64) * span + day, kind="stable")
        offsets = np.zeros(n_keys + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=n_keys), out=offsets[1:])
        return cls(offsets, {name: values[order] for name, values in columns.items()})

    def gather(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row positions of every event of `keys` and, for each, the index of its key in `keys`.

        Owners come out ascending and each key's rows keep their date order.
        """
        starts = self.offsets[keys]
        lengths = self.offsets[keys + 1] - starts
        owner = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
        run_start = np.cumsum(lengths) - lengths
        positions = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(run_start - starts, lengths)
        return positions, owner

    def take(self, keys: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The owner index and the named columns of every event of `keys`."""
        positions, owner = self.gather(keys)
        return owner, {name: self.columns[name][positions] for name in names}


@dataclass
class PreparedTables:
    """Everything feature building needs from one extract, keyed by integer pupil and family codes."""

    pupil_ids: pa.Array  # code -> pupil_id
    pupil_family: np.ndarray  # pupil code -> family code
    birth_month: np.ndarray  # pupil code -> months since 1970-01 (int64; -1 when unknown)
    eal: np.ndarray  # pupil code -> 1.0 / 0.0 / NaN (unknown)
    family_pupils: Grouped  # family code -> its pupils' codes (column "pupil")
    census: Grouped
    attendance: Grouped
    exclusions: Grouped
    social_care: Grouped
    care: Grouped  # merged periods of care
    police: Grouped  # by family code
    data_issues: dict[str, int]


def arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A pandas column as Arrow data (zero-copy for Arrow-backed strings)."""
    return pa.array(values, from_pandas=True)


def positions(values: pd.Series, value_set: pa.Array) -> np.ndarray:
    """Position of each value in `value_set` (-1 where absent or empty), by Arrow's hash lookup."""
    data = arrow(values)
    found = pc.index_in(data, value_set=value_set.cast(data.type))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def equals(values: pd.Series, text: str) -> np.ndarray:
    """values == text as a bool array (empty values are False)."""
    return pc.equal(arrow(values), text).fill_null(False).to_numpy(zero_copy_only=False)


def code_of(values: pd.Series, codes: dict[str, int], missing: int = -1) -> np.ndarray:
    """Integer code of each value from `codes` (`missing` for empty or unknown values)."""
    lookup = np.array([*codes.values(), missing], dtype=np.int32)
    return lookup[positions(values, pa.array(list(codes)))]


def _factor_bits(factors: pd.Series) -> np.ndarray:
    """Bit mask of the assessment factors listed in each row ('DA;PMH' -> DA|PMH)."""
    bits = np.zeros(len(factors), dtype=np.int32)
    present = factors.notna().to_numpy()
    if not present.any():
        return bits
    exploded = factors[present].reset_index(drop=True).str.split(FACTOR_SEPARATOR).explode()
    mapped = code_of(exploded.str.strip(), FACTOR_BITS, missing=0)  # unknown codes: validation reports them
    rows = np.flatnonzero(present)[exploded.index.to_numpy()]
    np.bitwise_or.at(bits, rows, mapped)
    return bits


class _Encoder:
    """Groups the rows of each table by pupil or family code, counting rows whose owner is unknown."""

    def __init__(self, pupils: pd.DataFrame) -> None:
        self.pupil_ids = pa.array(pupils["pupil_id"], from_pandas=True)
        self.family_ids = pc.unique(pa.array(pupils["family_id"], from_pandas=True))
        self.issues: dict[str, int] = {}

    def group(
        self, table: str, frame: pd.DataFrame, key: str, date: str, columns: dict[str, np.ndarray]
    ) -> Grouped:
        value_set = self.family_ids if key == "family_id" else self.pupil_ids
        codes = positions(frame[key], value_set)
        keep = codes >= 0
        unknown = int((~keep).sum())
        if unknown:
            self.issues[f"{table}_rows_for_unknown_ids"] = unknown
            log.warning("ignored %d %s row(s) whose %s is not in the pupils table", unknown, table, key)
        if keep.all():  # the usual case: no copies
            return Grouped.build(codes, len(value_set), day_numbers(frame[date]), columns)
        return Grouped.build(
            codes[keep],
            len(value_set),
            day_numbers(frame[date])[keep],
            {name: values[keep] for name, values in columns.items()},
        )


def prepare_tables(extract: Extract, care_periods: pd.DataFrame) -> PreparedTables:
    """Encode and group every event table of `extract` once (unknown identifiers are dropped and counted)."""
    pupils = extract.table("pupils")
    enc = _Encoder(pupils)
    n_pupils = len(pupils)
    pupil_family = positions(pupils["family_id"], enc.family_ids)
    born = pd.to_datetime(pupils["birth_month"], format="%Y-%m", errors="coerce")
    birth_month = np.where(born.notna(), (born.dt.year - 1970) * 12 + born.dt.month - 1, -1).astype(np.int64)
    eal = code_of(pupils["eal"], {"Y": 1, "N": 0}).astype(np.float64)
    eal[eal < 0] = np.nan  # "U" or empty: not known

    everyone = np.arange(n_pupils, dtype=np.int64)
    family_pupils = Grouped.build(pupil_family, len(enc.family_ids), everyone, {"pupil": everyone})

    census = extract.table("school_census")
    census_g = enc.group(
        "school_census",
        census,
        "pupil_id",
        "census_date",
        {
            "date": day_numbers(census["census_date"]),
            "school": positions(census["school_id"], pc.unique(arrow(census["school_id"]))),
            "fsm": equals(census["fsm"], "Y"),
            "sen": code_of(census["sen_status"], {"N": 0, "K": 1, "E": 2}),
        },
    )
    att = extract.table("attendance")
    attendance_g = enc.group(
        "attendance",
        att,
        "pupil_id",
        "period_end",
        {
            "start": day_numbers(att["period_start"]),
            "end": day_numbers(att["period_end"]),
            "possible": att["possible_sessions"].to_numpy(dtype=np.int32),
            "authorised": att["authorised_absence"].to_numpy(dtype=np.int32),
            "unauthorised": att["unauthorised_absence"].to_numpy(dtype=np.int32),
        },
    )
    exc = extract.table("exclusions")
    exclusions_g = enc.group(
        "exclusions",
        exc,
        "pupil_id",
        "start_date",
        {
            "date": day_numbers(exc["start_date"]),
            "permanent": equals(exc["category"], "PERM"),
            "sessions": exc["sessions"].to_numpy(dtype=np.int32),
        },
    )
    sc = extract.table("social_care")
    social_g = enc.group(
        "social_care",
        sc,
        "pupil_id",
        "start_date",
        {
            "start": day_numbers(sc["start_date"]),
            "end": day_numbers(sc["end_date"]),
            "type": code_of(sc["episode_type"], EPISODE_CODES),
            "factors": _factor_bits(sc["factors"].where(equals(sc["episode_type"], "ASSESSMENT"))),
        },
    )
    care_g = enc.group(
        "care_periods",
        care_periods,
        "pupil_id",
        "start_date",
        {
            "start": day_numbers(care_periods["start_date"]),
            "end": day_numbers(care_periods["end_date"]),
        },
    )
    police = extract.table("police_notifications")
    police_g = enc.group(
        "police_notifications",
        police,
        "family_id",
        "incident_date",
        {
            "date": day_numbers(police["incident_date"]),
            "crime": equals(police["notification_type"], "DA_CRIME"),
            "children_present": equals(police["children_present"], "Y"),
        },
    )
    return PreparedTables(
        pupil_ids=enc.pupil_ids,
        pupil_family=pupil_family,
        birth_month=birth_month,
        eal=eal,
        family_pupils=family_pupils,
        census=census_g,
        attendance=attendance_g,
        exclusions=exclusions_g,
        social_care=social_g,
        care=care_g,
        police=police_g,
        data_issues=enc.issues,
    )
