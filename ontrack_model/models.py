"""Candidate scorers: logistic regression, gradient boosting, and two non-ML baselines.

A `FittedScorer` is the whole scoring pipeline from a cohort's feature matrix to a probability:
encoding -> estimator (margin in log-odds) -> calibration (a monotone map, applied after, so
ranks and SHAP reasons agree). Gradient boosting is scikit-learn's HistGradientBoosting on the
numeric matrix (missing values handled natively, never native categorical splits: they break SHAP
additivity; see ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ontrack_model.calibration import Calibrator
from ontrack_model.errors import ModelInputError

ModelKind = Literal["logistic", "hgb", "current_practice", "random"]

# The "current practice" baseline ranks as a duty team would without a model: open involvement
# first, then child-protection history, then recent referrals. Weights make that order strict.
CURRENT_PRACTICE_WEIGHTS = {
    "open_to_social_care": 100.0,
    "cp_plan_current": 50.0,
    "cp_plan_ever": 20.0,
    "referrals_12m": 1.0,
}
ID_COLUMNS = ("pupil_id", "family_id", "cohort", "label")


@dataclass(frozen=True)
class CandidateSpec:
    """One candidate: a kind of model and its hyper-parameters."""

    name: str
    kind: ModelKind
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def is_baseline(self) -> bool:
        """Non-ML baselines are compared against but never chosen."""
        return self.kind in ("current_practice", "random")


def default_candidates(
    hgb_grid: list[dict[str, Any]] | None = None, lr_c: list[float] | None = None
) -> list[CandidateSpec]:
    """The standard candidate set: baselines, logistic regression over C, and a small HGB grid."""
    hgb_grid = hgb_grid or [
        {"learning_rate": 0.05, "max_leaf_nodes": 15, "max_iter": 300, "min_samples_leaf": 40},
        {"learning_rate": 0.05, "max_leaf_nodes": 7, "max_iter": 400, "min_samples_leaf": 80},
        {"learning_rate": 0.1, "max_leaf_nodes": 31, "max_iter": 150, "min_samples_leaf": 40},
    ]
    lr_c = lr_c or [0.05, 1.0]
    specs = [CandidateSpec("current_practice", "current_practice"), CandidateSpec("random", "random")]
    specs += [CandidateSpec(f"logistic_C{c:g}", "logistic", {"C": c}) for c in lr_c]
    for i, params in enumerate(hgb_grid, start=1):
        specs.append(CandidateSpec(f"hgb_{i}", "hgb", dict(params)))
    return specs


@dataclass
class FittedScorer:
    """A fitted scoring pipeline: encode -> estimator margin (log-odds) -> calibrated probability."""

    spec: CandidateSpec
    feature_names: list[str]
    estimator: Any = None  # HGB or LogisticRegression on the encoded matrix; None for baselines
    encoder: Any = None  # fitted transformer, or None for passthrough
    transformed_origin: list[str] = field(default_factory=list)  # encoded column -> feature
    calibrator: Calibrator | None = None
    seed: int = 0

    def check_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The feature columns of `frame` in model order; ModelInputError on missing or extra ones."""
        cols = [c for c in frame.columns if c not in ID_COLUMNS]
        missing = [c for c in self.feature_names if c not in cols]
        extra = [c for c in cols if c not in set(self.feature_names)]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing columns {missing[:10]}" + (" ..." if len(missing) > 10 else ""))
            if extra:
                parts.append(f"unexpected columns {extra[:10]}" + (" ..." if len(extra) > 10 else ""))
            raise ModelInputError(
                "the feature matrix does not match the model's features: "
                + "; ".join(parts)
                + f" (the model expects {len(self.feature_names)} feature columns, plus optional "
                f"{', '.join(ID_COLUMNS)})"
            )
        try:
            return frame[self.feature_names].astype("float64")
        except (TypeError, ValueError) as exc:
            raise ModelInputError(f"feature columns must be numeric: {exc}") from None

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        """The encoded matrix the estimator sees."""
        values = X[self.feature_names].to_numpy(dtype="float64")
        return values if self.encoder is None else self.encoder.transform(values)

    def margin(self, X: pd.DataFrame) -> np.ndarray:
        """The model's score in log-odds (baselines: their ranking score)."""
        kind = self.spec.kind
        if kind == "current_practice":
            return (
                sum(
                    w * np.nan_to_num(X[c].to_numpy(dtype="float64"))
                    for c, w in CURRENT_PRACTICE_WEIGHTS.items()
                )
                + 0.0
            )
        if kind == "random":
            # Seeded per row content so the same matrix always gets the same random ranking.
            rng = np.random.default_rng(self.seed)
            return rng.random(len(X))
        return self.estimator.decision_function(self.encode(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of entering care within the horizon."""
        return self.probability_from_margin(self.margin(X))

    def probability_from_margin(self, margin: np.ndarray) -> np.ndarray:
        """The calibration map applied to margins (the logistic function before calibration)."""
        if self.calibrator is None:
            return 1.0 / (1.0 + np.exp(-margin))
        return self.calibrator.transform(margin)


def _encoder_for(kind: ModelKind) -> Pipeline | None:
    if kind == "logistic":
        # Missing values become the median plus an explicit "was missing" indicator column.
        return Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
                ("scale", StandardScaler()),
            ]
        )
    return None


def _origins(encoder: Pipeline | None, feature_names: list[str]) -> list[str]:
    if encoder is None:
        return list(feature_names)
    imputer: SimpleImputer = encoder.named_steps["impute"]
    origins = list(feature_names)
    if imputer.indicator_ is not None:
        origins += [feature_names[i] for i in imputer.indicator_.features_]
    return origins


def fit_candidate(
    spec: CandidateSpec, X: pd.DataFrame, y: pd.Series | np.ndarray, seed: int = 0
) -> FittedScorer:
    """Fit one candidate on a feature matrix and labels (uncalibrated)."""
    names = [c for c in X.columns if c not in ID_COLUMNS]
    y_arr = np.asarray(y, dtype=int)
    scorer = FittedScorer(spec=spec, feature_names=names, seed=seed)
    if spec.is_baseline:
        return scorer
    encoder = _encoder_for(spec.kind)
    values = X[names].to_numpy(dtype="float64")
    encoded = values if encoder is None else encoder.fit_transform(values)
    if spec.kind == "logistic":
        params = {"C": 1.0, "max_iter": 2000} | spec.params
        estimator = LogisticRegression(**params, random_state=seed)
    elif spec.kind == "hgb":
        params = {"early_stopping": False} | spec.params
        estimator = HistGradientBoostingClassifier(**params, random_state=seed)
    else:  # pragma: no cover - guarded by ModelKind
        raise ValueError(f"unknown model kind {spec.kind!r}")
    estimator.fit(encoded, y_arr)
    scorer.estimator = estimator
    scorer.encoder = encoder
    scorer.transformed_origin = _origins(encoder, names)
    return scorer
