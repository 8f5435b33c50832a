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

from ontrack_model.extract import Extract
from ontrack_model.schema import ASSESSMENT_FACTORS, EPISODE_TYPES, FACTOR_SEPARATOR

log = logging.getLogger(__name__)

OPEN = np.iinfo(np.int64).max
"""Day number standing in for an empty end date (the episode was open when the extract was taken)."""

EPISODE_CODES = {name: i for i, name in enumerate(EPISODE_TYPES)}
FACTOR_BITS = {name: 1 << i for i, name in enumerate(ASSESSMENT_FACTORS)}


def day_numbers(values: pd.Series) -> np.ndarray:
    """Dates as int64 days since 1970-01-01; empty dates become OPEN."""
    days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
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
        order = np.lexsort((date, keys))
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

    pupil_ids: pd.Index  # code -> pupil_id
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


def _codes(index: pd.Index, values: pd.Series, table: str, issues: dict[str, int]) -> np.ndarray:
    codes = index.get_indexer(values)
    unknown = int((codes < 0).sum())
    if unknown:
        issues[f"{table}_rows_for_unknown_ids"] = unknown
        log.warning("ignored %d %s row(s) whose identifier is not in the pupils table", unknown, table)
    return codes


def _factor_bits(factors: pd.Series) -> np.ndarray:
    """Bit mask of the assessment factors listed in each row ('DA;PMH' -> DA|PMH)."""
    bits = np.zeros(len(factors), dtype=np.int64)
    present = factors.notna().to_numpy()
    if not present.any():
        return bits
    exploded = factors[present].reset_index(drop=True).str.split(FACTOR_SEPARATOR).explode()
    mapped = exploded.str.strip().map(FACTOR_BITS).fillna(0).to_numpy(dtype=np.int64)
    rows = np.flatnonzero(present)[exploded.index.to_numpy()]
    np.bitwise_or.at(bits, rows, mapped)  # unknown codes add nothing; validation reports them
    return bits


def prepare_tables(extract: Extract, care_periods: pd.DataFrame) -> PreparedTables:
    """Encode and group every event table of `extract` once (unknown identifiers are dropped and counted)."""
    issues: dict[str, int] = {}
    pupils = extract.table("pupils")
    pupil_ids = pd.Index(pupils["pupil_id"])
    family_ids = pd.Index(pupils["family_id"].unique())
    pupil_family = family_ids.get_indexer(pupils["family_id"]).astype(np.int64)
    n_pupils, n_families = len(pupil_ids), len(family_ids)

    born = pd.to_datetime(pupils["birth_month"], format="%Y-%m", errors="coerce")
    birth_month = np.where(born.notna(), (born.dt.year - 1970) * 12 + born.dt.month - 1, -1).astype(np.int64)
    eal = pupils["eal"].map({"Y": 1.0, "N": 0.0}).astype("float64").to_numpy(na_value=np.nan)

    family_pupils = Grouped.build(
        pupil_family, n_families, np.arange(n_pupils), {"pupil": np.arange(n_pupils, dtype=np.int64)}
    )

    def grouped(
        table: str,
        key: str,
        index: pd.Index,
        date: str,
        columns: dict[str, np.ndarray],
        frame: pd.DataFrame | None = None,
    ) -> Grouped:
        df = extract.table(table) if frame is None else frame
        codes = _codes(index, df[key], table, issues)
        keep = codes >= 0
        dates = day_numbers(df[date])
        cols = {name: values[keep] for name, values in columns.items()}
        n_keys = n_families if key == "family_id" else n_pupils
        return Grouped.build(codes[keep], n_keys, dates[keep], cols)

    census = extract.table("school_census")
    school_codes = pd.factorize(census["school_id"])[0].astype(np.int64)
    census_g = grouped(
        "school_census",
        "pupil_id",
        pupil_ids,
        "census_date",
        {
            "date": day_numbers(census["census_date"]),
            "school": school_codes,
            "fsm": (census["fsm"] == "Y").to_numpy(dtype=bool, na_value=False),
            "sen": census["sen_status"].map({"N": 0, "K": 1, "E": 2}).fillna(-1).to_numpy(dtype=np.int64),
        },
    )

    att = extract.table("attendance")
    attendance_g = grouped(
        "attendance",
        "pupil_id",
        pupil_ids,
        "period_end",
        {
            "start": day_numbers(att["period_start"]),
            "end": day_numbers(att["period_end"]),
            "possible": att["possible_sessions"].to_numpy(dtype=np.float64),
            "authorised": att["authorised_absence"].to_numpy(dtype=np.float64),
            "unauthorised": att["unauthorised_absence"].to_numpy(dtype=np.float64),
        },
    )

    exc = extract.table("exclusions")
    exclusions_g = grouped(
        "exclusions",
        "pupil_id",
        pupil_ids,
        "start_date",
        {
            "date": day_numbers(exc["start_date"]),
            "permanent": (exc["category"] == "PERM").to_numpy(dtype=bool, na_value=False),
            "sessions": exc["sessions"].to_numpy(dtype=np.float64),
        },
    )

    sc = extract.table("social_care")
    social_g = grouped(
        "social_care",
        "pupil_id",
        pupil_ids,
        "start_date",
        {
            "start": day_numbers(sc["start_date"]),
            "end": day_numbers(sc["end_date"]),
            "type": sc["episode_type"].map(EPISODE_CODES).fillna(-1).to_numpy(dtype=np.int64),
            "factors": _factor_bits(sc["factors"].where(sc["episode_type"] == "ASSESSMENT")),
        },
    )

    care_g = grouped(
        "care_periods",
        "pupil_id",
        pupil_ids,
        "start_date",
        {
            "start": day_numbers(care_periods["start_date"]),
            "end": day_numbers(care_periods["end_date"]),
        },
        frame=care_periods,
    )

    police = extract.table("police_notifications")
    police_g = grouped(
        "police_notifications",
        "family_id",
        family_ids,
        "incident_date",
        {
            "date": day_numbers(police["incident_date"]),
            "crime": (police["notification_type"] == "DA_CRIME").to_numpy(dtype=bool, na_value=False),
            "children_present": (police["children_present"] == "Y").to_numpy(dtype=bool, na_value=False),
        },
    )

    return PreparedTables(
        pupil_ids=pupil_ids,
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
        data_issues=issues,
    )
