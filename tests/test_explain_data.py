"""A small world whose outcome formula is known, shared by the explain tests (and checked here).

Three groups drive the outcome strongly (child protection, suspensions, attendance); four noise
columns in two groups have no effect. Attendance is missing for some children.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ontrack_model.feature_spec import FeatureSpec

SPECS: dict[str, FeatureSpec] = {
    s.name: s
    for s in [
        FeatureSpec(
            "cp_plan_current",
            "Child protection",
            "On a child protection plan on the as-of date.",
            "flag",
            "on the as-of date",
            "on a child protection plan",
        ),
        FeatureSpec(
            "cp_plans_ever",
            "Child protection",
            "Number of child protection plans ever.",
            "count",
            "ever",
            "{value} child protection plans so far",
        ),
        FeatureSpec(
            "suspensions_12m",
            "School suspensions",
            "Suspensions in the last 12 months.",
            "count",
            "last 12 months",
            "{value} suspensions in the last 12 months",
            "no suspensions in the last 12 months",
        ),
        FeatureSpec(
            "attendance_12m",
            "School attendance",
            "Share of sessions attended, last 12 months.",
            "rate",
            "last 12 months",
            "attendance {value} in the last 12 months",
            "attended no sessions",
            "no attendance recorded in the last 12 months",
        ),
        FeatureSpec(
            "school_moves",
            "School moves",
            "Number of school moves ever.",
            "count",
            "ever",
            "{value} school moves",
            "no school moves",
        ),
        FeatureSpec(
            "noise_a1",
            "Housing",
            "A column with no effect.",
            "number",
            "ever",
            "housing measure {value}",
        ),
        FeatureSpec(
            "noise_a2",
            "Housing",
            "A column with no effect.",
            "number",
            "ever",
            "housing index {value}",
        ),
        FeatureSpec(
            "noise_b1",
            "Health visits",
            "A column with no effect.",
            "count",
            "ever",
            "{value} health visits",
            "no health visits",
        ),
    ]
}
STRONG_GROUPS = {"Child protection", "School suspensions", "School attendance"}
# Characteristics present in the extract but NOT features: must never appear in a reason.
PROTECTED = {"ethnicity": "White British", "sex": "F", "religion": "Christian"}


def known_world(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Feature matrix (plus protected columns that are not features) and outcomes from a known formula."""
    rng = np.random.default_rng(seed)
    cp_now = (rng.random(n) < 0.08).astype(float)
    X = pd.DataFrame(
        {
            "cp_plan_current": cp_now,
            "cp_plans_ever": cp_now + rng.poisson(0.1, n),
            "suspensions_12m": rng.poisson(0.3, n).astype(float),
            "attendance_12m": np.clip(rng.beta(18, 1.5, n), 0, 1),
            "school_moves": rng.poisson(0.5, n).astype(float),
            "noise_a1": rng.normal(size=n),
            "noise_a2": rng.normal(size=n),
            "noise_b1": rng.poisson(2, n).astype(float),
        }
    )
    logit = (
        -2.5
        + 2.5 * X["cp_plan_current"]
        + 0.9 * X["suspensions_12m"]
        - 12.0 * (X["attendance_12m"] - 0.92)
        + 0.15 * X["school_moves"]
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    X.loc[rng.random(n) < 0.1, "attendance_12m"] = np.nan  # not in the LA's schools last year
    return X, y


def with_protected(X: pd.DataFrame) -> pd.DataFrame:
    """The matrix plus protected characteristics that are not features (as an extract would carry)."""
    out = X.copy()
    for column, value in PROTECTED.items():
        out[column] = value
    return out


def fit_hgb(X: pd.DataFrame, y: np.ndarray, **params) -> HistGradientBoostingClassifier:
    """A small gradient-boosting model on the raw matrix (missing values kept)."""
    settings = {"max_iter": 60, "learning_rate": 0.1, "max_leaf_nodes": 15, "early_stopping": False}
    return HistGradientBoostingClassifier(**(settings | params), random_state=0).fit(X.to_numpy(), y)


def fit_lr(X: pd.DataFrame, y: np.ndarray) -> tuple[Pipeline, LogisticRegression]:
    """The logistic baseline's encoding (median + missing indicator, scaled) and the fitted regression."""
    encoder = Pipeline(
        [("impute", SimpleImputer(strategy="median", add_indicator=True)), ("scale", StandardScaler())]
    )
    Z = encoder.fit_transform(X.to_numpy())
    return encoder, LogisticRegression(max_iter=2000).fit(Z, y)


def test_known_world_has_the_stated_effects() -> None:
    X, y = known_world()
    assert 0.05 < y.mean() < 0.4
    assert y[X["cp_plan_current"] == 1].mean() > 2 * y[X["cp_plan_current"] == 0].mean()
    assert y[X["suspensions_12m"] >= 2].mean() > y[X["suspensions_12m"] == 0].mean()
    assert 0.05 < X["attendance_12m"].isna().mean() < 0.15
