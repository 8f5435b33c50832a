"""Temporal evaluation of candidates, the selection rule, and out-of-time calibration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ontrack_model.calibration import Calibrator
from ontrack_model.metrics import (
    CapacityMetrics,
    calibration_table,
    evaluate_at_capacity,
    expected_calibration_error,
)
from ontrack_model.models import CandidateSpec, FittedScorer, fit_candidate
from ontrack_model.splits import TemporalSplit


@dataclass
class SplitResult:
    """One candidate validated on one cohort by a model trained only on earlier cohorts."""

    candidate: str
    validation_year: int
    train_years: tuple[int, ...]
    metrics: CapacityMetrics
    scored: pd.DataFrame  # pupil_id, family_id, label, score (margin), probability (uncalibrated)


def stack(matrices: dict, years: tuple[int, ...] | list[int]) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and labels of several labelled cohorts, one under the other."""
    X = pd.concat([matrices[y].X for y in years], ignore_index=True)
    y = np.concatenate([matrices[y].y.to_numpy(dtype=int) for y in years])
    return X, y


def scored_frame(matrix, scorer: FittedScorer, calibrated: bool = False) -> pd.DataFrame:
    """A cohort's children with their score (margin) and probability under `scorer`."""
    margin = scorer.margin(matrix.X)
    if scorer.spec.is_baseline:
        prob = np.full(len(margin), np.nan)
    elif calibrated:
        prob = scorer.predict_proba(matrix.X)
    else:
        prob = 1.0 / (1.0 + np.exp(-margin))
    frame = matrix.ids[["pupil_id", "family_id"]].reset_index(drop=True).copy()
    frame["label"] = None if matrix.y is None else matrix.y.to_numpy()
    frame["score"] = margin
    frame["probability"] = prob
    return frame


def evaluate_candidates(
    specs: list[CandidateSpec],
    matrices: dict,
    splits: list[TemporalSplit],
    k: int,
    seed: int,
    on_fit: Callable[[str, int], None] | None = None,
) -> list[SplitResult]:
    """Fit every candidate on each split's training cohorts and measure it on the validation cohort."""
    results: list[SplitResult] = []
    for split in splits:
        X, y = stack(matrices, split.train_years)
        val = matrices[split.validation_year]
        for spec in specs:
            scorer = fit_candidate(spec, X, y, seed=seed)
            scored = scored_frame(val, scorer)
            metrics = evaluate_at_capacity(scored, k, prob_col=None if spec.is_baseline else "probability")
            results.append(SplitResult(spec.name, split.validation_year, split.train_years, metrics, scored))
            if on_fit:
                on_fit(spec.name, split.validation_year)
    return results


def summarise(results: list[SplitResult], specs: list[CandidateSpec], penalty: float) -> pd.DataFrame:
    """Per candidate: mean and standard deviation of each metric over the splits, and the selection score.

    Selection score = mean precision@k - penalty x standard deviation of precision@k: a model that
    is good on average but erratic from year to year is worth less to a team that plans a year ahead.
    """
    rows = []
    for r in results:
        rows.append({"candidate": r.candidate, "year": r.validation_year, **r.metrics.as_dict()})
    per_split = pd.DataFrame(rows)
    metrics = ["precision_at_k", "recall_at_k", "lift_at_k", "auc", "average_precision", "brier", "ece"]
    agg = per_split.groupby("candidate")[metrics].agg(["mean", "std"])
    agg.columns = [f"{m}_{s}" for m, s in agg.columns]
    agg = agg.fillna({c: 0.0 for c in agg.columns if c.endswith("_std")})
    agg["selection_score"] = agg["precision_at_k_mean"] - penalty * agg["precision_at_k_std"]
    kinds = {s.name: s.kind for s in specs}
    agg["kind"] = [kinds[c] for c in agg.index]
    agg["baseline"] = [kinds[c] in ("current_practice", "random") for c in agg.index]
    return agg.reset_index().sort_values(
        ["baseline", "selection_score", "auc_mean"], ascending=[True, False, False]
    )


def complexity(spec: CandidateSpec) -> float:
    """How complex a candidate is, for preferring the simpler of two equally good models."""
    if spec.kind == "logistic":
        return float(spec.params.get("C", 1.0)) / (1.0 + float(spec.params.get("C", 1.0)))  # in (0, 1)
    if spec.kind == "hgb":
        return 1.0 + spec.params.get("max_leaf_nodes", 31) * spec.params.get("max_iter", 100) / 1e5
    return float("inf")


def choose(
    summary: pd.DataFrame, specs: list[CandidateSpec] | None = None, n_splits: int | None = None
) -> str:
    """The simplest non-baseline candidate whose selection score is within one standard error of the best.

    With about a hundred families on a list and one or two percent of children entering care,
    precision@k moves by several points from cohort to cohort; differences smaller than that noise
    are not evidence. Among the candidates within one standard error (of the best candidate's
    precision@k over the validation cohorts) the simplest, most transparent one is chosen
    (Breiman's one-standard-error rule): logistic regression before gradient boosting.
    """
    ml = summary[~summary["baseline"]].sort_values(
        ["selection_score", "auc_mean", "candidate"], ascending=[False, False, True]
    )
    if ml.empty:
        raise ValueError("no machine-learning candidate to choose from")
    if specs is None or not n_splits:
        return str(ml.iloc[0]["candidate"])
    best = ml.iloc[0]
    standard_error = float(best["precision_at_k_std"]) / np.sqrt(n_splits)
    eligible = ml[ml["selection_score"] >= best["selection_score"] - standard_error]
    by_name = {s.name: s for s in specs}
    ranked = sorted(eligible["candidate"], key=lambda name: (complexity(by_name[name]), name))
    return str(ranked[0])


@dataclass
class CalibrationResult:
    """The calibration map for the final model, and how well calibration held out of time."""

    calibrator: Calibrator
    ece_latest: float  # ECE on the latest validation cohort of a map fitted on earlier ones
    table_latest: pd.DataFrame  # calibration curve data on the latest validation cohort
    fitted_on_years: tuple[int, ...]


def calibrate(chosen: list[SplitResult], method: str) -> CalibrationResult:
    """Fit the calibration map on out-of-time margins, and test it honestly on the latest cohort.

    The honest check fits a map on every validation cohort except the latest and measures it on the
    latest; the final map is then refitted on all of them.
    """
    chosen = sorted(chosen, key=lambda r: r.validation_year)
    latest = chosen[-1]
    earlier = chosen[:-1] or chosen  # with a single split the check is in-sample, and says so in the card
    m_early = np.concatenate([r.scored["score"].to_numpy() for r in earlier])
    y_early = np.concatenate([r.scored["label"].to_numpy(dtype=int) for r in earlier])
    check = Calibrator(method).fit(m_early, y_early)
    p_latest = check.transform(latest.scored["score"].to_numpy())
    y_latest = latest.scored["label"].to_numpy(dtype=int)
    m_all = np.concatenate([r.scored["score"].to_numpy() for r in chosen])
    y_all = np.concatenate([r.scored["label"].to_numpy(dtype=int) for r in chosen])
    return CalibrationResult(
        calibrator=Calibrator(method).fit(m_all, y_all),
        ece_latest=expected_calibration_error(y_latest, p_latest),
        table_latest=calibration_table(y_latest, p_latest),
        fitted_on_years=tuple(r.validation_year for r in chosen),
    )
