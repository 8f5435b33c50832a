"""Cohorts: membership at the spring census, exclusions, labels in (as-of, horizon], censoring, errors."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pytest
from test_cohorts_helpers import (
    CARE_AFTER_HORIZON,
    CARE_AT_HORIZON,
    CARE_ON_AS_OF,
    COHORT_2019,
    EXTRACT_DATE,
    IN_CARE_LATER,
    IN_CARE_NOW,
    LEFT,
    NEWCOMER,
    OVERLAP,
    PLAIN,
    make_extract,
    make_tables,
)

from ontrack_model.cohorts import (
    MEMBER_COLUMNS,
    CohortBuilder,
    CohortConfig,
    build_cohort,
    care_periods,
    cohort_summary,
    cohort_years,
    labelled_years,
    latest_cohort_year,
)
from ontrack_model.errors import CohortError, ConfigError


@pytest.fixture(scope="module")
def extract():
    return make_extract()


@pytest.fixture(scope="module")
def cohort_2019(extract):
    return build_cohort(extract, 2019)


def test_config_dates_and_validation() -> None:
    config = CohortConfig()
    assert config.as_of(2019) == dt.date(2019, 6, 1)
    assert config.horizon_end(2019) == dt.date(2024, 6, 1)
    assert CohortConfig(as_of_month=7, as_of_day=20, horizon_years=3).horizon_end(2019) == dt.date(
        2022, 7, 20
    )
    for bad in (
        {"as_of_month": 1},
        {"as_of_month": 9},
        {"as_of_day": 31},
        {"as_of_month": 4, "as_of_day": 31},
        {"horizon_years": 0},
    ):
        with pytest.raises(ConfigError):
            CohortConfig(**bad)


def test_cohort_and_labelled_years(extract) -> None:
    assert cohort_years(extract) == list(range(2016, 2023))
    # Horizon ends 1 June Y+5; the extract is dated 2024-07-01.
    assert labelled_years(extract) == [2016, 2017, 2018, 2019]
    assert labelled_years(extract, CohortConfig(horizon_years=3)) == [2016, 2017, 2018, 2019, 2020, 2021]
    assert latest_cohort_year(extract) == 2022


def test_members_are_spring_year6_pupils_minus_exclusions(cohort_2019) -> None:
    members = cohort_2019.members
    assert list(members.columns) == list(MEMBER_COLUMNS)
    assert members["pupil_id"].is_monotonic_increasing and members["pupil_id"].is_unique
    ids = set(members["pupil_id"])
    assert {PLAIN, IN_CARE_LATER, CARE_AT_HORIZON, CARE_AFTER_HORIZON, NEWCOMER, OVERLAP} <= ids
    assert not ids & {LEFT, IN_CARE_NOW, CARE_ON_AS_OF}
    assert cohort_2019.excluded == {
        "not_in_pupils_table": 0,
        "left_before_as_of": 1,
        "looked_after_on_as_of": 2,
    }
    row = members.set_index("pupil_id").loc[IN_CARE_LATER]
    # School, FSM and SEN come from the Year 6 spring census (the pupil moved to S03 in 2016).
    assert (row["school_id"], row["fsm"], row["sen_status"], row["family_id"]) == ("S03", "Y", "E", "F02")


def test_labels_count_care_entries_in_the_half_open_horizon(cohort_2019) -> None:
    assert cohort_2019.labelled
    assert cohort_2019.as_of == dt.date(2019, 6, 1) and cohort_2019.horizon_end == dt.date(2024, 6, 1)
    labels = cohort_2019.members.set_index("pupil_id")["label"]
    assert str(labels.dtype) == "Int8"
    assert labels[IN_CARE_LATER] == 1
    assert labels[CARE_AT_HORIZON] == 1  # entry exactly on the horizon end is inside (as-of, horizon]
    assert labels[CARE_AFTER_HORIZON] == 0  # one day later is not
    assert labels[PLAIN] == 0 and labels[OVERLAP] == 0  # care before the as-of date is history, not label
    assert cohort_2019.positives == int(labels.sum()) == 2


def test_censored_cohort_has_no_labels(extract) -> None:
    cohort = build_cohort(extract, 2020)
    assert not cohort.labelled
    assert cohort.horizon_end > EXTRACT_DATE
    assert cohort.members["label"].isna().all() and str(cohort.members["label"].dtype) == "Int8"
    assert cohort.positives is None
    assert 2020 not in labelled_years(extract)


def test_left_after_as_of_date_stays_in_cohort() -> None:
    tables = make_tables()
    pupils = tables["pupils"]
    pupils.loc[pupils["pupil_id"] == PLAIN, "left_la_date"] = pd.Timestamp("2019-06-01")
    cohort = build_cohort(make_extract(tables), 2019)
    assert PLAIN in set(cohort.members["pupil_id"])
    assert cohort.excluded["left_before_as_of"] == 1


def test_unknown_year_and_as_of_after_extract_date_are_errors(extract) -> None:
    with pytest.raises(CohortError, match=r"no cohort 2031.*2016-2022"):
        build_cohort(extract, 2031)
    tables = make_tables()
    census = tables["school_census"]
    spring_2024 = (
        census[census["pupil_id"] == "C20220"]
        .tail(1)
        .assign(census_date=pd.Timestamp("2024-01-18"), year_group=6)
    )
    tables["school_census"] = pd.concat([census, spring_2024], ignore_index=True)
    late = make_extract(tables)
    assert build_cohort(late, 2024).n == 1  # as of 2024-06-01, before the extract date 2024-07-01
    with pytest.raises(CohortError, match=r"as-of date 2024-08-01 is after the extract date 2024-07-01"):
        build_cohort(late, 2024, CohortConfig(as_of_month=8))
    assert latest_cohort_year(late, CohortConfig(as_of_month=8)) == 2022


def test_events_after_extract_date_or_before_1990_are_errors() -> None:
    tables = make_tables()
    tables["social_care"].loc[0, "start_date"] = pd.Timestamp("2025-01-01")
    with pytest.raises(CohortError, match=r"table social_care, column start_date: 1 row.*episode_ids: E01"):
        build_cohort(make_extract(tables), 2019)
    tables = make_tables()
    tables["exclusions"].loc[1, "start_date"] = pd.Timestamp("1900-01-01")
    with pytest.raises(CohortError, match=r"table exclusions, column start_date.*exclusion_ids: X2"):
        build_cohort(make_extract(tables), 2019)


def test_overlapping_care_episodes_are_merged_and_counted(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        builder = CohortBuilder(make_extract())
    assert builder.data_issues == {"overlapping_lac_episodes": 1}
    assert "1 overlapping looked-after episodes" in caplog.text
    periods = builder.care_periods.set_index("pupil_id")
    assert periods.loc[OVERLAP, "start_date"] == pd.Timestamp("2016-01-01")
    assert periods.loc[OVERLAP, "end_date"] == pd.Timestamp("2017-03-01")
    assert pd.isna(periods.loc[IN_CARE_NOW, "end_date"])


def test_care_periods_keep_separate_entries_and_merge_contiguous_ones() -> None:
    sc = pd.DataFrame(
        {
            "pupil_id": ["A", "A", "A", "B"],
            "episode_type": ["LAC"] * 4,
            "start_date": pd.to_datetime(["2010-01-01", "2010-06-01", "2012-01-01", "2011-01-01"]),
            "end_date": pd.to_datetime(["2010-06-01", "2011-01-01", None, None]),
        }
    )
    periods, overlapping = care_periods(sc)
    assert overlapping == 0  # a new placement starting the day the last ended is one period of care
    assert periods["pupil_id"].tolist() == ["A", "A", "B"]
    assert periods["start_date"].tolist() == list(pd.to_datetime(["2010-01-01", "2012-01-01", "2011-01-01"]))
    assert pd.isna(periods["end_date"].iloc[1])


def test_summary_counts_match_cohorts(extract) -> None:
    summary = cohort_summary(extract).set_index("cohort")
    assert list(summary.index) == list(range(2016, 2023))
    assert summary.loc[2019, "n"] == build_cohort(extract, 2019).n
    assert summary.loc[2019, "exclusions"] == 3
    assert summary.loc[2019, "positives"] == 2
    assert summary.loc[2019, "rate"] == pytest.approx(2 / summary.loc[2019, "n"])
    assert summary.loc[2019, "labelled"] and not summary.loc[2020, "labelled"]
    assert pd.isna(summary.loc[2021, "positives"]) and pd.isna(summary.loc[2021, "rate"])


def test_builder_gives_the_same_cohort_as_a_fresh_build(extract) -> None:
    builder = CohortBuilder(extract)
    for year in (2017, 2019, 2021):
        pd.testing.assert_frame_equal(builder.build(year).members, build_cohort(extract, year).members)
    assert set(COHORT_2019) - {LEFT, IN_CARE_NOW, CARE_ON_AS_OF} <= set(
        builder.build(2019).members["pupil_id"]
    )
