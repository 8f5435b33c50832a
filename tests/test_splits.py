"""Temporal splits: validation cohorts are later than every training cohort; censored never train."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_cohorts_helpers import make_extract

from ontrack_model.cohorts import CohortConfig, cohort_years, labelled_years
from ontrack_model.errors import CohortError
from ontrack_model.splits import TemporalSplit, final_fit_years, plot_splits, rolling_origin_splits


def test_rolling_origin_trains_on_all_earlier_labelled_cohorts() -> None:
    years = list(range(2010, 2020))
    splits = rolling_origin_splits(years, n_validation=3, min_train_years=3)
    assert [s.validation_year for s in splits] == [2017, 2018, 2019]
    assert splits[0].train_years == tuple(range(2010, 2017))
    assert splits[-1].train_years == tuple(range(2010, 2019))
    assert final_fit_years(years) == tuple(years)


def test_unsorted_and_gappy_years_are_handled() -> None:
    splits = rolling_origin_splits([2019, 2012, 2015, 2013, 2014, 2018], n_validation=2, min_train_years=2)
    assert splits == [
        TemporalSplit((2012, 2013, 2014, 2015), 2018),
        TemporalSplit((2012, 2013, 2014, 2015, 2018), 2019),
    ]


def test_splits_without_enough_history_are_skipped_then_refused(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        splits = rolling_origin_splits([2014, 2015, 2016, 2017, 2018], n_validation=3, min_train_years=3)
    assert [s.validation_year for s in splits] == [2017, 2018]
    assert "skipped validation cohort 2016" in caplog.text
    with pytest.raises(CohortError, match="no temporal split is possible"):
        rolling_origin_splits([2017, 2018], n_validation=1, min_train_years=3)
    with pytest.raises(CohortError, match="no labelled cohort"):
        rolling_origin_splits([])
    with pytest.raises(CohortError, match="no labelled cohort"):
        final_fit_years([])
    with pytest.raises(CohortError, match="n_validation"):
        rolling_origin_splits([2017, 2018], n_validation=0)


def test_gap_years_trains_only_on_outcomes_known_at_validation_as_of() -> None:
    # Cohort 2013's 5-year horizon ends on 1 June 2018, the as-of date of cohort 2018.
    years = list(range(2005, 2020))
    splits = rolling_origin_splits(years, n_validation=2, min_train_years=3, min_gap_years=5)
    assert [(s.train_years[-1], s.validation_year) for s in splits] == [(2013, 2018), (2014, 2019)]


def test_a_split_cannot_train_on_its_validation_cohort_or_later() -> None:
    with pytest.raises(CohortError, match="only on cohorts before"):
        TemporalSplit((2015, 2019), 2019)
    with pytest.raises(CohortError):
        TemporalSplit((), 2019)


@given(
    years=st.sets(st.integers(2000, 2030), min_size=1, max_size=20),
    n_validation=st.integers(1, 5),
    min_train=st.integers(1, 4),
)
def test_property_validation_is_always_later_than_training(years, n_validation, min_train) -> None:
    try:
        splits = rolling_origin_splits(sorted(years), n_validation, min_train)
    except CohortError:
        assert len(years) <= min_train  # only refused when no cohort has enough history
        return
    ordered = sorted(years)
    assert [s.validation_year for s in splits] == [
        y for y in ordered[-n_validation:] if ordered.index(y) >= min_train
    ]
    for split in splits:
        assert max(split.train_years) < split.validation_year
        assert set(split.train_years) == {y for y in years if y < split.validation_year}


def test_censored_cohorts_are_never_offered_for_training_or_validation() -> None:
    extract = make_extract()
    for horizon in (3, 5):
        config = CohortConfig(horizon_years=horizon)
        labelled = labelled_years(extract, config)
        censored = set(cohort_years(extract)) - set(labelled)
        assert censored, "the hand-made extract must have censored cohorts"
        splits = rolling_origin_splits(labelled, n_validation=2, min_train_years=1)
        used = {y for s in splits for y in (*s.train_years, s.validation_year)} | set(
            final_fit_years(labelled)
        )
        assert not used & censored
        assert all(config.horizon_end(y) <= extract.manifest.extract_date for y in used)


def test_plot_writes_a_png(tmp_path) -> None:
    splits = rolling_origin_splits(list(range(2010, 2020)))
    path = plot_splits(
        splits, final_fit_years(list(range(2010, 2020))), (2024,), tmp_path / "plots" / "splits.png"
    )
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    assert [p.name for p in path.parent.iterdir()] == ["splits.png"]  # no temporary file left behind
