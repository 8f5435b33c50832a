"""Candidate scorers, calibration and the model's column checks."""

import numpy as np
import pandas as pd
import pytest

from ontrack_model.calibration import Calibrator
from ontrack_model.errors import ModelInputError
from ontrack_model.models import CandidateSpec, default_candidates, fit_candidate


def _data(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "open_to_social_care": rng.integers(0, 2, n).astype(float),
            "cp_plan_ever": rng.integers(0, 2, n).astype(float),
            "cp_plan_current": np.zeros(n),
            "referrals_12m": rng.poisson(0.3, n).astype(float),
            "attendance": rng.uniform(0.7, 1.0, n),
        }
    )
    X.loc[rng.random(n) < 0.1, "attendance"] = np.nan
    logit = -4 + 1.5 * X["cp_plan_ever"] + 0.8 * X["referrals_12m"] - 3 * (X["attendance"].fillna(0.9) - 0.9)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.mark.parametrize("kind", ["logistic", "hgb"])
def test_ml_candidates_rank_better_than_random(kind: str) -> None:
    from sklearn.metrics import roc_auc_score

    X, y = _data()
    Xt, yt = _data(seed=1)
    params = {"max_iter": 50} if kind == "hgb" else {}
    scorer = fit_candidate(CandidateSpec(kind, kind, params), X, y, seed=0)
    assert roc_auc_score(yt, scorer.margin(Xt)) > 0.65
    assert len(scorer.transformed_origin) == scorer.encode(Xt).shape[1]
    assert set(scorer.transformed_origin) <= set(X.columns)


def test_logistic_encoder_adds_missing_indicator_mapped_to_its_feature() -> None:
    X, y = _data()
    scorer = fit_candidate(CandidateSpec("lr", "logistic"), X, y)
    assert scorer.transformed_origin.count("attendance") == 2  # value + "was missing" indicator


def test_current_practice_orders_open_cases_first() -> None:
    X, y = _data()
    scorer = fit_candidate(CandidateSpec("current_practice", "current_practice"), X, y)
    m = scorer.margin(X)
    assert m[X["open_to_social_care"] == 1].min() > m[X["open_to_social_care"] == 0].max() - 100 + 1e-9
    assert np.all(m[X["open_to_social_care"] == 1] >= 100)


def test_random_baseline_is_deterministic() -> None:
    X, y = _data()
    a = fit_candidate(CandidateSpec("random", "random"), X, y, seed=3).margin(X)
    b = fit_candidate(CandidateSpec("random", "random"), X, y, seed=3).margin(X)
    assert np.array_equal(a, b)


def test_check_columns_names_missing_and_extra() -> None:
    X, y = _data()
    scorer = fit_candidate(CandidateSpec("lr", "logistic"), X, y)
    with pytest.raises(ModelInputError, match="missing columns \\['attendance'\\]"):
        scorer.check_columns(X.drop(columns="attendance"))
    with pytest.raises(ModelInputError, match="unexpected columns \\['surprise'\\]"):
        scorer.check_columns(X.assign(surprise=1.0))
    # Id columns are allowed alongside the features.
    ok = scorer.check_columns(X.assign(pupil_id="P1", family_id="F1", cohort=2026, label=np.nan))
    assert list(ok.columns) == scorer.feature_names


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibration_is_monotone_and_matches_rates(method: str) -> None:
    rng = np.random.default_rng(0)
    margin = rng.normal(-3, 1.5, 20000)
    true_p = 1 / (1 + np.exp(-(0.6 * margin - 1.0)))  # the raw margin is over-confident
    y = (rng.random(margin.size) < true_p).astype(int)
    cal = Calibrator(method).fit(margin, y)
    grid = np.linspace(-8, 2, 50)
    assert np.all(np.diff(cal.transform(grid)) >= -1e-12)
    assert abs(cal.transform(margin).mean() - y.mean()) < 0.005


def test_calibration_refuses_single_class() -> None:
    with pytest.raises(ValueError, match="both outcomes"):
        Calibrator().fit(np.zeros(10), np.zeros(10))


def test_default_candidates_include_both_baselines() -> None:
    kinds = [s.kind for s in default_candidates()]
    assert "current_practice" in kinds and "random" in kinds and "hgb" in kinds and "logistic" in kinds


def test_selection_prefers_the_simpler_model_within_one_standard_error() -> None:
    from training.evaluation import choose

    specs = [
        CandidateSpec("lr", "logistic", {"C": 0.05}),
        CandidateSpec("hgb", "hgb", {"max_leaf_nodes": 7, "max_iter": 400}),
        CandidateSpec("random", "random"),
    ]
    summary = pd.DataFrame(
        {
            "candidate": ["lr", "hgb", "random"],
            "selection_score": [0.20, 0.22, 0.01],
            "precision_at_k_std": [0.05, 0.05, 0.01],
            "auc_mean": [0.8, 0.8, 0.5],
            "baseline": [False, False, True],
        }
    )
    # 0.22 - 0.05 / sqrt(3) = 0.191 <= 0.20: the simpler logistic regression is chosen.
    assert choose(summary, specs, n_splits=3) == "lr"
    # A clear lead (beyond one standard error) wins whatever its complexity.
    summary.loc[1, "selection_score"] = 0.30
    assert choose(summary, specs, n_splits=3) == "hgb"
    # Baselines are never chosen, however they score.
    summary.loc[2, "selection_score"] = 0.9
    assert choose(summary, specs, n_splits=3) == "hgb"
