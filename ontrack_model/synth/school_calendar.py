"""Dates of the English school year: terms, census days, and day numbers.

All dates inside the generator are whole days since 1970-01-01 (numpy int64), converted to ISO
dates only when files are written. A school year is named by the calendar year it ends in
(school year 2019 = September 2018 to July 2019).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)
TERMS = ("AUT", "SPR", "SUM")
# Full-term possible half-day sessions (brief: ~140 / 120 / 130).
TERM_SESSIONS = (140, 120, 130)


def day(year: int, month: int, day_of_month: int) -> int:
    """Day number of a calendar date."""
    return (dt.date(year, month, day_of_month) - EPOCH).days


def to_date(day_number: int) -> dt.date:
    """Calendar date of a day number."""
    return EPOCH + dt.timedelta(days=int(day_number))


def _nth_thursday(year: int, month: int, n: int) -> int:
    first = dt.date(year, month, 1)
    offset = (3 - first.weekday()) % 7  # Monday = 0, Thursday = 3
    return (first + dt.timedelta(days=offset + 7 * (n - 1)) - EPOCH).days


def census_day(school_year: int, term: int) -> int:
    """Census day: autumn = 1st Thursday of October, spring = 3rd Thursday of January,
    summer = 3rd Thursday of May (term 0, 1, 2 of the school year ending in `school_year`)."""
    if term == 0:
        return _nth_thursday(school_year - 1, 10, 1)
    return _nth_thursday(school_year, 1 if term == 1 else 5, 3)


def term_bounds(school_year: int, term: int) -> tuple[int, int]:
    """First and last day of a term: AUT 1 Sep-20 Dec, SPR 4 Jan-31 Mar, SUM 15 Apr-22 Jul."""
    if term == 0:
        return day(school_year - 1, 9, 1), day(school_year - 1, 12, 20)
    if term == 1:
        return day(school_year, 1, 4), day(school_year, 3, 31)
    return day(school_year, 4, 15), day(school_year, 7, 22)


def as_of_day(cohort: int) -> int:
    """As-of date of a cohort: 1 June of the year its Year 6 ends."""
    return day(cohort, 6, 1)


def extract_day(last_year: int) -> int:
    """Extract date of a world: 1 July of its last cohort's year."""
    return day(last_year, 7, 1)


def year_start_days(first: int, last: int) -> np.ndarray:
    """Day numbers of 1 January of each calendar year first..last+1 (for bucketing days into years)."""
    return np.array([day(y, 1, 1) for y in range(first, last + 2)], dtype=np.int64)


def month_start_days(first_year: int, last_year: int) -> np.ndarray:
    """Day numbers of the 1st of every month from January first_year to December last_year."""
    return np.array(
        [day(y, m, 1) for y in range(first_year, last_year + 1) for m in range(1, 13)], dtype=np.int64
    )


def days_to_iso(days: np.ndarray) -> np.ndarray:
    """Day numbers as numpy datetime64[D] (written as YYYY-MM-DD)."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def dates_in_years(years: np.ndarray, month: int, day_of_month: int) -> np.ndarray:
    """Day numbers of the same calendar date in each of `years` (vectorised over many children)."""
    years = np.asarray(years, dtype=np.int64)
    uniq, inverse = np.unique(years, return_inverse=True)
    table = np.array([day(int(y), month, day_of_month) for y in uniq], dtype=np.int64)
    return table[inverse].reshape(years.shape)


def census_days(school_years: np.ndarray, term: int) -> np.ndarray:
    """Census day of `term` (0 autumn, 1 spring, 2 summer) for each school year in the array."""
    years = np.asarray(school_years, dtype=np.int64)
    uniq, inverse = np.unique(years, return_inverse=True)
    table = np.array([census_day(int(y), term) for y in uniq], dtype=np.int64)
    return table[inverse].reshape(years.shape)


def calendar_year(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[Y]").astype(
        np.int64
    ) + 1970


def birth_school_year(birth: np.ndarray) -> np.ndarray:
    """Cohort of each child: the calendar year its Year 6 ends (UK year groups run Sep..Aug)."""
    dates = np.asarray(birth, dtype=np.int64).astype("datetime64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return np.where(month >= 9, year, year - 1) + 12
