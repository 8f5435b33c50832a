"""Integration on the synthetic world: cohorts and labels agree with the generator, features predict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ontrack_model.features import FEATURES, FeatureBuilder, build_matrix, feature_dictionary
from ontrack_model.schema import TRUTH_DIR
from ontrack_model.validation import load_extract


@pytest.fixture(scope="module")
def extract(world_dir: Path):
    return load_extract(world_dir)


@pytest.fixture(scope="module")
def matrices(extract):
    builder = FeatureBuilder(extract)
    return builder.matrices(builder.cohorts.years)


def test_cohorts_and_labels_match_the_generators_truth(world_dir: Path, matrices) -> None:
    # The generator draws outcomes with the same cohort and label definitions; only tests read truth.
    truth = pd.read_csv(world_dir / TRUTH_DIR / "pupil_truth.csv", dtype={"pupil_id": str})
    for year, matrix in matrices.items():
        expected = truth[truth["cohort"] == year].set_index("pupil_id").sort_index()
        assert matrix.X.index.tolist() == expected.index.tolist(), year
        if matrix.y is None:
            assert not matrix.cohort.labelled
        else:
            assert (matrix.y.to_numpy(dtype=int) == expected["entered_care"].to_numpy()).all(), year


def test_censored_cohorts_are_the_latest_and_unlabelled(extract, matrices) -> None:
    labelled = [y for y, m in matrices.items() if m.cohort.labelled]
    censored = [y for y, m in matrices.items() if not m.cohort.labelled]
    assert censored and labelled and max(labelled) < min(censored)
    assert all(matrices[y].y is None for y in censored)
    assert all(m.cohort.horizon_end > extract.manifest.extract_date for m in map(matrices.get, censored))


def test_every_column_is_described_and_required_ones_are_complete(matrices) -> None:
    names = feature_dictionary()["name"].tolist()
    for matrix in matrices.values():
        assert matrix.X.columns.tolist() == names == list(FEATURES)
        assert (
            not matrix.X[["open_to_social_care", "cp_plan_ever", "cp_plan_current", "referrals_12m"]]
            .isna()
            .any()
            .any()
        )


def test_logistic_regression_ranks_the_latest_labelled_cohort_well(world_dir: Path, matrices) -> None:
    labelled = sorted(y for y, m in matrices.items() if m.cohort.labelled)
    train, test = labelled[:-1], labelled[-1]
    X = pd.concat([matrices[y].X for y in train])
    y = pd.concat([matrices[y].y for y in train]).to_numpy(dtype=int)
    model = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(C=0.05, max_iter=3000),
    ).fit(X, y)
    outcome = matrices[test].y.to_numpy(dtype=int)
    auc = roc_auc_score(outcome, model.predict_proba(matrices[test].X)[:, 1])
    # The ceiling: the generator's own risk (p_bayes) ranks the same few children no better than this.
    truth = pd.read_csv(world_dir / TRUTH_DIR / "pupil_truth.csv", dtype={"pupil_id": str}).set_index(
        "pupil_id"
    )
    best = roc_auc_score(outcome, truth.loc[matrices[test].X.index, "p_bayes"])
    assert auc > 0.65 and auc > best - 0.1, f"AUC {auc:.3f} (p_bayes {best:.3f}) on cohort {test}"


def test_a_cohort_alone_equals_the_same_cohort_built_with_all_others(extract, matrices) -> None:
    year = sorted(matrices)[len(matrices) // 2]
    alone = build_matrix(extract, year)
    pd.testing.assert_frame_equal(alone.X, matrices[year].X)
    pd.testing.assert_frame_equal(alone.to_frame(), matrices[year].to_frame())


def test_surveillance_bias_shows_in_recorded_contacts(biased_world_dir: Path, matrices) -> None:
    # Recording Black pupils' contacts 3x as often must raise their contact counts, not others'.
    biased = FeatureBuilder(load_extract(biased_world_dir))
    year = max(y for y, m in matrices.items() if m.cohort.labelled)
    fair, skewed = matrices[year], biased.matrix(year)

    def mean_contacts(matrix, black: bool) -> float:
        mask = (matrix.attributes["ethnicity"] == "BLAC").to_numpy() == black
        return float(np.mean(matrix.X["contacts_ever"].to_numpy()[mask]))

    assert mean_contacts(skewed, True) > 1.5 * mean_contacts(fair, True)
    assert mean_contacts(skewed, False) == pytest.approx(mean_contacts(fair, False), rel=0.25)
