"""Scoring a cohort with the final model: probabilities, SHAP reasons and the family-level list.

Explanations are computed once here, per scored cohort, and stored with the ranked list; serving
and `ontrack explain` only read them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from ontrack_model.explain import ShapResult, reasons_for_rows, shap_values
from ontrack_model.models import FittedScorer
from ontrack_model.ranking import build_family_list, data_quality_notes


@dataclass
class ScoredCohort:
    """One cohort scored by the final model, with reasons, ready for the list store."""

    year: int
    children: pd.DataFrame  # liststore.CHILD_COLUMNS (+ open_to_social_care, data_quality)
    families: pd.DataFrame  # liststore.FAMILY_COLUMNS
    shap: ShapResult


def explain(scorer: FittedScorer, X: pd.DataFrame, background: pd.DataFrame | None = None) -> ShapResult:
    """Exact SHAP values of the final model on a cohort's matrix (additivity checked)."""
    bg = None if background is None else scorer.encode(background)
    return shap_values(scorer.estimator, scorer.encode(X), scorer.transformed_origin, background=bg)


def score_and_explain(
    matrix,
    scorer: FittedScorer,
    specs: dict,
    background: pd.DataFrame | None,
    top: int,
    exclude_open: bool,
) -> ScoredCohort:
    """Score one cohort, explain every child, and build its family list."""
    X = matrix.X
    shap = explain(scorer, X, background)
    margin = shap.margin  # the estimator's log-odds, already checked against the SHAP values
    probability = scorer.probability_from_margin(margin)
    all_reasons = reasons_for_rows(shap, X, specs, top=None)
    children = matrix.ids[["pupil_id", "family_id", "school_id", "borough"]].reset_index(drop=True).copy()
    children.insert(0, "cohort", int(matrix.cohort.year))
    children["score"] = margin
    children["probability"] = probability
    children["reasons"] = [json.dumps(r) for r in all_reasons]
    children["open_to_social_care"] = X["open_to_social_care"].fillna(0).to_numpy() > 0
    children["data_quality"] = data_quality_notes(X, specs)
    family_children = children.copy()
    family_children["reasons"] = [json.dumps(_top_reasons(r, top)) for r in all_reasons]
    families = build_family_list(family_children, exclude_open=exclude_open)
    return ScoredCohort(int(matrix.cohort.year), children, families, shap)


def _top_reasons(reasons: list[dict], top: int) -> list[dict]:
    """The `top` strongest reasons that raise the score, then the strongest that lowers it."""
    raises = [r for r in reasons if r["direction"] == "raises"][:top]
    lowers = [r for r in reasons if r["direction"] == "lowers"][:1]
    return raises + lowers
