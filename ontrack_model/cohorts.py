"""Cohorts, as-of dates, labels and censoring: who is scored, as of when, and what happened next.

Cohort Y is every pupil in Year 6 at the spring census (January to March) of the school year
ending in the summer of calendar year Y. The as-of date is a fixed day in year Y (1 June by
default, the end of Year 6): everything a feature may use was known strictly before it. The label
is an entry to care (the start of a looked-after period) in (as-of, as-of + horizon]. A cohort
whose horizon ends after the extract date is censored: it can be scored, never trained on.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ontrack_model.errors import CohortError, ConfigError
from ontrack_model.extract import Extract
from ontrack_model.schema import TABLES

log = logging.getLogger(__name__)

SPRING_CENSUS_MONTHS = (1, 2, 3)
"""The spring census is taken in January; the window allows for late or re-dated returns."""

COHORT_YEAR_GROUP = 6

EARLIEST_PLAUSIBLE_DATE = dt.date(1990, 1, 1)
"""Events before this are data errors: no child in a Year 6 cohort or their siblings predates it."""

MEMBER_COLUMNS = (
    "pupil_id",
    "family_id",
    "school_id",
    "borough",
    "sex",
    "ethnicity",
    "eal",
    "fsm",
    "sen_status",
    "label",
)

EXCLUSION_REASONS = {
    "left_before_as_of": "left the local authority before the as-of date",
    "looked_after_on_as_of": "looked after on the as-of date",
    "not_in_pupils_table": "in the Year 6 spring census but missing from the pupils table",
}

_FAR_FUTURE = pd.Timestamp("2262-01-01")  # stands in for "still open" while merging care episodes


@dataclass(frozen=True)
class CohortConfig:
    """When a cohort is looked at (as-of day) and how far ahead its label looks (horizon)."""

    as_of_month: int = 6
    as_of_day: int = 1
    horizon_years: int = 5

    def __post_init__(self) -> None:
        # After the spring census (so membership is known) and before Year 7 starts in September.
        if not 4 <= self.as_of_month <= 8:
            raise ConfigError(
                f"cohort as_of_month={self.as_of_month} is not allowed: the as-of date must fall "
                "between April and August, after the spring census and before the pupils leave Year 6"
            )
        last_day = calendar.monthrange(2001, self.as_of_month)[1]
        if not 1 <= self.as_of_day <= last_day:
            raise ConfigError(
                f"cohort as_of_day={self.as_of_day} is not a day of month {self.as_of_month} (1-{last_day})"
            )
        if not 1 <= self.horizon_years <= 10:
            raise ConfigError(f"cohort horizon_years={self.horizon_years} must be between 1 and 10")

    def as_of(self, year: int) -> dt.date:
        """The as-of date of cohort `year`."""
        return dt.date(year, self.as_of_month, self.as_of_day)

    def horizon_end(self, year: int) -> dt.date:
        """The last day of cohort `year`'s label timespan."""
        return dt.date(year + self.horizon_years, self.as_of_month, self.as_of_day)


@dataclass(frozen=True)
class Cohort:
    """One Year 6 cohort: its dates, its members with labels, and who was left out and why."""

    year: int
    as_of: dt.date
    horizon_end: dt.date
    labelled: bool  # horizon_end <= extract date; otherwise labels are <NA> (censored)
    members: pd.DataFrame  # MEMBER_COLUMNS, one row per pupil, sorted by pupil_id
    excluded: dict[str, int] = field(default_factory=dict)  # EXCLUSION_REASONS key -> pupils

    @property
    def n(self) -> int:
        """Number of pupils in the cohort."""
        return len(self.members)

    @property
    def positives(self) -> int | None:
        """Number of pupils who entered care within the horizon (None when censored)."""
        return int(self.members["label"].sum()) if self.labelled else None


def _as_date(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def check_timeline(extract: Extract) -> None:
    """Raise CohortError if an event is dated before 1990, or anything is dated after the extract date."""
    latest = pd.Timestamp(extract.manifest.extract_date)
    problems: list[str] = []
    for name, table in TABLES.items():
        if name not in extract.tables:
            continue
        df = extract.tables[name]
        key = table.key[0]
        for column in table.columns:
            if column.type not in ("date", "month") or column.name not in df.columns:
                continue
            values = df[column.name]
            # Birth months are not events: an older sibling may be born before the events' floor.
            earliest = pd.Timestamp(EARLIEST_PLAUSIBLE_DATE if column.type == "date" else "1900-01-01")
            if column.type == "month":
                values = pd.to_datetime(values, format="%Y-%m", errors="coerce")
            bad = values.notna() & ((values < earliest) | (values > latest))
            if bad.any():
                ids = ", ".join(str(v) for v in df.loc[bad, key].head(5))
                problems.append(
                    f"table {name}, column {column.name}: {int(bad.sum())} row(s) dated outside "
                    f"{earliest.date()} .. extract date {extract.manifest.extract_date} "
                    f"(first {key}s: {ids})"
                )
    if problems:
        raise CohortError(
            "the extract has events that cannot be placed on its timeline (nothing can be known "
            "after the extract date): " + "; ".join(problems)
        )


def care_periods(social_care: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Looked-after episodes merged into periods of care, and the number of overlapping episodes.

    A LAC episode that starts on or before the end of an earlier one of the same child is a change
    within one period of care, not a new entry to care; strictly overlapping episodes are data
    errors and are counted. Returns columns pupil_id, start_date, end_date (NaT while open).
    """
    lac = social_care.loc[social_care["episode_type"] == "LAC", ["pupil_id", "start_date", "end_date"]]
    lac = lac.sort_values(["pupil_id", "start_date"], kind="stable").reset_index(drop=True)
    if lac.empty:
        empty = pd.DataFrame(
            {
                "pupil_id": pd.Series([], dtype="str"),
                "start_date": pd.Series([], dtype="datetime64[ns]"),
                "end_date": pd.Series([], dtype="datetime64[ns]"),
            }
        )
        return empty, 0
    end = lac["end_date"].fillna(_FAR_FUTURE)
    by_pupil = lac["pupil_id"]
    previous_end = end.groupby(by_pupil).cummax().groupby(by_pupil).shift()
    new_period = previous_end.isna() | (lac["start_date"] > previous_end)
    overlapping = int((~new_period & (lac["start_date"] < previous_end)).sum())
    period = new_period.cumsum()
    merged = (
        pd.DataFrame(
            {"pupil_id": by_pupil, "start_date": lac["start_date"], "end_date": end, "period": period}
        )
        .groupby("period", sort=True)
        .agg(pupil_id=("pupil_id", "first"), start_date=("start_date", "min"), end_date=("end_date", "max"))
        .reset_index(drop=True)
    )
    merged["end_date"] = merged["end_date"].where(merged["end_date"] < _FAR_FUTURE)
    return merged, overlapping


class CohortBuilder:
    """Builds cohorts of one extract, preparing the census, pupils and care periods once."""

    def __init__(self, extract: Extract, config: CohortConfig | None = None) -> None:
        self.config = config or CohortConfig()
        self.extract_date: dt.date = extract.manifest.extract_date
        check_timeline(extract)
        spring = _spring_year6(extract.table("school_census"))[
            ["pupil_id", "census_date", "school_id", "borough", "fsm", "sen_status"]
        ]
        spring = spring.assign(year=spring["census_date"].dt.year.astype("int64"))
        # One row per pupil and year: the latest spring census (a pupil who moved school mid-spring).
        self._spring = spring.sort_values(["year", "pupil_id", "census_date"], kind="stable").drop_duplicates(
            ["year", "pupil_id"], keep="last"
        )
        self._years = tuple(sorted(int(y) for y in self._spring["year"].unique()))
        pupils = extract.table("pupils")
        self._pupils = pupils[["pupil_id", "family_id", "sex", "ethnicity", "eal"]].reset_index(drop=True)
        # Integer pupil codes (row of the pupils table, -1 if absent) keep per-cohort work to array lookups.
        index = pa.array(pupils["pupil_id"], from_pandas=True)
        self._spring_code = _positions(self._spring["pupil_id"], index)
        self._left = pupils["left_la_date"].to_numpy(dtype="datetime64[ns]")
        self.care_periods, overlapping = care_periods(extract.table("social_care"))
        self._care_code = _positions(self.care_periods["pupil_id"], index)
        self._care_start = self.care_periods["start_date"].to_numpy(dtype="datetime64[ns]")
        self._care_end = self.care_periods["end_date"].to_numpy(dtype="datetime64[ns]")
        self.data_issues: dict[str, int] = {}
        if overlapping:
            self.data_issues["overlapping_lac_episodes"] = overlapping
            log.warning("merged %d overlapping looked-after episodes into periods of care", overlapping)

    def _pupils_with_care(self, mask: np.ndarray) -> np.ndarray:
        """Boolean per pupil code: has a period of care selected by `mask`."""
        flags = np.zeros(len(self._pupils), dtype=bool)
        codes = self._care_code[mask]
        flags[codes[codes >= 0]] = True
        return flags

    @property
    def years(self) -> list[int]:
        """Years with Year 6 pupils at a spring census, ascending."""
        return list(self._years)

    def labelled_years(self) -> list[int]:
        """Cohort years whose label horizon has fully passed by the extract date."""
        return [y for y in self.years if self.config.horizon_end(y) <= self.extract_date]

    def build(self, year: int) -> Cohort:
        """The cohort of `year`, its labels (or <NA> when censored) and its exclusion counts."""
        year = int(year)
        if year not in self.years:
            raise CohortError(
                f"no cohort {year}: the school_census table has Year 6 pupils at a spring census only "
                f"in {_year_range(self.years)}"
            )
        as_of, horizon_end = self.config.as_of(year), self.config.horizon_end(year)
        if as_of > self.extract_date:
            raise CohortError(
                f"cohort {year} cannot be built: its as-of date {as_of} is after the extract date "
                f"{self.extract_date} (nothing is known yet about the end of Year 6)"
            )
        labelled = horizon_end <= self.extract_date

        in_year = (self._spring["year"] == year).to_numpy()
        codes = self._spring_code[in_year]
        known = codes >= 0
        excluded = {"not_in_pupils_table": int((~known).sum())}
        codes = codes[known]
        as_of64, end64 = np.datetime64(as_of, "ns"), np.datetime64(horizon_end, "ns")

        left_on = self._left[codes]
        left = ~np.isnat(left_on) & (left_on < as_of64)
        ended = ~np.isnat(self._care_end) & (self._care_end < as_of64)
        looked_after = self._pupils_with_care((self._care_start <= as_of64) & ~ended)[codes] & ~left
        excluded["left_before_as_of"] = int(left.sum())
        excluded["looked_after_on_as_of"] = int(looked_after.sum())
        keep = ~left & ~looked_after
        codes = codes[keep]

        census = self._spring.loc[in_year, ["school_id", "borough", "fsm", "sen_status"]][known][keep]
        members = self._pupils.iloc[codes].reset_index(drop=True)
        members[census.columns.tolist()] = census.reset_index(drop=True)
        if labelled:
            entered = self._pupils_with_care((self._care_start > as_of64) & (self._care_start <= end64))
            label = pd.array(entered[codes].astype("int8"), dtype="Int8")
        else:
            label = pd.array(np.full(len(codes), pd.NA), dtype="Int8")
        members["label"] = label
        members = members.sort_values("pupil_id", kind="stable").reset_index(drop=True)[list(MEMBER_COLUMNS)]
        return Cohort(year, as_of, horizon_end, labelled, members, excluded)

    def summary(self) -> pd.DataFrame:
        """Per cohort reachable by the extract date: pupils, exclusions, positives, rate, labelled."""
        rows = []
        for year in self.years:
            if self.config.as_of(year) > self.extract_date:
                continue
            c = self.build(year)
            positives = c.positives
            rows.append(
                {
                    "cohort": year,
                    "as_of": c.as_of,
                    "horizon_end": c.horizon_end,
                    "n": c.n,
                    "exclusions": sum(c.excluded.values()),
                    **{f"excluded_{k}": v for k, v in c.excluded.items()},
                    "positives": positives if positives is not None else pd.NA,
                    "rate": positives / c.n if positives is not None and c.n else np.nan,
                    "labelled": c.labelled,
                }
            )
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame["positives"] = frame["positives"].astype("Int64")
        return frame


def _positions(values: pd.Series, value_set: pa.Array) -> np.ndarray:
    """Row of each value in `value_set` (-1 where absent), by Arrow's hash lookup."""
    data = pa.array(values, from_pandas=True)
    found = pc.index_in(data, value_set=value_set.cast(data.type))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _year_range(years: list[int]) -> str:
    if not years:
        return "no year (no Year 6 pupil at any spring census)"
    return f"{years[0]}-{years[-1]}" if years == list(range(years[0], years[-1] + 1)) else str(years)


def _spring_year6(census: pd.DataFrame) -> pd.DataFrame:
    """Rows of Year 6 pupils at a spring census."""
    spring = census["census_date"].dt.month.isin(SPRING_CENSUS_MONTHS)
    return census[spring & (census["year_group"] == COHORT_YEAR_GROUP)]


def cohort_years(extract: Extract) -> list[int]:
    """Years with Year 6 pupils at a spring census, ascending."""
    dates = _spring_year6(extract.table("school_census"))["census_date"]
    return sorted(int(y) for y in dates.dt.year.unique())


def labelled_years(extract: Extract, config: CohortConfig | None = None) -> list[int]:
    """Cohorts whose label horizon has fully passed by the extract date (the only trainable ones)."""
    config = config or CohortConfig()
    return [y for y in cohort_years(extract) if config.horizon_end(y) <= extract.manifest.extract_date]


def latest_cohort_year(extract: Extract, config: CohortConfig | None = None) -> int:
    """The latest cohort whose as-of date is on or before the extract date (the one to score)."""
    config = config or CohortConfig()
    reachable = [y for y in cohort_years(extract) if config.as_of(y) <= extract.manifest.extract_date]
    if not reachable:
        raise CohortError(
            f"no cohort has reached its as-of date by the extract date {extract.manifest.extract_date}"
        )
    return reachable[-1]


def build_cohort(extract: Extract, year: int, config: CohortConfig | None = None) -> Cohort:
    """The Year 6 cohort of `year`: members, labels (or <NA> when censored) and exclusions."""
    return CohortBuilder(extract, config).build(year)


def cohort_summary(extract: Extract, config: CohortConfig | None = None) -> pd.DataFrame:
    """One row per cohort reachable by the extract date: n, exclusions, positives, rate, labelled."""
    return CohortBuilder(extract, config).summary()
