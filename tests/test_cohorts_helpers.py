"""A small hand-made extract whose every event date is chosen, shared by the cohort, feature and split tests.

Cohort years 2016-2022 (Year 6 at the spring census), extract date 2024-07-01, horizon 5 years:
cohorts 2016-2019 are labelled, 2020-2022 censored. Cohort 2019 (as of 2019-06-01) holds the
pupils the tests reason about; the constants below say who is who.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ontrack_model.extract import Extract, Manifest

EXTRACT_DATE = dt.date(2024, 7, 1)
YEARS = tuple(range(2016, 2023))
AS_OF_2019 = pd.Timestamp("2019-06-01")

PLAIN = "P01"  # no social care; attendance 90%; two suspensions; household with police notifications
IN_CARE_LATER = "P02"  # CP plan open on the as-of date, enters care 2020-03-01 (label 1)
LEFT = "P03"  # left the LA on 2019-03-01 (excluded)
IN_CARE_NOW = "P04"  # looked after since 2018 (excluded)
CARE_AT_HORIZON = "P05"  # care 2015 (history), enters care again exactly at the horizon end (label 1)
CARE_ON_AS_OF = "P06"  # enters care on the as-of date itself (excluded: looked after on the as-of date)
CARE_AFTER_HORIZON = "P07"  # enters care one day after the horizon end (label 0)
SIBLING = "P08"  # older sibling of P02: referral, past CP plan, in care since 2019-01-01
NEWCOMER = "P09"  # only one record: the spring census 2019 (no attendance, not in the summer census)
OVERLAP = "P10"  # two overlapping LAC episodes in 2016 (merged into one period of care)
COHORT_2019 = (
    PLAIN,
    IN_CARE_LATER,
    LEFT,
    IN_CARE_NOW,
    CARE_AT_HORIZON,
    CARE_ON_AS_OF,
    CARE_AFTER_HORIZON,
    NEWCOMER,
    OVERLAP,
)

TERMS = (("AUT", (9, 4), (12, 20), 140), ("SPR", (1, 4), (3, 31), 120), ("SUM", (4, 15), (7, 22), 130))
CENSUS_DAYS = ((10, 5), (1, 18), (5, 16))  # autumn (previous calendar year), spring, summer


def _d(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text) if text else pd.NaT


def _school_history(
    pupil: str,
    cohort: int,
    school: str,
    first_year: int,
    last_year: int,
    absences: tuple[int, int],
    fsm: str,
    sen: str,
    attendance: bool = True,
    census_from: pd.Timestamp | None = None,
) -> tuple[list[tuple], list[tuple]]:
    """Census and attendance rows for school years first_year..last_year (named by their ending year)."""
    census, terms = [], []
    for year in range(first_year, last_year + 1):
        group = 6 - (cohort - year)
        for t, (month, day) in enumerate(CENSUS_DAYS):
            date = pd.Timestamp(year - 1 if t == 0 else year, month, day)
            if date.date() > EXTRACT_DATE or (census_from is not None and date < census_from):
                continue
            census.append((pupil, date, school, "LBHF", group, fsm, sen))
        if not attendance:
            continue
        for name, (m1, d1), (m2, d2), possible in TERMS:
            start = pd.Timestamp(year - 1 if name == "AUT" else year, m1, d1)
            end = pd.Timestamp(year - 1 if name == "AUT" else year, m2, d2)
            if end.date() > EXTRACT_DATE:
                continue
            terms.append(
                (pupil, school, f"{year - 1}/{str(year)[2:]}", name, start, end, possible, *absences)
            )
    return census, terms


def make_tables() -> dict[str, pd.DataFrame]:
    """The hand-made tables, typed as `load_extract` returns them."""
    pupils = [
        # pupil_id, family_id, sex, ethnicity, birth_month, eal, left_la_date
        (PLAIN, "F01", "F", "WHIT", "2007-10", "N", None),
        (IN_CARE_LATER, "F02", "M", "BLAC", "2008-08", "Y", None),
        (LEFT, "F03", "F", "ASIA", "2007-12", "U", "2019-03-01"),
        (IN_CARE_NOW, "F04", "M", "WHIT", "2008-02", "N", None),
        (CARE_AT_HORIZON, "F05", "F", "MIXD", "2008-01", "N", None),
        (CARE_ON_AS_OF, "F06", "M", "WHIT", "2007-09", "N", None),
        (CARE_AFTER_HORIZON, "F07", "F", "CHIN", "2008-03", "N", None),
        (SIBLING, "F02", "F", "BLAC", "2005-05", "Y", None),
        (NEWCOMER, "F09", "M", "AOEG", "2008-06", "Y", None),
        (OVERLAP, "F10", "F", "WHIT", "2007-11", "N", None),
        ("P11", "F02", "M", "BLAC", "2020-02", "Y", None),  # baby sibling born after the 2019 as-of date
    ]
    census: list[tuple] = []
    attendance: list[tuple] = []

    def add(rows: tuple[list[tuple], list[tuple]]) -> None:
        census.extend(rows[0])
        attendance.extend(rows[1])

    # Cohort 2019 pupils: reception (2013) to Year 6 (2019) and two years of secondary school after it.
    add(_school_history(PLAIN, 2019, "S01", 2013, 2021, (10, 4), "Y", "K"))
    add(_school_history(IN_CARE_LATER, 2019, "S02", 2013, 2016, (6, 0), "N", "N"))
    add(_school_history(IN_CARE_LATER, 2019, "S03", 2017, 2021, (20, 10), "Y", "E"))  # moved school in 2016
    for pupil in (LEFT, IN_CARE_NOW, CARE_AT_HORIZON, CARE_ON_AS_OF, CARE_AFTER_HORIZON, OVERLAP):
        add(_school_history(pupil, 2019, "S01", 2013, 2020, (5, 1), "N", "N"))
    newcomer = _school_history(
        NEWCOMER,
        2019,
        "S04",
        2019,
        2019,
        (0, 0),
        "N",
        "N",
        attendance=False,
        census_from=pd.Timestamp("2019-01-01"),
    )
    add(([row for row in newcomer[0] if row[1].month == 1], []))  # only the spring census 2019
    add(_school_history(SIBLING, 2016, "S05", 2010, 2021, (8, 8), "Y", "N"))  # Year 6 in 2016
    # A few more pupils so every cohort year 2016-2022 has members.
    extra = []
    for i, cohort in enumerate(YEARS):
        for j in range(3):
            pid = f"C{cohort}{j}"
            extra.append((pid, f"FC{cohort}{j}", "MF"[j % 2], "WHIT", f"{cohort - 12}-0{j + 1}", "N", None))
            add(_school_history(pid, cohort, "S06", cohort - 6, min(cohort + 2, 2024), (3 + i, j), "N", "N"))
    pupils.extend(extra)

    exclusions = [
        # exclusion_id, pupil_id, school_id, start_date, category, sessions, reason
        ("X1", PLAIN, "S01", "2019-02-10", "SUSP", 2, "DB"),  # last term
        ("X2", PLAIN, "S01", "2017-01-10", "SUSP", 4, "VA"),  # last 3 years, not last 12 months
        ("X3", PLAIN, "S01", "2019-06-01", "PERM", 1, "PA"),  # on the as-of date: not known
        ("X4", PLAIN, "S01", "2019-06-05", "SUSP", 3, "DB"),  # after the as-of date
        ("X5", IN_CARE_LATER, "S03", "2015-11-20", "PERM", 1, "PA"),
        ("X6", "C20200", "S06", "2020-02-01", "SUSP", 1, "DB"),
    ]
    social_care = [
        # episode_id, pupil_id, episode_type, start_date, end_date, factors
        ("E01", IN_CARE_LATER, "CONTACT", "2019-05-10", "2019-05-10", None),
        ("E02", IN_CARE_LATER, "REFERRAL", "2019-05-20", "2019-05-20", None),
        ("E03", IN_CARE_LATER, "REFERRAL", "2017-03-01", "2017-03-01", None),
        ("E04", IN_CARE_LATER, "ASSESSMENT", "2019-03-01", "2019-04-15", "DA;PMH"),
        ("E05", IN_CARE_LATER, "ASSESSMENT", "2019-05-01", "2019-07-01", "NEG"),  # completed after as-of
        ("E06", IN_CARE_LATER, "CP_PLAN", "2018-09-01", "2020-01-01", None),  # open on the as-of date
        ("E07", IN_CARE_LATER, "LAC", "2020-03-01", None, None),
        ("E08", IN_CARE_NOW, "LAC", "2018-01-01", None, None),
        ("E09", CARE_AT_HORIZON, "LAC", "2015-01-01", "2016-01-01", None),
        ("E10", CARE_AT_HORIZON, "LAC", "2024-06-01", None, None),
        ("E11", CARE_ON_AS_OF, "LAC", "2019-06-01", "2019-08-01", None),
        ("E12", CARE_AFTER_HORIZON, "LAC", "2024-06-02", None, None),
        ("E13", SIBLING, "REFERRAL", "2018-01-01", "2018-01-01", None),
        ("E14", SIBLING, "CP_PLAN", "2017-02-01", "2018-02-01", None),
        ("E15", SIBLING, "LAC", "2019-01-01", None, None),
        ("E16", OVERLAP, "LAC", "2016-01-01", "2016-12-31", None),
        ("E17", OVERLAP, "LAC", "2016-06-01", "2017-03-01", None),
        ("E18", PLAIN, "EARLY_HELP", "2018-10-01", None, None),
        ("E19", "C20170", "REFERRAL", "2016-05-01", "2016-05-01", None),
        ("E20", "C20200", "LAC", "2021-01-05", "2021-09-01", None),
    ]
    police = [
        # notification_id, family_id, incident_date, notification_type, children_present
        ("N1", "F01", "2019-03-01", "DA_INCIDENT", "Y"),
        ("N2", "F01", "2015-01-01", "DA_CRIME", "N"),
        ("N3", "F01", "2019-07-01", "DA_CRIME", "Y"),  # after the as-of date
    ]
    frames = {
        "pupils": pd.DataFrame(
            pupils,
            columns=["pupil_id", "family_id", "sex", "ethnicity", "birth_month", "eal", "left_la_date"],
        ),
        "school_census": pd.DataFrame(
            census,
            columns=["pupil_id", "census_date", "school_id", "borough", "year_group", "fsm", "sen_status"],
        ),
        "attendance": pd.DataFrame(
            attendance,
            columns=[
                "pupil_id",
                "school_id",
                "academic_year",
                "term",
                "period_start",
                "period_end",
                "possible_sessions",
                "authorised_absence",
                "unauthorised_absence",
            ],
        ),
        "exclusions": pd.DataFrame(
            exclusions,
            columns=["exclusion_id", "pupil_id", "school_id", "start_date", "category", "sessions", "reason"],
        ),
        "social_care": pd.DataFrame(
            social_care,
            columns=["episode_id", "pupil_id", "episode_type", "start_date", "end_date", "factors"],
        ),
        "police_notifications": pd.DataFrame(
            police,
            columns=[
                "notification_id",
                "family_id",
                "incident_date",
                "notification_type",
                "children_present",
            ],
        ),
    }
    return _typed(frames)


DATE_COLUMNS = {
    "pupils": ("left_la_date",),
    "school_census": ("census_date",),
    "attendance": ("period_start", "period_end"),
    "exclusions": ("start_date",),
    "social_care": ("start_date", "end_date"),
    "police_notifications": ("incident_date",),
}
INT_COLUMNS = {
    "school_census": ("year_group",),
    "exclusions": ("sessions",),
    "attendance": ("possible_sessions", "authorised_absence", "unauthorised_absence"),
}


def _typed(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    for name, frame in frames.items():
        for column in frame.columns:
            if column in DATE_COLUMNS.get(name, ()):
                frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
            elif column in INT_COLUMNS.get(name, ()):
                frame[column] = frame[column].astype("int64")
            else:
                frame[column] = frame[column].astype("str")
    return frames


def make_extract(
    tables: dict[str, pd.DataFrame] | None = None, extract_date: dt.date = EXTRACT_DATE
) -> Extract:
    """The hand-made extract (or one with the given tables)."""
    return Extract(Manifest(extract_date=extract_date, synthetic=True), tables or make_tables())


def test_hand_made_extract_has_every_cohort_and_valid_dates() -> None:
    extract = make_extract()
    census = extract.tables["school_census"]
    spring_y6 = census[(census["census_date"].dt.month == 1) & (census["year_group"] == 6)]
    assert sorted(spring_y6["census_date"].dt.year.unique()) == list(YEARS)
    for name, columns in DATE_COLUMNS.items():
        for column in columns:
            assert (extract.tables[name][column].dropna() <= pd.Timestamp(EXTRACT_DATE)).all(), (name, column)
    assert not np.any(extract.tables["pupils"]["pupil_id"].duplicated())
