"""Leakage: nothing dated on or after the as-of date may change a feature.

A hypothesis property test adds, deletes and changes events dated on or after the as-of date in
every event table (the child's, siblings' and the household's police rows), moves the unknown
end dates of episodes open on the as-of date, and moves leaving dates; the features of the
cohort (built from the unmodified extract) must not change at all. Boundary tests show the
same edits one day earlier do change features, so the property can fail.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cohorts_helpers import EXTRACT_DATE, IN_CARE_LATER, PLAIN, SIBLING, make_extract, make_tables

from ontrack_model.cohorts import CohortConfig, build_cohort
from ontrack_model.features import build_features

YEARS = (2017, 2019, 2020)
EVENT_DATE = {
    "school_census": "census_date",
    "attendance": "period_end",
    "exclusions": "start_date",
    "social_care": "start_date",
    "police_notifications": "incident_date",
}
KEY = {"exclusions": "exclusion_id", "social_care": "episode_id", "police_notifications": "notification_id"}
EPISODES = ("CONTACT", "REFERRAL", "ASSESSMENT", "EARLY_HELP", "CIN_PLAN", "CP_PLAN", "LAC")
FACTORS = (None, "DA", "DA;PMH", "NEG;PHY;SXA", "PSM;CMH;MIS;CCE;YC;LD;EMO")

_BASE = make_tables()
_COHORTS = {year: build_cohort(make_extract(), year) for year in YEARS}
_FEATURES = {year: build_features(make_extract(), cohort) for year, cohort in _COHORTS.items()}

mutation = st.fixed_dictionaries(
    {
        "table": st.sampled_from([*EVENT_DATE, "open_episode_end", "left_la_date"]),
        "action": st.sampled_from(["add", "delete", "change"]),
        "row": st.integers(0, 10_000),
        "owner": st.integers(0, 10_000),
        "day": st.integers(0, 10_000),
        "day2": st.integers(0, 10_000),
        "pick": st.integers(0, 10_000),
        "open": st.booleans(),
    }
)


def _later(as_of: pd.Timestamp, offset: int) -> pd.Timestamp:
    """A day in [as_of, extract date]."""
    span = (pd.Timestamp(EXTRACT_DATE) - as_of).days
    return as_of + pd.Timedelta(days=offset % (span + 1))


def _set(frame: pd.DataFrame, index: int, **values: object) -> None:
    for column, value in values.items():
        frame.loc[index, column] = value


def _attributes(table: str, frame: pd.DataFrame, i: int, m: dict, as_of: pd.Timestamp) -> None:
    """Change what an event says (not only when) for row label i."""
    p = m["pick"]
    if table == "school_census":
        _set(
            frame,
            i,
            school_id=("S01", "S99")[p % 2],
            fsm="YN"[p % 2],
            sen_status="NKE"[p % 3],
            year_group=p % 15,
        )
    elif table == "attendance":
        possible = 1 + p % 150
        authorised = p % (possible + 1)
        _set(
            frame,
            i,
            possible_sessions=possible,
            authorised_absence=authorised,
            unauthorised_absence=(p // 7) % (possible - authorised + 1),
            period_start=frame.loc[i, "period_end"] - pd.Timedelta(days=p % 120),
        )
    elif table == "exclusions":
        _set(frame, i, category=("SUSP", "PERM")[p % 2], sessions=1 + p % 20)
    elif table == "social_care":
        start = frame.loc[i, "start_date"]
        end = pd.NaT if m["open"] else _later(start, m["day2"])
        _set(
            frame,
            i,
            episode_type=EPISODES[p % len(EPISODES)],
            end_date=end,
            factors=FACTORS[p % len(FACTORS)] if EPISODES[p % len(EPISODES)] == "ASSESSMENT" else None,
        )
    elif table == "police_notifications":
        _set(frame, i, notification_type=("DA_INCIDENT", "DA_CRIME")[p % 2], children_present="YNU"[p % 3])


def mutate(tables: dict[str, pd.DataFrame], m: dict, as_of: pd.Timestamp) -> None:
    """Apply one edit that only touches what happened on or after `as_of`."""
    table = m["table"]
    pupils = tables["pupils"]
    if table == "left_la_date":
        may_move = pupils.index[pupils["left_la_date"].isna() | (pupils["left_la_date"] >= as_of)]
        i = may_move[m["row"] % len(may_move)]
        pupils.loc[i, "left_la_date"] = pd.NaT if m["open"] else _later(as_of, m["day"])
        return
    if table == "open_episode_end":
        sc = tables["social_care"]
        open_on = sc.index[(sc["start_date"] < as_of) & (sc["end_date"].isna() | (sc["end_date"] >= as_of))]
        if len(open_on):
            i = open_on[m["row"] % len(open_on)]
            sc.loc[i, "end_date"] = pd.NaT if m["open"] else _later(as_of, m["day"])
        return
    frame = tables[table]
    date_column = EVENT_DATE[table]
    later_rows = frame.index[frame[date_column] >= as_of]
    if m["action"] == "delete" and len(later_rows):
        tables[table] = frame.drop(index=later_rows[m["row"] % len(later_rows)])
        return
    if m["action"] == "change" and len(later_rows):
        i = later_rows[m["row"] % len(later_rows)]
        frame.loc[i, date_column] = _later(as_of, m["day"])
        _attributes(table, frame, i, m, as_of)
        return
    # Add: a copy of some row, re-dated on or after the as-of date, for any child or household.
    new = frame.iloc[[m["row"] % len(frame)]].copy()
    new.index = [frame.index.max() + 1]
    owner_column = "family_id" if table == "police_notifications" else "pupil_id"
    owners = pupils[owner_column].unique()
    new[owner_column] = owners[m["owner"] % len(owners)]
    if table in KEY:
        new[KEY[table]] = f"NEW{len(frame)}"
    new[date_column] = _later(as_of, m["day"])
    tables[table] = frame = pd.concat([frame, new])
    _attributes(table, frame, new.index[0], m, as_of)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.sampled_from(YEARS), mutations=st.lists(mutation, min_size=1, max_size=6))
def test_events_on_or_after_as_of_never_change_features(year: int, mutations: list[dict]) -> None:
    cohort = _COHORTS[year]
    as_of = pd.Timestamp(cohort.as_of)
    tables = {name: frame.copy() for name, frame in _BASE.items()}
    for m in mutations:
        mutate(tables, m, as_of)
    features = build_features(make_extract(tables), cohort)
    pd.testing.assert_frame_equal(features, _FEATURES[year])


def _with_row(table: str, **values: object) -> dict[str, pd.DataFrame]:
    tables = make_tables()
    frame = tables[table]
    new = frame.iloc[[0]].copy()
    for column, value in values.items():
        new[column] = value
    tables[table] = pd.concat([frame, new], ignore_index=True)
    return tables


@pytest.mark.parametrize(
    ("table", "values", "feature", "pupil"),
    [
        (
            "social_care",
            {"episode_id": "B1", "pupil_id": PLAIN, "episode_type": "REFERRAL"},
            "referrals_12m",
            PLAIN,
        ),
        (
            "social_care",
            {"episode_id": "B2", "pupil_id": SIBLING, "episode_type": "REFERRAL"},
            "sibling_referrals_ever",
            IN_CARE_LATER,
        ),
        (
            "exclusions",
            {"exclusion_id": "B3", "pupil_id": PLAIN, "category": "PERM"},
            "permanent_exclusions_ever",
            PLAIN,
        ),
        (
            "police_notifications",
            {"notification_id": "B4", "family_id": "F02"},
            "police_da_12m",
            IN_CARE_LATER,
        ),
    ],
)
def test_the_day_before_as_of_counts_and_the_as_of_date_does_not(table, values, feature, pupil) -> None:
    cohort = _COHORTS[2019]
    before = _FEATURES[2019].loc[pupil, feature]
    day_column = EVENT_DATE[table]
    on_as_of = build_features(
        make_extract(_with_row(table, **values, **{day_column: pd.Timestamp("2019-06-01")})), cohort
    )
    assert on_as_of.loc[pupil, feature] == before
    day_before = build_features(
        make_extract(_with_row(table, **values, **{day_column: pd.Timestamp("2019-05-31")})), cohort
    )
    assert day_before.loc[pupil, feature] == before + 1


def test_an_episode_ended_the_day_before_as_of_is_closed() -> None:
    cohort = _COHORTS[2019]
    assert _FEATURES[2019].loc[IN_CARE_LATER, "cp_plan_current"] == 1
    tables = make_tables()
    sc = tables["social_care"]
    sc.loc[sc["episode_id"] == "E06", "end_date"] = pd.Timestamp("2019-06-01")
    assert build_features(make_extract(tables), cohort).loc[IN_CARE_LATER, "cp_plan_current"] == 1
    sc.loc[sc["episode_id"] == "E06", "end_date"] = pd.Timestamp("2019-05-31")
    features = build_features(make_extract(tables), cohort)
    assert features.loc[IN_CARE_LATER, "cp_plan_current"] == 0
    assert (
        features.loc[IN_CARE_LATER, "cp_plan_months"] < _FEATURES[2019].loc[IN_CARE_LATER, "cp_plan_months"]
    )


def test_the_summer_term_running_past_as_of_is_not_used() -> None:
    cohort = _COHORTS[2019]
    tables = make_tables()
    att = tables["attendance"]
    summer = (att["pupil_id"] == PLAIN) & (att["period_end"] == pd.Timestamp("2019-07-22"))
    assert summer.sum() == 1
    att.loc[summer, "unauthorised_absence"] = 100
    pd.testing.assert_frame_equal(build_features(make_extract(tables), cohort), _FEATURES[2019])
    att.loc[summer, "period_end"] = pd.Timestamp("2019-05-31")  # had it ended before as-of, it would count
    changed = build_features(make_extract(tables), cohort)
    assert changed.loc[PLAIN, "attendance_last_term"] < _FEATURES[2019].loc[PLAIN, "attendance_last_term"]


def test_later_as_of_day_sees_more_but_never_the_future() -> None:
    # The same cohort looked at on 1 August sees the summer term; labels still start after it.
    august = build_cohort(make_extract(), 2019, CohortConfig(as_of_month=8))
    features = build_features(make_extract(), august)
    assert features.loc[PLAIN, "attendance_last_term"] == pytest.approx(1 - 14 / 130)  # the summer term
    assert np.isclose(features.loc[PLAIN, "permanent_exclusions_ever"], 1)  # dated 1 June: now in the past
    assert august.as_of == dt.date(2019, 8, 1)
