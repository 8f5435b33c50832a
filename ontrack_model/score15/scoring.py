"""Dimension and total scores of each administration (1-5 item-mean scale, higher = more difficulties)."""

from __future__ import annotations

import pandas as pd

from ontrack_model.score15.config import DIMENSIONS, PROBLEM_ITEMS, SCORES, Score15Config
from ontrack_model.score15.io import ResponseSet

ID_COLUMNS = ["family_id", "respondent_id", "role", "age", "date", "under_min_age"]


def item_scores(paper: pd.DataFrame) -> pd.DataFrame:
    """Item scores from paper-coded items: strength items as they are, problem items reversed (6 - value)."""
    scores = paper.astype("Float64")
    for item in PROBLEM_ITEMS:
        scores[item] = 6 - scores[item]
    return scores


def score_administrations(responses: ResponseSet, config: Score15Config = Score15Config()) -> pd.DataFrame:
    """One row per administration: identifiers, items answered per dimension, dimension scores and total."""
    frame = responses.frame
    items = item_scores(frame[[f"item_{i}" for i in range(1, 16)]])
    out = frame[ID_COLUMNS].copy()
    out["items_answered"] = items.notna().sum(axis=1).astype("int64")
    for dim, numbers in DIMENSIONS.items():
        cols = items[[f"item_{i}" for i in numbers]]
        answered = cols.notna().sum(axis=1)
        out[f"{dim}_items"] = answered.astype("int64")
        # Mean of the answered items, withheld when fewer than the rule's minimum were answered.
        out[dim] = cols.mean(axis=1, skipna=True).where(answered >= config.min_items_per_dimension)
    dims = out[list(DIMENSIONS)]
    out["total"] = dims.mean(axis=1, skipna=True).where(
        dims.notna().sum(axis=1) >= config.total_min_dimensions
    )
    for score in SCORES:
        out[score] = out[score].astype("float64")
    out.attrs["rules"] = config.rules()
    return out
