"""Features of the hand-made cohort 2019: values worked out by hand, missing values, the dictionary."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from test_cohorts_helpers import (
    CARE_AT_HORIZON,
    IN_CARE_LATER,
    NEWCOMER,
    OVERLAP,
    PLAIN,
    make_extract,
    make_tables,
)

from ontrack_model.cohorts import CohortConfig, build_cohort
from ontrack_model.errors import ConfigError
from ontrack_model.feature_spec import FeatureSpec
from ontrack_model.features import (
    FEATURE_DICTIONARY_VERSION,
    FEATURES,
    ID_COLUMNS,
    PROTECTED_ATTRIBUTES,
    FeatureBuilder,
    FeatureConfig,
    build_features,
    build_matrices,
    build_matrix,
    feature_dictionary,
    feature_specs,
)

MONTH = 365.25 / 12


@pytest.fixture(scope="module")
def extract():
    return make_extract()


@pytest.fixture(scope="module")
def matrix(extract):
    return build_matrix(extract, 2019)


@pytest.fixture(scope="module")
def feats(matrix):
    return matrix.X


def test_matrix_shape_types_and_alignment(matrix) -> None:
    feats = matrix.X
    assert list(feats.columns) == list(FEATURES)
    assert (feats.dtypes == np.float64).all()
    assert feats.index.name == "pupil_id"
    assert list(feats.index) == matrix.cohort.members["pupil_id"].tolist()
    assert list(matrix.ids.columns) == ["pupil_id", "family_id", "school_id", "borough"]
    assert matrix.ids.index.equals(feats.index) and matrix.attributes.index.equals(feats.index)
    assert list(matrix.attributes.columns) == [*PROTECTED_ATTRIBUTES, "eal"]
    assert matrix.y is not None and matrix.y.index.equals(feats.index) and str(matrix.y.dtype) == "Int8"
    assert matrix.y[IN_CARE_LATER] == 1


def test_to_frame_file_layout(extract, matrix) -> None:
    frame = matrix.to_frame()
    assert list(frame.columns) == [*ID_COLUMNS, *FEATURES]
    assert (frame["cohort"] == 2019).all()
    assert frame["label"].tolist() == matrix.y.tolist()
    censored = build_matrix(extract, 2021)
    assert censored.y is None and censored.to_frame()["label"].isna().all()


def test_attendance_counts_only_terms_ended_before_as_of(feats) -> None:
    row = feats.loc[PLAIN]
    # 14 of 120 sessions missed in the spring term; 42 of 390 in the three terms ended in the last year.
    assert row["attendance_last_term"] == pytest.approx(1 - 14 / 120)
    assert row["attendance_12m"] == pytest.approx(1 - 42 / 390)
    assert row["unauthorised_absence_12m"] == pytest.approx(12 / 390)
    assert row["persistent_absence_12m"] == 1.0
    # Terms ended in the 3 years before 1 June 2019: summer 2016 ... spring 2019 = 9 terms, 8 of
    # them at the new school with 30 absences a term (below 90%).
    assert feats.loc[IN_CARE_LATER, "persistent_absence_terms_3y"] == 8
    assert feats.loc[IN_CARE_LATER, "attendance_trend"] == pytest.approx(0.0)


def test_suspensions_use_start_dates_strictly_before_as_of(feats) -> None:
    row = feats.loc[PLAIN]
    assert row["suspensions_last_term"] == 1 and row["suspensions_12m"] == 1
    assert row["suspensions_3y"] == 2 and row["suspensions_ever"] == 2
    assert row["suspension_sessions_12m"] == 2 and row["suspension_sessions_ever"] == 6
    assert row["permanent_exclusions_ever"] == 0  # the permanent exclusion is dated on the as-of date
    assert row["months_since_last_suspension"] == 3  # 10 Feb to 1 June
    assert feats.loc[IN_CARE_LATER, "permanent_exclusions_ever"] == 1


def test_census_history(feats) -> None:
    assert (
        feats.loc[IN_CARE_LATER, "school_moves_ever"] == 1
        and feats.loc[IN_CARE_LATER, "school_moves_3y"] == 1
    )
    assert feats.loc[PLAIN, "school_moves_ever"] == 0
    assert feats.loc[IN_CARE_LATER, "fsm_now"] == 1 and feats.loc[IN_CARE_LATER, "fsm_ever"] == 1
    assert 0 < feats.loc[IN_CARE_LATER, "fsm_share"] < 1
    assert feats.loc[IN_CARE_LATER, "sen_ehcp_now"] == 1 and feats.loc[IN_CARE_LATER, "sen_support_now"] == 0
    assert feats.loc[PLAIN, "sen_support_now"] == 1 and feats.loc[PLAIN, "sen_ever"] == 1
    assert feats.loc[PLAIN, "birth_month_in_school_year"] == 2  # October
    assert feats.loc[IN_CARE_LATER, "birth_month_in_school_year"] == 12  # August
    assert feats.loc[IN_CARE_LATER, "eal"] == 1 and feats.loc[PLAIN, "eal"] == 0
    assert feats.loc[NEWCOMER, "months_known_to_schools"] == pytest.approx(
        (pd.Timestamp("2019-06-01") - pd.Timestamp("2019-01-18")).days / MONTH
    )


def test_missing_information_is_nan_not_zero(feats) -> None:
    newcomer = feats.loc[NEWCOMER]
    for name in (
        "attendance_last_term",
        "attendance_12m",
        "attendance_3y",
        "attendance_trend",
        "persistent_absence_12m",
        "persistent_absence_terms_3y",
        "suspensions_last_term",
    ):
        assert np.isnan(newcomer[name]), name
    assert newcomer["suspensions_12m"] == 0  # in school in the last 12 months (spring census): known zero
    assert np.isnan(feats.loc[PLAIN, "months_since_last_referral"])
    known_everywhere = [
        "referrals_12m",
        "cp_plan_ever",
        "open_to_social_care",
        "school_moves_ever",
        "police_da_ever",
        "siblings",
    ]
    assert not feats[known_everywhere].isna().any().any()


def test_social_care_as_of_the_as_of_date(feats) -> None:
    row = feats.loc[IN_CARE_LATER]
    assert row["contacts_12m"] == 1 and row["referrals_12m"] == 1 and row["referrals_3y"] == 2
    assert row["assessments_12m"] == 2 and row["months_since_last_referral"] == 0
    assert row["open_to_social_care"] == 1 and row["cp_plan_current"] == 1 and row["cp_plan_ever"] == 1
    # The CP plan ends after the as-of date: only its months before the as-of date count.
    assert row["cp_plan_months"] == pytest.approx(273 / MONTH)
    # DA and PMH were found at an assessment completed in April; NEG at one completed after as-of.
    assert row["factor_da_ever"] == 1 and row["factor_da_3y"] == 1 and row["factor_pmh_ever"] == 1
    assert row["factor_neg_ever"] == 0
    assert row["looked_after_ever"] == 0  # entering care in 2020 is the label, never a feature
    assert feats.loc[CARE_AT_HORIZON, "looked_after_ever"] == 1
    assert feats.loc[OVERLAP, "months_looked_after"] == pytest.approx(
        425 / MONTH
    )  # merged, not double counted
    assert feats.loc[PLAIN, "early_help_current"] == 1 and feats.loc[PLAIN, "open_to_social_care"] == 0


def test_family_features(feats) -> None:
    row = feats.loc[IN_CARE_LATER]
    assert row["siblings"] == 1  # the baby born in 2020 is not yet known
    assert row["sibling_referrals_ever"] == 1 and row["sibling_cp_plan_ever"] == 1
    assert row["sibling_cp_plan_current"] == 0
    assert row["sibling_looked_after_current"] == 1 and row["sibling_looked_after_ever"] == 1
    police = feats.loc[PLAIN]
    assert police["police_da_12m"] == 1 and police["police_da_ever"] == 2  # the July 2019 one is later
    assert police["police_da_children_present_ever"] == 1 and police["police_da_crimes_ever"] == 1
    assert feats.loc[PLAIN, "sibling_referrals_ever"] == 0


def test_features_of_a_cohort_do_not_depend_on_other_cohorts(extract, matrix) -> None:
    together = build_matrices(extract, [2016, 2021, 2019, 2017])
    pd.testing.assert_frame_equal(together[2019].X, matrix.X)
    builder = FeatureBuilder(extract)
    builder.matrix(2022)
    pd.testing.assert_frame_equal(builder.matrix(2019).X, matrix.X)
    alone = build_features(extract, build_cohort(extract, 2019))
    pd.testing.assert_frame_equal(alone, matrix.X)


def test_rows_for_unknown_pupils_are_dropped_and_counted(caplog) -> None:
    tables = make_tables()
    sc = tables["social_care"]
    extra = sc.iloc[[1]].assign(episode_id="E99", pupil_id="NOBODY")
    tables["social_care"] = pd.concat([sc, extra], ignore_index=True)
    with caplog.at_level(logging.WARNING):
        builder = FeatureBuilder(make_extract(tables))
    assert builder.data_issues["social_care_rows_for_unknown_ids"] == 1
    assert "1 social_care row(s)" in caplog.text
    pd.testing.assert_frame_equal(builder.matrix(2019).X, build_matrix(make_extract(), 2019).X)


def test_protected_characteristics_are_features_only_on_request(extract, feats) -> None:
    assert not {"sex", "ethnicity", "sex_female"} & set(feats.columns)
    with_sex = build_matrix(
        extract, 2019, feature_config=FeatureConfig(include_protected=("sex", "ethnicity"))
    )
    extra = [c for c in with_sex.X.columns if c not in FEATURES]
    assert extra[0] == "sex_female" and len(extra) == 1 + 7
    assert with_sex.X.loc[PLAIN, "sex_female"] == 1 and with_sex.X.loc[IN_CARE_LATER, "ethnicity_blac"] == 1
    assert list(feature_dictionary(FeatureConfig(include_protected=("sex",)))["name"])[-1] == "sex_female"
    with pytest.raises(ConfigError, match="borough"):
        FeatureConfig(include_protected=("borough",))


def test_dictionary_covers_every_column_exactly(feats) -> None:
    dictionary = feature_dictionary()
    assert list(dictionary["name"]) == list(feats.columns)
    assert list(dictionary.columns) == ["name", "group", "description", "kind", "window", "level", "source"]
    assert 50 <= len(FEATURES) <= 90
    for name in ("open_to_social_care", "cp_plan_ever", "cp_plan_current", "referrals_12m"):
        assert name in FEATURES
    assert FEATURES["referrals_12m"].kind == "count" and FEATURES["cp_plan_current"].kind == "flag"
    assert len(set(dictionary["group"])) <= 20
    assert FEATURE_DICTIONARY_VERSION.startswith("fd-")


@pytest.mark.parametrize(
    "spec",
    list(feature_specs(FeatureConfig(include_protected=("sex", "ethnicity"))).values()),
    ids=lambda s: s.name,
)
def test_every_spec_reads_well(spec: FeatureSpec, feats) -> None:
    assert spec.group and spec.description.endswith(".") and spec.window and spec.source
    assert spec.kind in ("count", "rate", "flag", "months", "years", "number", "ordinal")
    if spec.kind != "flag":
        assert "{value}" in spec.fact, spec.name
    assert spec.describe_fact(1.0)
    if spec.name in feats.columns and feats[spec.name].isna().any():
        assert spec.fact_missing, f"{spec.name} can be missing but has no fact_missing"


def test_as_of_date_moves_the_windows(extract) -> None:
    early = build_matrix(extract, 2019, CohortConfig(as_of_month=4, as_of_day=1)).X
    # On 1 April 2019 the spring term (ending 31 March) is complete but the suspension of
    # 10 February is still in the last term; the May referral has not happened yet.
    assert early.loc[IN_CARE_LATER, "referrals_12m"] == 0
    assert early.loc[PLAIN, "suspensions_last_term"] == 1
    assert early.loc[IN_CARE_LATER, "cp_plan_months"] == pytest.approx(212 / MONTH)


def test_a_missed_census_is_counted() -> None:
    tables = make_tables()
    census = tables["school_census"]
    missed = (census["pupil_id"] == PLAIN) & (census["census_date"] == pd.Timestamp("2018-01-18"))
    tables["school_census"] = census[~missed]
    features = build_matrix(make_extract(tables), 2019).X
    assert features.loc[PLAIN, "missed_censuses_3y"] == 1
    assert features.loc[IN_CARE_LATER, "missed_censuses_3y"] == 0


def test_prepared_tables_are_reused_for_the_same_extract_only(monkeypatch) -> None:
    import gc

    from ontrack_model.features import reuse

    calls = []
    real = reuse.prepare_tables
    monkeypatch.setattr(reuse, "prepare_tables", lambda *a: calls.append(1) or real(*a))
    reuse.clear()
    extract = make_extract()
    first = build_matrix(extract, 2019)
    build_matrix(extract, 2018)
    build_features(extract, first.cohort)
    assert len(calls) == 1
    # Replacing a table is a different extract as far as features are concerned.
    tables = dict(extract.tables)
    sc = tables["social_care"]
    tables["social_care"] = sc[sc["episode_id"] != "E02"]
    extract.tables = tables
    changed = build_matrix(extract, 2019)
    assert len(calls) == 2
    assert changed.X.loc[IN_CARE_LATER, "referrals_12m"] == first.X.loc[IN_CARE_LATER, "referrals_12m"] - 1
    del extract, first, changed
    gc.collect()
    assert reuse._slot is None  # nothing is kept once the extract is gone
